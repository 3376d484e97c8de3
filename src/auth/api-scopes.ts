/**
 * What an API key may do beyond reading, by scope. A key holds a set of these; the rules that say which
 * operation needs which scope live in src/services/scopes.ts.
 */
export const API_SCOPES = [
  'READ',
  'ARTICLES_WRITE',
  'COMMENTS_WRITE',
  'SOCIAL_WRITE',
  'WEBHOOKS_MANAGE',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export function isApiScope(value: unknown): value is ApiScope {
  return typeof value === 'string' && (API_SCOPES as readonly string[]).includes(value);
}
