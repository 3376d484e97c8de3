/**
 * Domain events: what changed in the content, read from MongoDB's change stream (src/events/changes.ts). Every
 * instance sees every write of every instance this way.
 */

/** A change stream position, as MongoDB gives it (`{ _data: <hex> }`): an event's own, or a batch's end. */
export interface ResumeToken {
  readonly _data: string;
}

/** The article an event is about, as it was when the event happened (for a deletion: just before it). */
export interface ArticleRef {
  readonly id: string;
  readonly slug: string;
  readonly authorId: string;
  readonly title: string;
  readonly tags: readonly string[];
}

export interface CommentRef {
  readonly id: string;
  readonly authorId: string;
  readonly body: string;
  readonly createdAt: Date;
}

interface EventBase {
  /** Derived from the resume token: the same event has the same id however often it is read again. */
  readonly id: string;
  /** The event's own position: a stream opened after it starts with the next event. */
  readonly token: ResumeToken;
  /** MongoDB's wall-clock time of the write. */
  readonly occurredAt: Date;
}

export type ArticleEventType = 'article.published' | 'article.updated' | 'article.deleted';
export type CommentEventType = 'comment.added' | 'comment.deleted';
export type FavoriteEventType = 'article.favorited' | 'article.unfavorited';

export type DomainEvent =
  | (EventBase & { readonly type: ArticleEventType; readonly article: ArticleRef })
  | (EventBase & {
      readonly type: CommentEventType;
      readonly article: ArticleRef;
      readonly comment: CommentRef;
    })
  | (EventBase & {
      readonly type: FavoriteEventType;
      readonly article: ArticleRef;
      /** The user who favourited or unfavourited. */
      readonly actorId: string;
    })
  | (EventBase & {
      readonly type: 'user.followed';
      /** The follower. */
      readonly actorId: string;
      readonly followeeId: string;
    });

export type DomainEventType = DomainEvent['type'];

/** What one batch of changes comes to: the domain events, and the sessions that ended (sign-out, revocation). */
export interface ChangeBatch {
  readonly events: readonly DomainEvent[];
  readonly endedSessionIds: readonly string[];
}
