import type { Config } from '../config';
import type { Database } from '../db';
import { MemoryBucketStore, type BucketPolicy, type BucketStore } from './bucket';
import { MongoBucketStore } from './mongo-store';

export { secondsUntil, type BucketPolicy, type BucketStore } from './bucket';

/** A store of buckets that all have one size. */
export interface Limiter {
  readonly store: BucketStore;
  readonly policy: BucketPolicy;
}

/** The buckets of people (per user, or per client address) and, sized apart, those of API keys. */
export interface Limiters extends Limiter {
  readonly apiKeys: Limiter;
}

/** The stores RATE_LIMIT_STORE names, ready to use; undefined when rate limiting is off. */
export async function createBucketStore(config: Config, db: Database): Promise<Limiters | undefined> {
  if (!config.rateLimitEnabled) return undefined;
  const policy = { maxPoints: config.rateLimitMaxPoints, restoreRate: config.rateLimitRestoreRate };
  const apiKeyPolicy = {
    maxPoints: config.rateLimitApiKeyMaxPoints,
    restoreRate: config.rateLimitApiKeyRestoreRate,
  };
  switch (config.rateLimitStore) {
    case 'memory':
      return {
        store: new MemoryBucketStore(policy),
        policy,
        apiKeys: { store: new MemoryBucketStore(apiKeyPolicy), policy: apiKeyPolicy },
      };
    case 'mongodb': {
      // One collection; the two kinds of bucket have keys of their own (`user:`/`address:`, `apiKey:`).
      const store = new MongoBucketStore(db.connection, policy);
      await store.init();
      return {
        store,
        policy,
        apiKeys: { store: new MongoBucketStore(db.connection, apiKeyPolicy), policy: apiKeyPolicy },
      };
    }
  }
}
