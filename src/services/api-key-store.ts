import { trusted, Types, type ClientSession } from 'mongoose';
import type { ApiScope } from '../auth/api-scopes';
import { aggregateDocs, oneBatch } from '../loaders';
import type { Models } from '../models';
import type { ApiKeyDoc } from '../models/api-key.model';
import { JOINED_USER_FIELDS, type UserDocLike } from './records';

/** How long a revoked or expired key stays listed (with its dates) before MongoDB deletes it. */
export const API_KEY_KEPT_AFTER_END_DAYS = 30;
/** `lastUsedAt` is kept to this resolution: a key in constant use costs one write a minute, not one a request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** The most keys `Viewer.apiKeys` lists, newest first: the active ones are bounded by configuration. */
export const API_KEYS_LISTED = 100;

const DAY_MS = 24 * 3600 * 1000;

export interface ApiKeyRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly ApiScope[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export function toApiKeyRecord(doc: ApiKeyDoc): ApiKeyRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    name: doc.name,
    prefix: doc.prefix,
    scopes: doc.scopes,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    lastUsedAt: doc.lastUsedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  };
}

/** A key as authentication reads it: the key and its owner, in one command. */
export interface PresentedKey {
  readonly key: ApiKeyRecord;
  readonly user: UserDocLike | null;
}

const KEY_FIELDS = {
  _id: 1,
  userId: 1,
  name: 1,
  prefix: 1,
  scopes: 1,
  createdAt: 1,
  expiresAt: 1,
  lastUsedAt: 1,
  revokedAt: 1,
} as const;

/** Whether a key can be used at `now`: neither revoked nor past its expiry. */
export function isActive(key: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}

/**
 * The one reader and writer of the `api_keys` collection, for authentication and the services alike. Keys
 * are found by the hash of their secret; the secret itself is never stored.
 */
export class ApiKeyStore {
  constructor(private readonly models: Pick<Models, 'ApiKey'>) {}

  /**
   * The key whose secret hashes to `secretHash`, with its owner, in one indexed command (the unique index on
   * the hash, then the owner by _id); null when no key has it. Whether it is revoked or expired is the
   * caller's to judge, so that it can say which.
   */
  async presented(secretHash: string): Promise<PresentedKey | null> {
    // Through the driver, as the session check is: every request with a key sends it. `secretHash` is the
    // SHA-256 the caller computed, never a value a client sent.
    const [row] = await aggregateDocs<ApiKeyDoc & { user: UserDocLike[] }>(
      this.models.ApiKey,
      'auth.apiKey',
      [
        { $match: { secretHash } },
        { $limit: 1 },
        { $lookup: { from: 'users', localField: 'userId', foreignField: '_id', as: 'user' } },
        { $project: { ...KEY_FIELDS, ...JOINED_USER_FIELDS } },
      ],
      oneBatch(1).batchSize,
    );
    if (!row) return null;
    return { key: toApiKeyRecord(row), user: row.user[0] ?? null };
  }

  /**
   * Records that a key was used at `now`, unless it was already within the last minute. The filter repeats
   * the condition, so that instances racing on the same key write once between them.
   */
  async touch(keyId: string, now: Date): Promise<void> {
    await this.models.ApiKey.updateOne(
      {
        _id: new Types.ObjectId(keyId),
        $or: [
          { lastUsedAt: null },
          { lastUsedAt: trusted({ $lte: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) }) },
        ],
      },
      { $set: { lastUsedAt: now } },
    ).comment('apiKeys.touch');
  }

  async create(
    key: {
      userId: string;
      name: string;
      prefix: string;
      secretHash: string;
      scopes: readonly ApiScope[];
      expiresAt: Date | null;
      createdAt: Date;
    },
    session: ClientSession,
  ): Promise<ApiKeyRecord> {
    const [doc] = await this.models.ApiKey.insertMany(
      [
        {
          userId: new Types.ObjectId(key.userId),
          name: key.name,
          prefix: key.prefix,
          secretHash: key.secretHash,
          scopes: [...key.scopes],
          expiresAt: key.expiresAt,
          createdAt: key.createdAt,
          purgeAt: key.expiresAt && new Date(key.expiresAt.getTime() + API_KEY_KEPT_AFTER_END_DAYS * DAY_MS),
        },
      ],
      { session },
    );
    return toApiKeyRecord(doc!.toObject<ApiKeyDoc>());
  }

  /** How many of the user's keys can be used at `now`. */
  async countActive(userId: string, now: Date, session: ClientSession): Promise<number> {
    return this.models.ApiKey.countDocuments(
      {
        userId: new Types.ObjectId(userId),
        revokedAt: null,
        $or: [{ expiresAt: null }, { expiresAt: trusted({ $gt: now }) }],
      },
      { session },
    ).comment('apiKeys.countActive');
  }

  /** The user's keys, newest first, revoked and expired ones included until they are purged. */
  async listByUser(userId: string): Promise<ApiKeyRecord[]> {
    const docs = await this.models.ApiKey.find({ userId: new Types.ObjectId(userId) }, KEY_FIELDS)
      .sort({ createdAt: -1, _id: -1 })
      .limit(API_KEYS_LISTED)
      .comment('apiKeys.byUser')
      .lean<ApiKeyDoc[]>();
    return docs.map(toApiKeyRecord);
  }

  /** One of the user's keys, or null when the user has no key with this id. */
  async byIdOfUser(keyId: string, userId: string, session?: ClientSession): Promise<ApiKeyRecord | null> {
    const doc = await this.models.ApiKey.findOne(
      { _id: new Types.ObjectId(keyId), userId: new Types.ObjectId(userId) },
      KEY_FIELDS,
      session ? { session } : {},
    )
      .comment('apiKeys.byId')
      .lean<ApiKeyDoc>();
    return doc ? toApiKeyRecord(doc) : null;
  }

  /** Revokes one of the user's keys that is not revoked yet; null when there is no such key. */
  async revoke(
    keyId: string,
    userId: string,
    now: Date,
    session: ClientSession,
  ): Promise<ApiKeyRecord | null> {
    const doc = await this.models.ApiKey.findOneAndUpdate(
      { _id: new Types.ObjectId(keyId), userId: new Types.ObjectId(userId), revokedAt: null },
      {
        $set: {
          revokedAt: now,
          purgeAt: new Date(now.getTime() + API_KEY_KEPT_AFTER_END_DAYS * DAY_MS),
        },
      },
      { returnDocument: 'after', projection: KEY_FIELDS, session },
    )
      .comment('apiKeys.revoke')
      .lean<ApiKeyDoc>();
    return doc ? toApiKeyRecord(doc) : null;
  }
}
