import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * How many articles carry each tag, moved by each article write right after it (src/services/tag-counts.ts), so
 * that listing the most used tags reads a page of this small collection instead of every article. A tag
 * no article carries any more stays with a count of 0 until the next recount (src/models/tag-counts.ts).
 */
const tagSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
  },
  { collection: 'tags', versionKey: false },
);
// Most used first, ties by name: the listing reads the first entries of this index.
tagSchema.index({ count: -1, _id: 1 });

export type TagDoc = InferSchemaType<typeof tagSchema>;

export const createTagModel = (connection: Connection) => connection.model('Tag', tagSchema);
