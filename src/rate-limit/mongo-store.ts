import { Schema, type Connection } from 'mongoose';
import type { BucketPolicy, BucketStore, Taken } from './bucket';

const bucketSchema = new Schema(
  {
    _id: { type: String, required: true },
    available: { type: Number, required: true },
    /** When `available` was last computed. */
    at: { type: Date, required: true },
    /** Whether the last take was granted. */
    granted: { type: Boolean, required: true },
    /** When the bucket is full again; it is then the same as no document. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'rate_limits', versionKey: false },
);
bucketSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/**
 * Buckets shared by every instance. Each take is one atomic findOneAndUpdate with a pipeline update that
 * refills, checks and charges in a single step, so concurrent requests on several instances cannot spend the
 * same points twice.
 */
export class MongoBucketStore implements BucketStore {
  private readonly model;

  constructor(
    connection: Connection,
    private readonly policy: BucketPolicy,
  ) {
    this.model = connection.models['RateLimitBucket']
      ? connection.model<typeof bucketSchema>('RateLimitBucket')
      : connection.model('RateLimitBucket', bucketSchema);
  }

  /** Builds the TTL index. */
  async init(): Promise<void> {
    await this.model.init();
  }

  async take(key: string, cost: number, now: number): Promise<Taken> {
    const { maxPoints } = this.policy;
    const at = new Date(now);
    const doc = await this.model
      .findOneAndUpdate(
        { _id: key },
        [
          { $set: { available: this.refilled(at) } },
          { $set: { granted: { $gte: ['$available', cost] } } },
          {
            $set: {
              available: { $cond: ['$granted', { $subtract: ['$available', cost] }, '$available'] },
              at,
            },
          },
          { $set: { expiresAt: this.fullAt(at) } },
        ],
        { upsert: true, returnDocument: 'after', updatePipeline: true },
      )
      .comment('rateLimit.take')
      .lean();
    // An upsert always returns the document; a missing one would mean the store is not answering.
    if (!doc) return { allowed: true, available: maxPoints - cost };
    return { allowed: doc.granted, available: doc.available };
  }

  async refund(key: string, points: number, now: number): Promise<void> {
    if (points <= 0) return;
    const at = new Date(now);
    await this.model
      .updateOne(
        { _id: key },
        [
          { $set: { available: { $min: [this.policy.maxPoints, { $add: [this.refilled(at), points] }] } } },
          { $set: { at, expiresAt: this.fullAt(at) } },
        ],
        { updatePipeline: true },
      )
      .comment('rateLimit.refund');
  }

  /** The bucket's points as of `at`: what it held, plus what flowed back since, capped at the maximum. */
  private refilled(at: Date) {
    const { maxPoints, restoreRate } = this.policy;
    return {
      $min: [
        maxPoints,
        {
          $add: [
            { $ifNull: ['$available', maxPoints] },
            {
              $multiply: [
                { $divide: [{ $max: [0, { $subtract: [at, { $ifNull: ['$at', at] }] }] }, 1000] },
                restoreRate,
              ],
            },
          ],
        },
      ],
    };
  }

  private fullAt(at: Date) {
    const { maxPoints, restoreRate } = this.policy;
    return {
      $add: [at, { $multiply: [{ $divide: [{ $subtract: [maxPoints, '$available'] }, restoreRate] }, 1000] }],
    };
  }
}
