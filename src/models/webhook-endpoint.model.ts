import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * Where a user wants events delivered. The signing secret is stored sealed (src/auth/data-cipher.ts), never
 * in plain text: it must be recoverable, since it signs every delivery. `failingSince` is the time of the
 * first failed attempt since the last success: an endpoint failing for WEBHOOK_DISABLE_AFTER_SECONDS is
 * disabled.
 */
const sealedSchema = new Schema(
  {
    keyId: { type: String, required: true },
    iv: { type: String, required: true },
    tag: { type: String, required: true },
    data: { type: String, required: true },
  },
  { _id: false },
);

const webhookEndpointSchema = new Schema(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    url: { type: String, required: true },
    /** Event types as delivered: `article.published`, … */
    events: { type: [String], required: true },
    enabled: { type: Boolean, required: true, default: true },
    disabledReason: { type: String, default: null },
    secret: { type: sealedSchema, required: true },
    /** The secret before the last rotation, still signing beside the new one until `previousSecretExpiresAt`. */
    previousSecret: { type: sealedSchema, default: null },
    previousSecretExpiresAt: { type: Date, default: null },
    failingSince: { type: Date, default: null },
  },
  { timestamps: true, collection: 'webhook_endpoints' },
);
// A user's endpoints, newest first; and the endpoints an event goes to (their owners').
webhookEndpointSchema.index({ ownerId: 1, createdAt: -1, _id: -1 });

export type WebhookEndpointDoc = InferSchemaType<typeof webhookEndpointSchema> & { _id: Types.ObjectId };

export const createWebhookEndpointModel = (connection: Connection) =>
  connection.model('WebhookEndpoint', webhookEndpointSchema);
