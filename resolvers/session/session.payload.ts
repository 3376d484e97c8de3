import type { SessionTokens } from '../../src/services/records';
import type { ViewerRecord } from '../viewer/viewer.type';

/** The fields every session-issuing payload shares. */
export function sessionPayload(tokens: SessionTokens) {
  const viewer: ViewerRecord = { userId: tokens.user.id, role: tokens.user.role };
  return {
    user: tokens.user,
    token: tokens.token,
    refreshToken: tokens.refreshToken,
    tokenExpiresAt: tokens.tokenExpiresAt,
    viewer,
  };
}
