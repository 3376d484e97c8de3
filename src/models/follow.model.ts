import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/** `followerId` follows `followeeId`. The unique pair makes following idempotent under concurrency. */
const followSchema = new Schema(
  {
    followerId: { type: Schema.Types.ObjectId, required: true },
    followeeId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'follows' },
);
followSchema.index({ followerId: 1, followeeId: 1 }, { unique: true });
// A user's followers, newest first.
followSchema.index({ followeeId: 1, createdAt: -1, _id: -1 });

export type FollowDoc = InferSchemaType<typeof followSchema> & { _id: Types.ObjectId };

export const createFollowModel = (connection: Connection) => connection.model('Follow', followSchema);
