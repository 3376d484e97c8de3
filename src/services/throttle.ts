import { isIP } from 'node:net';
import { trusted } from 'mongoose';
import type { AppDeps } from '../deps';
import { RateLimitedError } from '../errors';
import { currentDiagnostics } from '../observability/diagnostics';
import type { RateLimit } from '../observability/metrics';

/**
 * Counts attempts per key in fixed windows stored in MongoDB, so that a limit holds across instances. An
 * attempt is reserved atomically before the work it guards (so concurrent guesses cannot all slip under the
 * limit) and refunded when it turns out fine.
 */
export class AttemptThrottle {
  constructor(
    private readonly deps: Pick<AppDeps, 'models'>,
    /** Which limit this is, for the refusals metric. */
    private readonly limit: RateLimit,
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
    if (retryAfter > 0) {
      currentDiagnostics()?.metrics?.rateLimited(this.limit);
      throw new RateLimitedError(retryAfter);
    }
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

/**
 * The counter key of a client address. An IPv6 client is its /64: one subscriber or host usually holds a
 * whole /64 and can pick a fresh address from it for every attempt, so counting single addresses would not
 * limit it at all. IPv4 and anything unparseable count as they are.
 */
export function addressKey(address: string): string {
  const bare = address.split('%')[0]!;
  if (isIP(bare) !== 6) return address;
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted IPv4 part (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((g) => parseInt(g, 16).toString(16));
}
