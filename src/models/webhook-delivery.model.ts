import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'RETRYING', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One attempt, as the delivery log shows it. */
const attemptSchema = new Schema(
  {
    at: { type: Date, required: true },
    statusCode: { type: Number, default: null },
    durationMs: { type: Number, required: true },
    error: { type: String, default: null },
  },
  { _id: false },
);

/**
 * One event for one endpoint. Unique per (event, endpoint): an event seen twice (a replayed change stream,
 * two instances reading the same one) is recorded once and delivered once. The body is fixed when the event
 * is recorded, so that every attempt sends the same bytes under the same `webhook-id`.
 *
 * A delivery is due when it is PENDING or RETRYING, `nextAttemptAt` has come and no live lease holds it: an
 * instance claims it by setting `leaseExpiresAt`; a lease left by an instance that died expires and the
 * delivery is claimed again.
 */
const webhookDeliverySchema = new Schema(
  {
    endpointId: { type: Schema.Types.ObjectId, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    body: { type: String, required: true },
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    attempts: { type: Number, required: true, default: 0 },
    /** Failed attempts since the delivery was recorded or redelivered: the place in the retry schedule. */
    failures: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, default: null },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    /** The latest attempts, newest last (a bounded number). */
    log: { type: [attemptSchema], default: [] },
    deliveredAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'webhook_deliveries' },
);
webhookDeliverySchema.index({ eventId: 1, endpointId: 1 }, { unique: true });
// Due deliveries, soonest first; only those still to be sent are in the index.
webhookDeliverySchema.index(
  { nextAttemptAt: 1 },
  { partialFilterExpression: { status: { $in: ['PENDING', 'RETRYING'] } }, name: 'due' },
);
// An endpoint's delivery log, newest first.
webhookDeliverySchema.index({ endpointId: 1, createdAt: -1, _id: -1 });

export type WebhookDeliveryDoc = InferSchemaType<typeof webhookDeliverySchema> & { _id: Types.ObjectId };

export const createWebhookDeliveryModel = (connection: Connection) =>
  connection.model('WebhookDelivery', webhookDeliverySchema);
