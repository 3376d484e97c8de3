import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/** The name of the articles' text index. */
const TEXT_INDEX = 'articles_text';

const articleSchema = new Schema(
  {
    slug: { type: String, required: true },
    title: { type: String, required: true },
    // May be empty: mongoose's `required` would refuse ''.
    description: { type: String, default: '' },
    body: { type: String, required: true },
    tagList: { type: [String], default: [] },
    authorId: { type: Schema.Types.ObjectId, required: true },
    // Kept by the writes that add or remove a favourite or a comment, in their transaction: reading a count is
    // then free, and each such write also writes its article, so it conflicts with the article's deletion
    // (under snapshot isolation, a favourite inserted beside a delete would otherwise outlive it).
    favoritesCount: { type: Number, required: true, default: 0 },
    commentsCount: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, collection: 'articles' },
);
articleSchema.index({ slug: 1 }, { unique: true });
// Keyset pagination, newest first with ties broken by id: the global list, by author, and by tag.
articleSchema.index({ createdAt: -1, _id: -1 });
articleSchema.index({ authorId: 1, createdAt: -1, _id: -1 });
articleSchema.index({ tagList: 1, createdAt: -1, _id: -1 });
// Full-text search (src/services/search.ts). A collection has at most one text index, so this is it; the
// weights rank a word in the title above one in the tags, the description and the body, in that order. The
// language override names a field no article has: documents never choose their own stemming.
articleSchema.index(
  { title: 'text', tagList: 'text', description: 'text', body: 'text' },
  {
    name: TEXT_INDEX,
    weights: { title: 10, tagList: 5, description: 3, body: 1 },
    default_language: 'english',
    language_override: 'textLanguage',
  },
);

export type ArticleDoc = InferSchemaType<typeof articleSchema> & { _id: Types.ObjectId };

export const createArticleModel = (connection: Connection) => connection.model('Article', articleSchema);

/** MongoDB's refusals to build an index by a name an index with other keys or options holds already. */
const INDEX_CONFLICTS = new Set([85, 86]); // IndexOptionsConflict, IndexKeySpecsConflict

/**
 * Builds the articles' indexes. A collection may hold one text index only, and MongoDB will not build one by
 * the same name with other weights or fields: when the stored text index differs from the one declared above
 * (a release changed its weights), it is dropped and built again, which reads every article once.
 */
export async function initArticleIndexes(model: ReturnType<typeof createArticleModel>): Promise<void> {
  try {
    await model.init();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number' || !INDEX_CONFLICTS.has(code)) throw error;
    const stored = await model.collection.indexes();
    if (!stored.some((index) => index.name === TEXT_INDEX)) throw error;
    await model.collection.dropIndex(TEXT_INDEX);
    await model.createIndexes();
  }
}
