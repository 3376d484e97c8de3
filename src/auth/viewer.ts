import { UnauthenticatedError } from '../errors';
import type { Role } from './roles';

/**
 * Who is calling, decided once per request at the edge by `authenticate`. Never null: anonymous is a viewer
 * too. Each kind names the credential it came from (`user`: an access token of a session). Rules ask the
 * functions below rather than test `kind`, and each of them switches over every kind, so a new kind of
 * credential is a compile error in exactly the places that must decide what it may do.
 */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly id: string; readonly role: Role; readonly sessionId: string };

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
      return viewer;
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
    // API keys: `case 'apiKey': return true;` once the kind exists.
  }
}
