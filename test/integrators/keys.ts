import type { TestApp } from '../support/harness';

export const CREATE_API_KEY = `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    apiKey { id name prefix scopes createdAt expiresAt lastUsedAt revokedAt }
    secret
    errors { message path }
    clientMutationId
  }
}`;

export const REVOKE_API_KEY = `mutation RevokeApiKey($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { apiKey { id revokedAt } clientMutationId }
}`;

export const API_KEYS =
  '{ viewer { apiKeys { id name prefix scopes createdAt expiresAt lastUsedAt revokedAt } } }';

export interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
}

/** Creates an API key through the API, as the signed-in `token`'s user; fails the test when it cannot. */
export async function createKey(
  app: TestApp,
  token: string,
  scopes: string[],
  extra: { name?: string; expiresInDays?: number | null } = {},
): Promise<CreatedKey> {
  const result = await app.execute(CREATE_API_KEY, {
    as: token,
    variables: { input: { name: extra.name ?? 'integration', scopes, expiresInDays: extra.expiresInDays } },
  });
  const payload = result.data?.createApiKey;
  if (!payload?.secret) throw new Error(`createApiKey failed: ${JSON.stringify(result.errors ?? payload)}`);
  return { id: payload.apiKey.id, secret: payload.secret, prefix: payload.apiKey.prefix };
}

/** The Authorization header an integration sends. */
export const bearer = (secret: string): string => `Bearer ${secret}`;
