import type { ClientSession } from 'mongoose';
import { hashRefreshToken, newRefreshToken } from '../auth/tokens';
import { requireActor, sessionIdOf, type Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { UnauthenticatedError, UserInputErrors } from '../errors';
import { auditTarget, type AuditLog } from './audit-log';
import { toUserRecord, type SessionTokens, type UserRecord } from './records';
import { identityKey, normalize } from './text';
import { SignInThrottle } from './throttle';
import type { UserService } from './user.service';

export interface RequestInfo {
  /** The caller's address as the edge decided it (socket, or a trusted proxy's header). */
  readonly clientAddress: string;
  /** The request's id, as its log line and `x-request-id` show it; absent for work outside a request. */
  readonly requestId?: string | undefined;
}

const WRONG_CREDENTIALS = UserInputErrors.single(null, 'Email or password is invalid.');
const BAD_REFRESH = 'The refresh token is invalid or has expired. Sign in again.';

/**
 * Sign-up, sign-in, refresh and sign-out. A session is a refresh-token family: rotating keeps the family,
 * presenting a spent token ends it, and ending it invalidates every access token that names it.
 */
export class SessionService {
  private readonly signInThrottle: SignInThrottle;

  constructor(
    private readonly deps: Pick<
      AppDeps,
      'config' | 'logger' | 'db' | 'models' | 'passwords' | 'tokens' | 'sessions'
    >,
    private readonly viewer: Viewer,
    private readonly users: UserService,
    private readonly request: RequestInfo,
    private readonly audit: AuditLog,
  ) {
    this.signInThrottle = new SignInThrottle(deps);
  }

  async signUp(input: { username: string; email: string; password: string }): Promise<SessionTokens> {
    const user = await this.users.create(input);
    return this.start(user);
  }

  /**
   * Failed sign-ins are limited per account and client address, per address, and per account (SignInThrottle).
   * An unknown email costs the same bcrypt time as a wrong password and gives the same error, so neither
   * timing nor wording reveals an account.
   */
  async signIn(input: { email: string; password: string }): Promise<SessionTokens> {
    const emailKey = identityKey(normalize(input.email));
    const { clientAddress } = this.request;
    await this.signInThrottle.reserve(emailKey, clientAddress);

    const doc = await this.deps.models.User.findOne({ emailKey }).comment('users.byEmail').lean();
    const ok = doc
      ? await this.deps.passwords.verify(input.password, doc.passwordHash)
      : await this.deps.passwords.verifyAgainstNothing(input.password);
    if (!doc || !ok) {
      // Nothing else is written, so the event is written on its own and its failure fails the request. An
      // unknown email names no target: what was typed there is sometimes a password.
      const target = doc ? auditTarget.user(doc._id.toHexString()) : null;
      await this.audit.record({ action: 'SIGN_IN_FAILED', actorId: null, target });
      throw WRONG_CREDENTIALS;
    }

    await this.signInThrottle.refund(emailKey, clientAddress);
    const user = toUserRecord(doc);
    this.users.prime(user);
    return this.start(user, 'SIGN_IN');
  }

  /**
   * Rotates a refresh token. A spent token means it was stolen or replayed: its whole family is revoked, unless
   * it was spent by the session's latest rotation less than REFRESH_REUSE_GRACE_SECONDS ago. Then it gets the
   * same successor again, with an access token of the same session: two tabs that refresh at once both stay
   * signed in, and a client whose response was lost can retry. (Within the grace period a thief replaying a
   * spent token gets the current pair too; that is the price of the grace, kept short.)
   */
  async refresh(refreshToken: string, now = new Date()): Promise<SessionTokens> {
    const { config, sessions, tokens } = this.deps;
    const presented = hashRefreshToken(refreshToken);
    const next = tokens.successorRefreshToken(refreshToken);
    const nextHash = hashRefreshToken(next);
    let session = await sessions.rotate(presented, nextHash, this.refreshExpiry(now), now);
    if (!session && config.refreshReuseGraceSeconds > 0) {
      const since = new Date(now.getTime() - config.refreshReuseGraceSeconds * 1000);
      session = await sessions.rotatedSince(presented, nextHash, since, now);
    }
    if (!session) {
      const revoked = await sessions.revokeFamily(presented);
      if (revoked) {
        this.deps.logger.warn(
          { sessionId: revoked._id.toHexString(), userId: revoked.userId.toHexString() },
          'refresh token reused: session family revoked',
        );
      }
      throw new UnauthenticatedError(BAD_REFRESH);
    }
    const user = await this.users.getById(session.userId.toHexString());
    if (!user) throw new UnauthenticatedError(BAD_REFRESH);
    return this.issue(user, session._id.toHexString(), next, now);
  }

  /** Ends the current session, or every session of the viewer. Returns how many ended. */
  async signOut(allSessions: boolean): Promise<number> {
    const actor = requireActor(this.viewer);
    if (allSessions) return this.deps.sessions.end({ userId: actor.id });
    const sessionId = sessionIdOf(this.viewer);
    return sessionId === null ? 0 : this.deps.sessions.end({ sessionId });
  }

  /** Starts a session; with an audit action, the session and its event commit together. */
  private async start(user: UserRecord, audited?: 'SIGN_IN'): Promise<SessionTokens> {
    const refreshToken = newRefreshToken();
    const now = new Date();
    const open = (session?: ClientSession) =>
      this.deps.sessions.start(user.id, hashRefreshToken(refreshToken), this.refreshExpiry(now), session);
    const sessionId = audited
      ? await this.deps.db.transaction(async (session) => {
          const id = await open(session);
          await this.audit.record(
            { action: audited, actorId: user.id, target: auditTarget.user(user.id) },
            session,
          );
          return id;
        })
      : await open();
    return this.issue(user, sessionId, refreshToken, now);
  }

  private async issue(
    user: UserRecord,
    sessionId: string,
    refreshToken: string,
    now: Date,
  ): Promise<SessionTokens> {
    this.users.actFor(user.id);
    const { token, expiresAt } = await this.deps.tokens.signAccessToken({ userId: user.id, sessionId }, now);
    return { token, refreshToken, tokenExpiresAt: expiresAt, user };
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.config.refreshTokenTtlSeconds * 1000);
  }
}
