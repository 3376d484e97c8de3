import { trusted, Types, type ClientSession } from 'mongoose';
import { hashSecretToken, newSecretToken, SECRET_TOKEN } from '../auth/tokens';
import type { AccountTokenPurpose } from '../models/account-token.model';
import type { Models } from '../models';

/** What a live token opens: whose account, and the address the link was sent to. */
export interface AccountTokenGrant {
  readonly userId: string;
  readonly emailKey: string;
}

/**
 * The one reader and writer of the `account_tokens` collection: single-use links sent by mail, stored only
 * as hashes. A token is live until `expiresAt`; TTL deletion is lazy, so every read checks the time.
 */
export class AccountTokenStore {
  constructor(private readonly models: Pick<Models, 'AccountToken'>) {}

  /** Replaces the user's tokens of this purpose with a new one, and returns it: the only time it is seen. */
  async issue(
    user: AccountTokenGrant,
    purpose: AccountTokenPurpose,
    ttlSeconds: number,
    session: ClientSession,
  ): Promise<string> {
    const token = newSecretToken();
    await this.revoke(user.userId, purpose, session);
    await this.models.AccountToken.create(
      [
        {
          tokenHash: hashSecretToken(token),
          userId: new Types.ObjectId(user.userId),
          purpose,
          emailKey: user.emailKey,
          expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        },
      ],
      { session },
    );
    return token;
  }

  /** The grant of a live token, or null; reads nothing for what cannot be a token. */
  async find(token: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountTokenGrant | null> {
    if (!SECRET_TOKEN.test(token)) return null;
    const doc = await this.models.AccountToken.findOne(this.live(token, purpose, now))
      .comment('accountTokens.find')
      .lean();
    return doc && { userId: doc.userId.toHexString(), emailKey: doc.emailKey };
  }

  /** Uses a live token up: null when there is none (never was, expired, or used meanwhile). */
  async consume(
    token: string,
    purpose: AccountTokenPurpose,
    now: Date,
    session: ClientSession,
  ): Promise<AccountTokenGrant | null> {
    if (!SECRET_TOKEN.test(token)) return null;
    const doc = await this.models.AccountToken.findOneAndDelete(this.live(token, purpose, now), { session })
      .comment('accountTokens.consume')
      .lean();
    return doc && { userId: doc.userId.toHexString(), emailKey: doc.emailKey };
  }

  /** Ends every token of this purpose the user holds. */
  async revoke(userId: string, purpose: AccountTokenPurpose, session?: ClientSession): Promise<void> {
    await this.models.AccountToken.deleteMany(
      { userId: new Types.ObjectId(userId), purpose },
      session ? { session } : {},
    ).comment('accountTokens.revoke');
  }

  private live(token: string, purpose: AccountTokenPurpose, now: Date) {
    return { tokenHash: hashSecretToken(token), purpose, expiresAt: trusted({ $gt: now }) };
  }
}
