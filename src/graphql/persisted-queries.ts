import { trusted } from 'mongoose';
import type { Models } from '../models';
import type { Logger } from '../observability/logger';
import type { TrustedDocuments } from './trusted-documents';

interface KeyValueCacheSetOptions {
  /** Seconds; null: kept until deleted. */
  readonly ttl?: number | null;
}

/** A store of documents by hash, in the shape of Apollo's KeyValueCache (src/graphql/apollo.ts hands it over). */
export interface KeyValueCache<V = string> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/**
 * The documents of Apollo's automatic persisted queries, in MongoDB (`persisted_queries`, with a TTL index),
 * so that a hash registered on one instance is known to every instance. Apollo registers a document only
 * once it has parsed and validated it within the document limits and its operation has been admitted (cost,
 * rate limit), so only documents that may run are kept; one over `maxBytes` still runs but is not kept.
 *
 * A read that fails is a miss, logged: the client then sends the document itself, which runs, instead of the
 * request failing on a cache (what Apollo's ErrorsAreMissesCache does for remote caches).
 */
export class MongoPersistedQueryCache implements KeyValueCache<string> {
  constructor(
    private readonly model: Models['PersistedQuery'],
    private readonly logger: Logger,
    private readonly maxBytes: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      // The TTL monitor deletes expired documents only every minute or so.
      const found = await this.model
        .findOne({
          _id: key,
          // Operators Atrium writes itself, past sanitizeFilter (src/db.ts).
          $or: [{ expiresAt: trusted({ $exists: false }) }, { expiresAt: trusted({ $gt: new Date() }) }],
        })
        .comment('persistedQueries.get')
        .lean();
      return found?.document;
    } catch (error) {
      this.logger.warn({ err: error }, 'persisted query read failed; answered as not found');
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (Buffer.byteLength(value, 'utf8') > this.maxBytes) return;
    const ttl = options?.ttl;
    const expires = typeof ttl === 'number' ? { expiresAt: new Date(Date.now() + ttl * 1000) } : undefined;
    await this.model
      .updateOne(
        { _id: key },
        expires
          ? { $set: { document: value, ...expires } }
          : { $set: { document: value }, $unset: { expiresAt: 1 } },
        { upsert: true },
      )
      .comment('persistedQueries.set');
  }

  async delete(key: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ _id: key }).comment('persistedQueries.delete');
    return deletedCount > 0;
  }
}

/**
 * What Apollo's persisted queries read documents from: the trusted documents first (in memory, loaded at
 * start; never written), then the registered ones. Keys are bare SHA-256 hashes: the store is a collection
 * of its own, so it needs no prefix to keep it apart from other caches.
 */
export class PersistedDocumentCache implements KeyValueCache<string> {
  constructor(
    private readonly trusted: TrustedDocuments | undefined,
    private readonly registered: KeyValueCache<string>,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.trusted?.byHash(key)?.body ?? this.registered.get(key);
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.trusted?.byHash(key)) return;
    await this.registered.set(key, value, options);
  }

  async delete(key: string): Promise<boolean | void> {
    return this.registered.delete(key);
  }
}
