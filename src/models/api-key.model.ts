import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';
import { API_SCOPES } from '../auth/api-scopes';

/**
 * An API key: a third-party integration acting as its owner (`userId`) within its `scopes`. The secret is
 * stored only as its SHA-256 hash and found by it (unique index): every request reads the key, so revoking it
 * (`revokedAt`) takes effect at once on every instance. `prefix` is the non-secret start of the secret, for
 * people to tell keys apart. A revoked or expired key is kept for display until `purgeAt`, then MongoDB
 * deletes it.
 */
const apiKeySchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    prefix: { type: String, required: true },
    secretHash: { type: String, required: true },
    scopes: { type: [{ type: String, enum: API_SCOPES }], required: true },
    expiresAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    purgeAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'api_keys', versionKey: false },
);
apiKeySchema.index({ secretHash: 1 }, { unique: true });
apiKeySchema.index({ userId: 1, createdAt: -1 });
apiKeySchema.index({ purgeAt: 1 }, { expireAfterSeconds: 0 });

export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: Types.ObjectId; createdAt: Date };

export const createApiKeyModel = (connection: Connection) => connection.model('ApiKey', apiKeySchema);
