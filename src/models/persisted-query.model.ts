import { Schema, type Connection } from 'mongoose';

/**
 * Documents registered by automatic persisted queries, by the SHA-256 hash of their text, shared by every
 * instance. MongoDB deletes one once it expires; reads also check expiresAt, as the TTL monitor runs lazily.
 */
const persistedQuerySchema = new Schema(
  {
    _id: { type: String, required: true },
    document: { type: String, required: true },
    // Absent: kept until deleted.
    expiresAt: { type: Date },
  },
  { collection: 'persisted_queries', versionKey: false },
);
persistedQuerySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const createPersistedQueryModel = (connection: Connection) =>
  connection.model('PersistedQuery', persistedQuerySchema);
