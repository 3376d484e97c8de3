import { trusted } from 'mongoose';
import type { Models } from './index';

const CHUNK = 1_000;

/**
 * Sets every tag's count from the articles stored, and removes the tags no article carries; returns how many
 * tags are counted. For data written without the counts (by an earlier version, or by the seed's bulk
 * upserts) and, through `npm run recount-tags`, for a count left off by a move that failed after its article
 * was written; the API's own writes move the counts themselves (TagCounts). Not for a database that is being
 * written at the same moment: a write between the aggregation and the update would be counted from a stale
 * total.
 */
export async function recountTags(models: Pick<Models, 'Article' | 'Tag'>): Promise<number> {
  const { Article, Tag } = models;
  const rows = await Article.aggregate<{ _id: string; n: number }>([
    { $unwind: '$tagList' },
    { $group: { _id: '$tagList', n: { $sum: 1 } } },
  ]).option({ batchSize: 100_000 });
  for (let start = 0; start < rows.length; start += CHUNK) {
    await Tag.bulkWrite(
      rows.slice(start, start + CHUNK).map((row) => ({
        updateOne: { filter: { _id: row._id }, update: { $set: { count: row.n } }, upsert: true },
      })),
      { ordered: false },
    );
  }
  await Tag.deleteMany({ _id: trusted({ $nin: rows.map((row) => row._id) }) });
  return rows.length;
}

/**
 * Counts the tags of the articles stored before tag counts existed: when no tag is counted yet but some
 * article has one. A no-op afterwards (a tag that falls out of use keeps its entry, at 0).
 */
export async function backfillTagCounts(models: Pick<Models, 'Article' | 'Tag'>): Promise<void> {
  if ((await models.Tag.estimatedDocumentCount()) > 0) return;
  const tagged = await models.Article.exists({ 'tagList.0': trusted({ $exists: true }) });
  if (tagged) await recountTags(models);
}
