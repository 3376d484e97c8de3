import type { AppDeps } from '../deps';
import { toUserRecord, type UserRecord } from '../services/records';
import type { TokenProblem } from './tokens';
import { ANONYMOUS, type Viewer } from './viewer';

/** What a caller presented, as read from the transport (an `Authorization` header, a connection payload). */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'accessToken'; readonly token: string }
  /** Something was presented, but in no form Atrium reads. */
  | { readonly kind: 'unreadable' };

const SCHEME = /^(?:Bearer|Token)[ ]+([A-Za-z0-9._~+/=-]+)$/i;

/** Reads `Authorization: Token <token>` (or `Bearer <token>`). */
export function readAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = SCHEME.exec(header.trim());
  return match ? { kind: 'accessToken', token: match[1]! } : { kind: 'unreadable' };
}

export interface Authentication {
  readonly viewer: Viewer;
  /** Set when credentials were presented but grant nothing; the request then runs as anonymous. */
  readonly problem: TokenProblem | undefined;
  /** The signed-in user as read with the credential, so that the request need not read it again. */
  readonly user: UserRecord | undefined;
  /** When the credential stops granting anything (a token's expiry); undefined for anonymous callers. */
  readonly expiresAt?: Date | undefined;
}

const anonymous = (problem?: TokenProblem): Authentication => ({
  viewer: ANONYMOUS,
  problem,
  user: undefined,
});

/**
 * Credentials to a viewer: the one place that decides who is calling, for every transport. An access token is
 * trusted only while its session is live: one query reads the session and its user together, so an ended
 * session's token grants nothing at once, on every instance.
 */
export async function authenticate(
  deps: Pick<AppDeps, 'tokens' | 'sessions'>,
  credentials: Credentials,
): Promise<Authentication> {
  switch (credentials.kind) {
    case 'none':
      return anonymous();
    case 'unreadable':
      return anonymous('TOKEN_INVALID');
    case 'accessToken': {
      const verified = await deps.tokens.verifyAccessToken(credentials.token);
      if (!verified.ok) return anonymous(verified.problem);
      const { userId, sessionId, expiresAt } = verified.claims;
      const userDoc = await deps.sessions.liveUser(sessionId, userId);
      if (!userDoc) return anonymous('SESSION_ENDED');
      const user = toUserRecord(userDoc);
      return {
        viewer: { kind: 'user', id: user.id, role: user.role, sessionId },
        problem: undefined,
        user,
        expiresAt,
      };
    }
  }
}
