import type { Role } from '../auth/roles';

/**
 * The plain shapes services hand to the GraphQL layer: string ids, no ObjectId, no mongoose document, and
 * never a password hash. Persistence shapes are not API shapes.
 */

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  /** Private: the GraphQL layer shows it only through UserService.visibleEmail. */
  readonly email: string;
  readonly bio: string | null;
  readonly image: string | null;
  readonly role: Role;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface UserDocLike {
  _id: { toHexString(): string };
  username: string;
  email: string;
  bio?: string | null;
  image?: string | null;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserRecord(doc: UserDocLike): UserRecord {
  return {
    id: doc._id.toHexString(),
    username: doc.username,
    email: doc.email,
    bio: doc.bio ?? null,
    image: doc.image ?? null,
    role: doc.role,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface SessionTokens {
  readonly token: string;
  readonly refreshToken: string;
  readonly tokenExpiresAt: Date;
  readonly user: UserRecord;
}
