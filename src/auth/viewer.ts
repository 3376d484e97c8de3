import type { Role } from './roles';

/** Who is calling, decided once per request at the edge. Never null: anonymous is a viewer too. */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly id: string; readonly role: Role; readonly sessionId: string };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

export type UserViewer = Extract<Viewer, { kind: 'user' }>;

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/** True when the viewer holds `role` or a higher one (admin ⊃ moderator ⊃ user). */
export function hasRole(viewer: Viewer, role: Role): boolean {
  return viewer.kind === 'user' && RANK[viewer.role] >= RANK[role];
}
