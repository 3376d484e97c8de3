import type { AppDeps } from '../deps';
import { currentDiagnostics } from '../observability/diagnostics';
import { isActive, LAST_USED_RESOLUTION_MS } from '../services/api-key-store';
import { toUserRecord, type UserRecord } from '../services/records';
import { hashApiKeySecret, isWellFormedApiKeySecret, looksLikeApiKey } from './api-key-secret';
import type { TokenProblem } from './tokens';
import { ANONYMOUS, type Viewer } from './viewer';

/** What a caller presented, as read from the transport (an `Authorization` header, a connection payload). */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'accessToken'; readonly token: string }
  /** An integration's API key (`atr_…`), well formed or not. */
  | { readonly kind: 'apiKey'; readonly secret: string }
  /** Something was presented, but in no form Atrium reads. */
  | { readonly kind: 'unreadable' };

const SCHEME = /^(?:Bearer|Token)[ ]+([A-Za-z0-9._~+/=-]+)$/i;

/** Reads `Authorization: Token <token>` (or `Bearer <token>`); `Bearer atr_…` is an API key. */
export function readAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = SCHEME.exec(header.trim());
  if (!match) return { kind: 'unreadable' };
  const credential = match[1]!;
  return looksLikeApiKey(credential)
    ? { kind: 'apiKey', secret: credential }
    : { kind: 'accessToken', token: credential };
}

export interface Authentication {
  readonly viewer: Viewer;
  /** Set when credentials were presented but grant nothing; the request then runs as anonymous. */
  readonly problem: TokenProblem | undefined;
  /** The signed-in user as read with the credential, so that the request need not read it again. */
  readonly user: UserRecord | undefined;
  /** When the credential stops granting anything (a token's or an API key's expiry); undefined when never. */
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
 * session's token grants nothing at once, on every instance. An API key likewise: one indexed query by the
 * hash of its secret reads the key and its owner on every request, so a revoked key grants nothing at once.
 */
export async function authenticate(
  deps: Pick<AppDeps, 'tokens' | 'sessions' | 'apiKeys' | 'background'>,
  credentials: Credentials,
  now: Date = new Date(),
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
    case 'apiKey':
      return authenticateApiKey(deps, credentials.secret, now);
  }
}

async function authenticateApiKey(
  deps: Pick<AppDeps, 'apiKeys' | 'background'>,
  secret: string,
  now: Date,
): Promise<Authentication> {
  const metrics = currentDiagnostics()?.metrics;
  // A mistyped, truncated or made-up secret fails its checksum: refused without reading anything.
  if (!isWellFormedApiKeySecret(secret)) {
    metrics?.apiKeyAuthentication('malformed');
    return anonymous('TOKEN_INVALID');
  }
  const found = await deps.apiKeys.presented(hashApiKeySecret(secret));
  if (!found?.user) {
    metrics?.apiKeyAuthentication('unknown');
    return anonymous('TOKEN_INVALID');
  }
  const { key } = found;
  if (!isActive(key, now)) {
    const expired = key.revokedAt === null;
    metrics?.apiKeyAuthentication(expired ? 'expired' : 'revoked');
    return anonymous(expired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
  }
  metrics?.apiKeyAuthentication('ok');
  // The last use is bookkeeping the request does not wait for, written at most once a minute per key: the
  // key read above says whether it is due, so a key in steady use adds no write to its requests.
  if (key.lastUsedAt === null || key.lastUsedAt.getTime() <= now.getTime() - LAST_USED_RESOLUTION_MS) {
    deps.background.run('api key last use', null, () => deps.apiKeys.touch(key.id, now));
  }
  const user = toUserRecord(found.user);
  return {
    viewer: { kind: 'apiKey', id: user.id, role: user.role, keyId: key.id, scopes: key.scopes },
    problem: undefined,
    user,
    expiresAt: key.expiresAt ?? undefined,
  };
}
