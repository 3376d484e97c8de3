import { trusted, type ClientSession } from 'mongoose';
import { oneBatch } from '../loaders';
import type { Models } from '../models';
import { trackCommand } from '../observability/diagnostics';

/**
 * The one reader and writer of the `tags` collection: how many articles carry each tag. The article writes
 * move the counts inside their own transactions, so a count never disagrees with the articles committed.
 */
export class TagCounts {
  constructor(private readonly models: Pick<Models, 'Tag'>) {}

  /**
   * Inside the transaction of an article write: counts the tags the article gained and uncounts those it
   * lost. One command whatever the number of tags, and none when they did not change.
   */
  async change(now: readonly string[], before: readonly string[], session: ClientSession): Promise<void> {
    const gained = now.filter((tag) => !before.includes(tag));
    const lost = before.filter((tag) => !now.includes(tag));
    if (gained.length + lost.length === 0) return;
    // The model's bulkWrite goes through no query middleware: counted for the request here.
    const done = trackCommand('tags.count');
    try {
      await this.models.Tag.bulkWrite(
        [
          ...gained.map((tag) => ({
            updateOne: { filter: { _id: tag }, update: { $inc: { count: 1 } }, upsert: true },
          })),
          ...lost.map((tag) => ({ updateOne: { filter: { _id: tag }, update: { $inc: { count: -1 } } } })),
        ],
        { session, ordered: true },
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
