import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { isObjectIdHex } from '../services/text';

const ISSUER = 'atrium';
const AUDIENCE = 'atrium-api';
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  /** When the token stops being accepted (its `exp`); set on verified tokens. */
  readonly expiresAt?: Date;
}

export type TokenProblem = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'SESSION_ENDED';

export type VerifiedToken = { ok: true; claims: AccessClaims } | { ok: false; problem: TokenProblem };

/**
 * Signs and checks access tokens (HS256 JWTs naming the session) and derives the other keys the service
 * needs from the one configured secret, each under its own label so that no key is used for two purposes.
 */
export class TokenService {
  private readonly accessKey: Uint8Array;
  private readonly refreshSuccessorKey: Buffer;
  readonly cursorKey: Buffer;

  constructor(
    secret: string,
    readonly accessTtlSeconds: number,
  ) {
    this.accessKey = derive(secret, 'access-token');
    this.cursorKey = derive(secret, 'cursor');
    this.refreshSuccessorKey = derive(secret, 'refresh-successor');
  }

  /**
   * The refresh token that rotating `presented` issues. A refresh token presented again within the reuse grace
   * period must get the very successor the first presentation got (two tabs refreshing at once), yet sessions
   * store refresh tokens only as hashes, so the successor cannot be read back. It is derived instead: an HMAC
   * of the presented token under a key of its own, so that the same presentation reproduces it and nothing
   * stored does. A database leak holds SHA-256 hashes of both tokens, from which neither can be computed; a
   * thief of a token needs the server key as well to compute its successor, and with that key could sign
   * access tokens anyway. A session's first token is random, so each chain is unpredictable from its start.
   * (Storing the successor encrypted would work too, but would put a recoverable token in the database.)
   */
  successorRefreshToken(presented: string): string {
    return createHmac('sha256', this.refreshSuccessorKey).update(presented, 'utf8').digest('base64url');
  }

  async signAccessToken(claims: AccessClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + this.accessTtlSeconds) * 1000);
    const token = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.accessKey);
    return { token, expiresAt };
  }

  async verifyAccessToken(token: string): Promise<VerifiedToken> {
    try {
      // Only HS256 is accepted: `alg: none` and any other algorithm are refused before the signature check.
      const { payload } = await jwtVerify(token, this.accessKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, sid, exp } = payload;
      if (typeof sub !== 'string' || !isObjectIdHex(sub) || typeof sid !== 'string' || !isObjectIdHex(sid)) {
        return { ok: false, problem: 'TOKEN_INVALID' };
      }
      return { ok: true, claims: { userId: sub, sessionId: sid, expiresAt: new Date(exp! * 1000) } };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, problem: 'TOKEN_EXPIRED' };
      return { ok: false, problem: 'TOKEN_INVALID' };
    }
  }
}

function derive(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'atrium', label, 32));
}

/** A fresh secret token (a refresh token, a reset link's): 256 random bits, base64url, 43 characters. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What `newSecretToken` makes: anything else is no token, and needs no database read to say so. */
export const SECRET_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Secret tokens are stored only as this hash: a database leak does not hand out what they open. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** A fresh refresh token. */
export function newRefreshToken(): string {
  return newSecretToken();
}

/** Refresh tokens are stored only as this hash: a database leak does not hand out sessions. */
export function hashRefreshToken(token: string): string {
  return hashSecretToken(token);
}

export function hmac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}
