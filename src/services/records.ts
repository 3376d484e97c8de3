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
  /** Private like the email (UserService.visibleEmailVerified). */
  readonly emailVerified: boolean;
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
  /** Absent on users stored before verification existed. */
  emailVerified?: boolean | null;
  bio?: string | null;
  image?: string | null;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a user record is made of: what any query that reads users for the API asks for. */
export const USER_RECORD_FIELDS = {
  _id: 1,
  username: 1,
  email: 1,
  emailVerified: 1,
  bio: 1,
  image: 1,
  role: 1,
  createdAt: 1,
  updatedAt: 1,
} as const satisfies Record<keyof UserDocLike, 1>;

/** USER_RECORD_FIELDS of a user joined in as `user` by a `$lookup`: the password hash stays out. */
export const JOINED_USER_FIELDS = Object.fromEntries(
  Object.keys(USER_RECORD_FIELDS).map((field) => [`user.${field}`, 1]),
) as Record<`user.${keyof UserDocLike}`, 1>;

export function toUserRecord(doc: UserDocLike): UserRecord {
  return {
    id: doc._id.toHexString(),
    username: doc.username,
    email: doc.email,
    emailVerified: doc.emailVerified ?? false,
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

export interface ArticleRecord {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  /**
   * Absent when the record was read for a list that does not show it (ARTICLE_SUMMARY_FIELDS); such a
   * record is never kept in a loader another field could read it from.
   */
  readonly body?: string | undefined;
  readonly tagList: readonly string[];
  readonly authorId: string;
  readonly favoritesCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ArticleDocLike {
  _id: { toHexString(): string };
  slug: string;
  title: string;
  description: string;
  body?: string;
  tagList: string[];
  authorId: { toHexString(): string };
  favoritesCount?: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What an article in a list that does not show its text is read as: every field of a record but `body`. */
export const ARTICLE_SUMMARY_FIELDS = {
  _id: 1,
  slug: 1,
  title: 1,
  description: 1,
  tagList: 1,
  authorId: 1,
  favoritesCount: 1,
  createdAt: 1,
  updatedAt: 1,
} as const satisfies Record<Exclude<keyof ArticleDocLike, 'body'>, 1>;

export function toArticleRecord(doc: ArticleDocLike): ArticleRecord {
  return {
    id: doc._id.toHexString(),
    slug: doc.slug,
    title: doc.title,
    description: doc.description,
    body: doc.body,
    tagList: doc.tagList,
    authorId: doc.authorId.toHexString(),
    favoritesCount: doc.favoritesCount ?? 0,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface CommentRecord {
  readonly id: string;
  /** Absent when read for a field that does not show it (as ArticleRecord.body). */
  readonly body?: string | undefined;
  readonly articleId: string;
  readonly authorId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface CommentDocLike {
  _id: { toHexString(): string };
  body?: string;
  articleId: { toHexString(): string };
  authorId: { toHexString(): string };
  createdAt: Date;
  updatedAt: Date;
}

export function toCommentRecord(doc: CommentDocLike): CommentRecord {
  return {
    id: doc._id.toHexString(),
    body: doc.body,
    articleId: doc.articleId.toHexString(),
    authorId: doc.authorId.toHexString(),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** One page of a list, Relay style; `totalCount` is computed only when asked for. */
export interface Connection<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: {
    readonly startCursor: string | null;
    readonly endCursor: string | null;
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
  };
  readonly totalCount: () => Promise<number>;
}
