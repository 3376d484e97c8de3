import type { Config } from '../config';
import type { Database } from '../db';
import { MemoryBucketStore, type BucketPolicy, type BucketStore } from './bucket';
import { MongoBucketStore } from './mongo-store';

export { secondsUntil, type BucketPolicy, type BucketStore } from './bucket';

/** The store RATE_LIMIT_STORE names, ready to use; undefined when rate limiting is off. */
export async function createBucketStore(
  config: Config,
  db: Database,
): Promise<{ store: BucketStore; policy: BucketPolicy } | undefined> {
  if (!config.rateLimitEnabled) return undefined;
  const policy = { maxPoints: config.rateLimitMaxPoints, restoreRate: config.rateLimitRestoreRate };
  switch (config.rateLimitStore) {
    case 'memory':
      return { store: new MemoryBucketStore(policy), policy };
    case 'mongodb': {
      const store = new MongoBucketStore(db.connection, policy);
      await store.init();
      return { store, policy };
    }
  }
}
