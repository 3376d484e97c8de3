import { ForbiddenError, UnauthenticatedError } from '../errors';
import type { ApiScope } from './api-scopes';
import type { Role } from './roles';

/**
 * Who is calling, decided once per request at the edge by `authenticate`. Never null: anonymous is a viewer
 * too. Each kind names the credential it came from (`user`: an access token of a session; `apiKey`: an API
 * key, acting as its owner `id`, with the owner's role, within its `scopes`). Rules ask the functions below
 * rather than test `kind`, and each of them switches over every kind, so a new kind of credential is a
 * compile error in exactly the places that must decide what it may do.
 */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly id: string; readonly role: Role; readonly sessionId: string }
  | {
      readonly kind: 'apiKey';
      readonly id: string;
      readonly role: Role;
      readonly keyId: string;
      readonly scopes: readonly ApiScope[];
    };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

export type UserViewer = Extract<Viewer, { kind: 'user' }>;

/** The user a request acts as. */
export interface Actor {
  readonly id: string;
  readonly role: Role;
}

/** The user the viewer acts as, whatever its credential; null when anonymous. */
export function actorOf(viewer: Viewer): Actor | null {
  switch (viewer.kind) {
    case 'anonymous':
      return null;
    case 'user':
    case 'apiKey':
      return { id: viewer.id, role: viewer.role };
  }
}

/** "Must be signed in", in one place: the acting user, or UNAUTHENTICATED. */
export function requireActor(viewer: Viewer): Actor {
  const actor = actorOf(viewer);
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

/**
 * The session the viewer's credential belongs to: signing out and changing the password act on it. Null for
 * credentials that are not a session's.
 */
export function sessionIdOf(viewer: Viewer): string | null {
  switch (viewer.kind) {
    case 'anonymous':
      return null;
    case 'user':
      return viewer.sessionId;
    case 'apiKey':
      return null;
  }
}

/** The API key a request authenticated with, and what it may do; null for every other credential. */
export function apiKeyOf(
  viewer: Viewer,
): { readonly keyId: string; readonly scopes: readonly ApiScope[] } | null {
  switch (viewer.kind) {
    case 'anonymous':
    case 'user':
      return null;
    case 'apiKey':
      return { keyId: viewer.keyId, scopes: viewer.scopes };
  }
}

/**
 * "Must be signed in with a session", for what only the account holder in person may do (manage API keys):
 * the user, UNAUTHENTICATED when anonymous, FORBIDDEN with an API key.
 */
export function requireSession(viewer: Viewer): Actor {
  switch (viewer.kind) {
    case 'anonymous':
      throw new UnauthenticatedError();
    case 'user':
      return { id: viewer.id, role: viewer.role };
    case 'apiKey':
      throw new ForbiddenError('API keys cannot do this; sign in to the account instead.');
  }
}

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/** True when the viewer acts as a user holding `role` or a higher one (admin ⊃ moderator ⊃ user). */
export function hasRole(viewer: Viewer, role: Role): boolean {
  const actor = actorOf(viewer);
  return actor !== null && RANK[actor.role] >= RANK[role];
}

/**
 * Whether the viewer may send documents that are not trusted when TRUSTED_DOCUMENTS_MODE=enforce: admins
 * (the GraphQL explorer, support work) and API keys (integrations written against the schema).
 */
export function mayRunArbitraryDocuments(viewer: Viewer): boolean {
  switch (viewer.kind) {
    case 'anonymous':
      return false;
    case 'user':
      return viewer.role === 'admin';
    case 'apiKey':
      return true;
  }
}

/**
 * A key naming what a viewer's results depend on: two viewers with the same key are given the same result for
 * the same operation (every anonymous caller alike; a user's sessions alike, by user and role; an API key's
 * owner and role within its scopes). Subscriptions share one execution per event among the equivalent.
 */
export function viewerEquivalenceOf(viewer: Viewer): string {
  switch (viewer.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return `user:${viewer.id}:${viewer.role}`;
    case 'apiKey':
      return `apiKey:${viewer.id}:${viewer.role}:${[...viewer.scopes].sort().join(',')}`;
  }
}
