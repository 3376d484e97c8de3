import { trusted, Types, type ClientSession } from 'mongoose';
import { aggregateDocs, oneBatch } from '../loaders';
import type { Models } from '../models';
import type { SessionDoc } from '../models/session.model';
import { JOINED_USER_FIELDS, type UserDocLike } from './records';

/** How many spent refresh tokens a session remembers for reuse detection. */
const SPENT_TOKENS_KEPT = 100;

/**
 * The one reader and writer of the `sessions` collection. A session is live until `expiresAt`: TTL deletion
 * is lazy, so an expired session may still be stored, and every read checks the time itself (`live`).
 */
export class SessionStore {
  constructor(private readonly models: Pick<Models, 'Session'>) {}

  private static live(now: Date) {
    return { expiresAt: trusted({ $gt: now }) };
  }

  async start(
    userId: string,
    refreshHash: string,
    expiresAt: Date,
    session?: ClientSession,
  ): Promise<string> {
    const [doc] = await this.models.Session.create(
      [{ userId: new Types.ObjectId(userId), refreshHash, expiresAt }],
      session ? { session } : {},
    );
    return doc!._id.toHexString();
  }

  /**
   * A live session's user, read with the session in one query. The allow-list projection keeps the password
   * hash (and any secret a user document gains later) and the session's refresh-token hashes in the database.
   */
  async liveUser(sessionId: string, userId: string, now = new Date()): Promise<UserDocLike | null> {
    // Read as the loaders read (through the driver, counted, with the connection's maxTimeMS): every signed-in
    // request sends it.
    const [row] = await aggregateDocs<{ user: UserDocLike[] }>(
      this.models.Session,
      'auth.session',
      [
        {
          $match: {
            _id: new Types.ObjectId(sessionId),
            userId: new Types.ObjectId(userId),
            expiresAt: { $gt: now },
          },
        },
        { $limit: 1 },
        { $lookup: { from: 'users', localField: 'userId', foreignField: '_id', as: 'user' } },
        { $project: { _id: 0, ...JOINED_USER_FIELDS } },
      ],
      oneBatch(1).batchSize,
    );
    return row?.user[0] ?? null;
  }

  /** Swaps a live session's current refresh token for the next one; null when `presented` is not current. */
  async rotate(presented: string, next: string, expiresAt: Date, now: Date): Promise<SessionDoc | null> {
    return this.models.Session.findOneAndUpdate(
      { refreshHash: presented, ...SessionStore.live(now) },
      {
        $set: { refreshHash: next, expiresAt, previousRefreshHash: presented, rotatedAt: now },
        $push: { spentRefreshHashes: { $each: [presented], $slice: -SPENT_TOKENS_KEPT } },
      },
      { returnDocument: 'after' },
    )
      .comment('sessions.rotate')
      .lean();
  }

  /**
   * The live session whose latest rotation, after `since`, spent `presented` and issued `next` (still its
   * current token); null otherwise. Only the latest rotation qualifies: a token whose successor was itself
   * rotated already is plain reuse.
   */
  async rotatedSince(presented: string, next: string, since: Date, now: Date): Promise<SessionDoc | null> {
    return this.models.Session.findOne({
      refreshHash: next,
      previousRefreshHash: presented,
      rotatedAt: trusted({ $gt: since }),
      ...SessionStore.live(now),
    })
      .comment('sessions.rotatedSince')
      .lean();
  }

  /** Ends the session that once issued `spent`: a spent token presented again means it leaked. */
  async revokeFamily(spent: string): Promise<SessionDoc | null> {
    return this.models.Session.findOneAndDelete({ spentRefreshHashes: spent })
      .comment('sessions.revokeFamily')
      .lean();
  }

  /** Ends one session, or every session of a user; returns how many ended. */
  async end(which: { sessionId: string } | { userId: string }): Promise<number> {
    const filter =
      'sessionId' in which
        ? { _id: new Types.ObjectId(which.sessionId) }
        : { userId: new Types.ObjectId(which.userId) };
    const result = await this.models.Session.deleteMany(filter).comment('sessions.end');
    return result.deletedCount;
  }

  /** Ends every session of a user but the one kept (every one when none is). */
  async endOthers(userId: string, keepSessionId: string | null, session?: ClientSession): Promise<void> {
    await this.models.Session.deleteMany(
      {
        userId: new Types.ObjectId(userId),
        ...(keepSessionId === null ? {} : { _id: trusted({ $ne: new Types.ObjectId(keepSessionId) }) }),
      },
      session ? { session } : {},
    ).comment('sessions.endOthers');
  }
}
