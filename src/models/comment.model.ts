import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

const commentSchema = new Schema(
  {
    articleId: { type: Schema.Types.ObjectId, required: true },
    authorId: { type: Schema.Types.ObjectId, required: true },
    body: { type: String, required: true },
  },
  { timestamps: true, collection: 'comments' },
);
// An article's comments, oldest first.
commentSchema.index({ articleId: 1, createdAt: 1, _id: 1 });

export type CommentDoc = InferSchemaType<typeof commentSchema> & { _id: Types.ObjectId };

export const createCommentModel = (connection: Connection) => connection.model('Comment', commentSchema);
