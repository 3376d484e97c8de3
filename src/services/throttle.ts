import { isIP } from 'node:net';
import { trusted } from 'mongoose';
import type { AppDeps } from '../deps';
import { RateLimitedError } from '../errors';
import { currentDiagnostics } from '../observability/diagnostics';
import type { RateLimit } from '../observability/metrics';

/** A counter and its own limit; a plain key has the throttle's default limit. */
export type ThrottleKey = string | { readonly key: string; readonly max: number };

const keyOf = (key: ThrottleKey): string => (typeof key === 'string' ? key : key.key);

/**
 * Counts attempts per key in fixed windows stored in MongoDB, so that a limit holds across instances. An
 * attempt is reserved atomically before the work it guards (so concurrent guesses cannot all slip under the
 * limit) and refunded when it turns out fine. An attempt refused on any of its keys is refunded on all of
 * them: it did no work, so it must not bring its other counters closer to their limits (an address kept off
 * one account by its own counter would otherwise go on filling that account's counter for everyone). A
 * counter never lets more than its limit through; under concurrency an attempt may be refused on a count
 * that in-flight attempts, refunded a moment later, pushed up: the error is on the side of refusing.
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
  async reserve(keys: readonly ThrottleKey[], now = new Date()): Promise<void> {
    const windowEnd = new Date(now.getTime() + this.windowSeconds * 1000);
    const live = { $gt: ['$expiresAt', now] };
    const counters = await Promise.all(
      keys.map((key) =>
        this.deps.models.Throttle.findOneAndUpdate(
          { _id: keyOf(key) },
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
    counters.forEach((counter, i) => {
      const key = keys[i]!;
      const max = typeof key === 'string' ? this.max : key.max;
      if (counter && counter.count > max) {
        retryAfter = Math.max(retryAfter, Math.ceil((counter.expiresAt.getTime() - now.getTime()) / 1000));
      }
    });
    if (retryAfter > 0) {
      await this.refund(keys);
      currentDiagnostics()?.metrics?.rateLimited(this.limit);
      throw new RateLimitedError(retryAfter);
    }
  }

  /** Gives back an attempt that succeeded. */
  async refund(keys: readonly ThrottleKey[]): Promise<void> {
    await this.deps.models.Throttle.updateMany(
      // trusted: sanitizeFilter would otherwise turn the operator into a literal value to compare with.
      { _id: trusted({ $in: keys.map(keyOf) }) },
      [{ $set: { count: { $max: [0, { $subtract: ['$count', 1] }] } } }],
      { updatePipeline: true },
    ).comment('throttle.refund');
  }
}

/**
 * Failed sign-ins, counted three ways in one window: per account and client address with the strict limit
 * (guessing at one account from one place), per address across accounts (one place trying many accounts),
 * and per account across addresses with a much higher ceiling (guessing spread over many places). Failures
 * at one address never count against the same account at another, so an attacker cannot lock the owner out
 * by failing on purpose, short of the account ceiling.
 */
export class SignInThrottle {
  private readonly throttle: AttemptThrottle;

  constructor(private readonly deps: Pick<AppDeps, 'config' | 'models'>) {
    const { signInMaxFailures, signInWindowSeconds } = deps.config;
    this.throttle = new AttemptThrottle(deps, 'sign_in', signInMaxFailures, signInWindowSeconds);
  }

  /** Reserves a sign-in attempt for the account's key from the address; RATE_LIMITED when past a limit. */
  reserve(emailKey: string, clientAddress: string): Promise<void> {
    return this.throttle.reserve(this.keys(emailKey, clientAddress));
  }

  /** Gives back the attempt of a successful sign-in. */
  refund(emailKey: string, clientAddress: string): Promise<void> {
    return this.throttle.refund(this.keys(emailKey, clientAddress));
  }

  private keys(emailKey: string, clientAddress: string): ThrottleKey[] {
    const { signInAddressMaxFailures, signInAccountMaxFailures } = this.deps.config;
    // Sign-in input is not validated, and a key names a counter document: bounded, so is the document.
    const account = emailKey.slice(0, 320);
    const address = addressKey(clientAddress);
    return [
      `signin:pair:${address}:${account}`,
      { key: `signin:address:${address}`, max: signInAddressMaxFailures },
      { key: `signin:account:${account}`, max: signInAccountMaxFailures },
    ];
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
