/**
 * Leaky-bucket rate limiting by query cost. Each caller has a bucket of `maxPoints` that refills at
 * `restoreRate` points per second; an operation takes its estimated cost out before it runs and gets back
 * what it did not use afterwards.
 */
export interface BucketPolicy {
  readonly maxPoints: number;
  /** Points per second. */
  readonly restoreRate: number;
}

export interface Taken {
  /** False when the bucket held less than the cost; nothing was taken then. */
  readonly allowed: boolean;
  /** Points left after the charge. */
  readonly available: number;
}

/** Where buckets live: in memory for one instance, in MongoDB when several share the limits. */
export interface BucketStore {
  take(key: string, cost: number, now: number): Promise<Taken>;
  /** Gives back points an operation was charged for but did not use. */
  refund(key: string, points: number, now: number): Promise<void>;
}

/** Seconds until a bucket holding `available` points holds `cost`. */
export function secondsUntil(policy: BucketPolicy, available: number, cost: number): number {
  return Math.max(1, Math.ceil((cost - available) / policy.restoreRate));
}

function refilled(policy: BucketPolicy, available: number, at: number, now: number): number {
  return Math.min(policy.maxPoints, available + (Math.max(0, now - at) / 1000) * policy.restoreRate);
}

/** Buckets of one process. A full bucket is the same as no entry, so full ones are dropped when many pile up. */
export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, { available: number; at: number }>();

  constructor(
    private readonly policy: BucketPolicy,
    private readonly sweepAbove = 100_000,
  ) {}

  async take(key: string, cost: number, now: number): Promise<Taken> {
    const bucket = this.buckets.get(key);
    const available = bucket
      ? refilled(this.policy, bucket.available, bucket.at, now)
      : this.policy.maxPoints;
    const allowed = available >= cost;
    const left = allowed ? available - cost : available;
    if (bucket) {
      bucket.available = left;
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.sweepAbove) this.sweep(now);
      this.buckets.set(key, { available: left, at: now });
    }
    return { allowed, available: left };
  }

  async refund(key: string, points: number, now: number): Promise<void> {
    const bucket = this.buckets.get(key);
    if (!bucket || points <= 0) return;
    bucket.available = Math.min(
      this.policy.maxPoints,
      refilled(this.policy, bucket.available, bucket.at, now) + points,
    );
    bucket.at = now;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (refilled(this.policy, bucket.available, bucket.at, now) >= this.policy.maxPoints)
        this.buckets.delete(key);
    }
  }
}
