import { Schema, type Connection } from 'mongoose';

/**
 * Where the webhook consumer is in the change stream: the resume token after the last event whose deliveries
 * are recorded. One document per consumer (`_id` names it); every instance reads and stores it.
 */
const webhookStreamSchema = new Schema(
  {
    _id: { type: String, required: true },
    resumeToken: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: true, collection: 'webhook_streams' },
);

export const createWebhookStreamModel = (connection: Connection) =>
  connection.model('WebhookStream', webhookStreamSchema);
