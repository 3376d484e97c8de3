import { trusted, type Types } from 'mongoose';
import type { Models } from './index';

const CHUNK = 1_000;

/**
 * Sets each article's `favoritesCount` and `commentsCount` from the favourites and comments stored. For data
 * written without the counters (by an earlier version, or by the seed's bulk upserts); the API's own writes
 * keep them in their transactions.
 */
export async function recountArticles(models: Models, articleIds: readonly Types.ObjectId[]): Promise<void> {
  const { Article, Comment, Favorite } = models;
  for (let start = 0; start < articleIds.length; start += CHUNK) {
    const ids = articleIds.slice(start, start + CHUNK);
    const count = async (model: typeof Comment | typeof Favorite) => {
      const rows = await model
        .aggregate<{ _id: Types.ObjectId; n: number }>([
          { $match: { articleId: { $in: ids } } },
          { $group: { _id: '$articleId', n: { $sum: 1 } } },
        ])
        .option({ batchSize: ids.length + 1 });
      return new Map(rows.map((row) => [row._id.toHexString(), row.n]));
    };
    const [favorites, comments] = await Promise.all([count(Favorite), count(Comment)]);
    await Article.collection.bulkWrite(
      ids.map((id) => ({
        updateOne: {
          filter: { _id: id },
          update: {
            $set: {
              favoritesCount: favorites.get(id.toHexString()) ?? 0,
              commentsCount: comments.get(id.toHexString()) ?? 0,
            },
          },
        },
      })),
      { ordered: false },
    );
  }
}

/** Counts the articles stored before the counters existed; a no-op once every article has them. */
export async function backfillArticleCounts(models: Models): Promise<void> {
  const missing = await models.Article.find(
    {
      $or: [{ favoritesCount: trusted({ $exists: false }) }, { commentsCount: trusted({ $exists: false }) }],
    },
    { _id: 1 },
  ).lean();
  await recountArticles(
    models,
    missing.map((doc) => doc._id),
  );
}
