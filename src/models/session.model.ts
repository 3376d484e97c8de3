import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One signed-in session (a refresh-token family). Access tokens name it by id, so deleting the document
 * ends every token of the family at once, on every instance. Refresh tokens are stored only as SHA-256
 * hashes; the current one rotates on every use and spent ones are kept to detect reuse. The token spent by
 * the latest rotation and the time of it say whether a reuse falls within the grace period.
 */
const sessionSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    refreshHash: { type: String, required: true },
    spentRefreshHashes: { type: [String], default: [] },
    previousRefreshHash: { type: String, default: null },
    rotatedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true, collection: 'sessions' },
);
sessionSchema.index({ refreshHash: 1 }, { unique: true });
sessionSchema.index({ spentRefreshHashes: 1 });
sessionSchema.index({ userId: 1 });
// MongoDB deletes a session once it expires; reads also check expiresAt, as the TTL monitor runs lazily.
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type SessionDoc = InferSchemaType<typeof sessionSchema> & { _id: Types.ObjectId };

export const createSessionModel = (connection: Connection) => connection.model('Session', sessionSchema);
