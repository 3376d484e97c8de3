import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Where the webhook consumer is in the change stream: the resume token after the last event whose deliveries
 * are recorded, and which instance holds the consumer's lease. One document per consumer (`_id` names it).
 */
const webhookStreamSchema = new Schema(
  {
    _id: { type: String, required: true },
    resumeToken: { type: Schema.Types.Mixed, default: null },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'webhook_streams' },
);

export type WebhookStreamDoc = InferSchemaType<typeof webhookStreamSchema>;

export const createWebhookStreamModel = (connection: Connection) =>
  connection.model('WebhookStream', webhookStreamSchema);
