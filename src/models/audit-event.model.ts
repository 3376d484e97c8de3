import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One security-relevant event: who did what to what, from where, in which request. Written only through
 * AuditLog (src/services/audit-log.ts), which never stores a secret in it. Each event carries the time it
 * expires (its retention, AUDIT_RETENTION_DAYS when it was written), so that a change of retention needs no
 * index rebuilt.
 */
const auditEventSchema = new Schema(
  {
    action: { type: String, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    target: { type: String, default: null },
    detail: { type: String, default: null },
    clientAddress: { type: String, default: null },
    requestId: { type: String, default: null },
    occurredAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'audit_events', versionKey: false },
);
// Keyset pagination, newest first with ties broken by id: every event, by action, and by actor.
auditEventSchema.index({ occurredAt: -1, _id: -1 });
auditEventSchema.index({ action: 1, occurredAt: -1, _id: -1 });
auditEventSchema.index({ actorId: 1, occurredAt: -1, _id: -1 });
auditEventSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId };

export const createAuditEventModel = (connection: Connection) =>
  connection.model('AuditEvent', auditEventSchema);
