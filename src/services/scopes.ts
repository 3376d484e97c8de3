import type { ApiScope } from '../auth/api-scopes';
import { apiKeyOf, type Viewer } from '../auth/viewer';
import { ForbiddenError } from '../errors';

/**
 * What an API key may call, in one table beside the permission rules (permissions.ts). It narrows what the
 * key's owner may do; it never widens it: the owner's permissions still apply inside every service.
 *
 * `READ` covers every query and subscription field. Each mutation names the scope a key needs for it, or
 * `NO_API_KEY` for what a key never does: manage keys, sign in or up, or change the account. Every mutation of
 * the schema must have a line here: the schema does not build without one (src/graphql/scope-gate.ts), so a
 * new mutation cannot be reachable by keys by accident.
 */
export const NO_API_KEY = 'NO_API_KEY';
export type MutationRule = ApiScope | typeof NO_API_KEY;

export const MUTATION_SCOPES: Readonly<Record<string, MutationRule>> = {
  createArticle: 'ARTICLES_WRITE',
  updateArticle: 'ARTICLES_WRITE',
  deleteArticle: 'ARTICLES_WRITE',
  addComment: 'COMMENTS_WRITE',
  deleteComment: 'COMMENTS_WRITE',
  favoriteArticle: 'SOCIAL_WRITE',
  unfavoriteArticle: 'SOCIAL_WRITE',
  followUser: 'SOCIAL_WRITE',
  unfollowUser: 'SOCIAL_WRITE',
  createWebhookEndpoint: 'WEBHOOKS_MANAGE',
  updateWebhookEndpoint: 'WEBHOOKS_MANAGE',
  deleteWebhookEndpoint: 'WEBHOOKS_MANAGE',
  rotateWebhookSecret: 'WEBHOOKS_MANAGE',
  redeliverWebhook: 'WEBHOOKS_MANAGE',
  createUser: NO_API_KEY,
  signInUser: NO_API_KEY,
  refreshSession: NO_API_KEY,
  signOut: NO_API_KEY,
  updateUser: NO_API_KEY,
  requestPasswordReset: NO_API_KEY,
  resetPassword: NO_API_KEY,
  requestEmailVerification: NO_API_KEY,
  verifyEmail: NO_API_KEY,
  createApiKey: NO_API_KEY,
  revokeApiKey: NO_API_KEY,
};

/** The root operation types whose fields the table governs. */
export type RootOperation = 'query' | 'mutation' | 'subscription';

/** What a key needs to call a root field: `READ` for queries and subscriptions, the table for mutations. */
export function ruleFor(operation: RootOperation, field: string): MutationRule | undefined {
  return operation === 'mutation' ? MUTATION_SCOPES[field] : 'READ';
}

/** A key without the scope an operation needs. */
export class MissingScopeError extends ForbiddenError {
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(readonly requiredScope: ApiScope) {
    super(`This API key lacks the ${requiredScope} scope this operation needs.`);
    this.extensions = { requiredScope };
  }
}

/**
 * Refuses a root field the viewer's credential may not call: with an API key, one without the field's scope
 * (FORBIDDEN with `extensions.requiredScope`) or one no key may call (FORBIDDEN). Anyone else passes: sessions
 * are limited by the permission rules alone.
 */
export function checkScope(viewer: Viewer, operation: RootOperation, field: string): void {
  const key = apiKeyOf(viewer);
  if (!key) return;
  const rule = ruleFor(operation, field);
  // The schema refuses to build with a mutation missing from the table; refuse rather than guess anyway.
  if (rule === undefined || rule === NO_API_KEY) {
    throw new ForbiddenError(
      'API keys cannot manage keys, sign in or change the account; sign in to the account instead.',
    );
  }
  if (!key.scopes.includes(rule)) throw new MissingScopeError(rule);
}
