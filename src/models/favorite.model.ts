import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One user's favourite of one article. The unique pair makes favouriting idempotent under concurrency, and
 * counts are computed from these documents, so they cannot drift.
 */
const favoriteSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    articleId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'favorites' },
);
favoriteSchema.index({ userId: 1, articleId: 1 }, { unique: true });
favoriteSchema.index({ articleId: 1 });

export type FavoriteDoc = InferSchemaType<typeof favoriteSchema> & { _id: Types.ObjectId };

export const createFavoriteModel = (connection: Connection) => connection.model('Favorite', favoriteSchema);
