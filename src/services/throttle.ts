import { trusted } from 'mongoose';
import type { AppDeps } from '../deps';
import { RateLimitedError } from '../errors';

/**
 * Counts attempts per key in fixed windows stored in MongoDB, so that a limit holds across instances. An
 * attempt is reserved atomically before the work it guards (so concurrent guesses cannot all slip under the
 * limit) and refunded when it turns out fine.
 */
export class AttemptThrottle {
  constructor(
    private readonly deps: AppDeps,
    private readonly max: number,
    private readonly windowSeconds: number,
  ) {}

  /** Reserves one attempt on every key; throws RATE_LIMITED when any key is past its limit. */
  async reserve(keys: readonly string[], now = new Date()): Promise<void> {
    const windowEnd = new Date(now.getTime() + this.windowSeconds * 1000);
    const live = { $gt: ['$expiresAt', now] };
    const counters = await Promise.all(
      keys.map((_id) =>
        this.deps.models.Throttle.findOneAndUpdate(
          { _id },
          // A pipeline update, so that resetting an expired window and counting are one atomic step.
          [
            {
              $set: {
                count: { $cond: [live, { $add: ['$count', 1] }, 1] },
                expiresAt: { $cond: [live, '$expiresAt', windowEnd] },
              },
            },
          ],
          { upsert: true, returnDocument: 'after', updatePipeline: true },
        )
          .comment('throttle.reserve')
          .lean(),
      ),
    );
    let retryAfter = 0;
    for (const counter of counters) {
      if (counter && counter.count > this.max) {
        retryAfter = Math.max(retryAfter, Math.ceil((counter.expiresAt.getTime() - now.getTime()) / 1000));
      }
    }
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
  }

  /** Gives back an attempt that succeeded. */
  async refund(keys: readonly string[]): Promise<void> {
    await this.deps.models.Throttle.updateMany(
      // trusted: sanitizeFilter would otherwise turn the operator into a literal value to compare with.
      { _id: trusted({ $in: keys }) },
      [{ $set: { count: { $max: [0, { $subtract: ['$count', 1] }] } } }],
      { updatePipeline: true },
    ).comment('throttle.refund');
  }
}
