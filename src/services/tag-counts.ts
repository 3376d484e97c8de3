import { trusted, type mongo } from 'mongoose';
import { oneBatch } from '../loaders';
import type { Models } from '../models';
import { trackCommand } from '../observability/diagnostics';
import type { Logger } from '../observability/logger';

/**
 * The one reader and writer of the `tags` collection: how many articles carry each tag.
 *
 * Every article write moves the counts right after it commits, outside its transaction. Each tag's count is
 * one document that every article with the tag writes: inside the articles' transactions, concurrent writers
 * of a popular tag conflicted on it and were retried whole, over and over (the first cost of `createArticle`
 * under load). A single-document `$inc` outside a transaction never fails on a conflict: MongoDB retries it
 * itself. The counts stay exact under concurrency: a write moves them by what it changed relative to the
 * article it replaced (`returnDocument: 'before'`), and every move is an upserting `$inc`, so the moves of
 * concurrent edits add up to the article as it ended, in whatever order they arrive. The driver retries a move once over a lost connection without applying it twice (retryable
 * writes); a move that still fails leaves its counts off, is logged with what it should have done, and
 * `npm run recount-tags` (`recountTags`) sets them right.
 */
export class TagCounts {
  constructor(
    private readonly models: Pick<Models, 'Tag'>,
    private readonly logger: Logger,
  ) {}

  /**
   * After an article write has committed: counts the tags the article gained and uncounts those it lost. One
   * command whatever the number of tags, and none when they did not change. Never throws: the article is
   * written, and the caller's answer must say so.
   */
  async move(now: readonly string[], before: readonly string[]): Promise<void> {
    const gained = now.filter((tag) => !before.includes(tag));
    const lost = before.filter((tag) => !now.includes(tag));
    if (gained.length + lost.length === 0) return;
    // Through the driver (mongoose would cast what is already plain), counted for the request here.
    const done = trackCommand('tags.count');
    try {
      // The collection's documents are keyed by the tag itself (a string `_id`).
      await (
        this.models.Tag.collection as unknown as mongo.Collection<{ _id: string; count: number }>
      ).bulkWrite(
        // Both ways upsert: the moves of concurrent writes arrive in any order, and a tag's uncount may come
        // before the count it undoes (an edit that adds a tag racing one that removes it again). A count is
        // then below zero for a moment, never lost; the tag list shows counts above zero only.
        [...gained.map((tag) => ({ tag, by: 1 })), ...lost.map((tag) => ({ tag, by: -1 }))].map(
          ({ tag, by }) => ({
            updateOne: { filter: { _id: tag }, update: { $inc: { count: by } }, upsert: true },
          }),
        ),
        { ordered: false },
      );
    } catch (error) {
      this.logger.error(
        { err: error, gained, lost },
        'tag counts not moved after an article write; npm run recount-tags sets them right',
      );
    } finally {
      done();
    }
  }

  /** The most used tags, most used first (ties by name); at most `limit`. Reads at most `limit` entries. */
  async popular(limit: number): Promise<string[]> {
    const rows = await this.models.Tag.find({ count: trusted({ $gt: 0 }) }, { _id: 1 })
      .sort({ count: -1, _id: 1 })
      .limit(limit)
      .batchSize(oneBatch(limit).batchSize)
      .comment('tags.popular')
      .lean();
    return rows.map((row) => row._id);
  }
}
