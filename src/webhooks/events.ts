import { trusted, Types } from 'mongoose';
import type { DomainEvent } from '../events';
import type { Models } from '../models';

/**
 * The events webhooks deliver, by the name they are delivered under (`type` in the body), and the GraphQL
 * enum's name for each. `article.unfavorited` is a domain event too, but no webhook delivers it.
 */
export const WEBHOOK_EVENT_TYPES = {
  ARTICLE_PUBLISHED: 'article.published',
  ARTICLE_UPDATED: 'article.updated',
  ARTICLE_DELETED: 'article.deleted',
  COMMENT_ADDED: 'comment.added',
  COMMENT_DELETED: 'comment.deleted',
  ARTICLE_FAVORITED: 'article.favorited',
  USER_FOLLOWED: 'user.followed',
} as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[keyof typeof WEBHOOK_EVENT_TYPES];

const TYPES: ReadonlySet<string> = new Set(Object.values(WEBHOOK_EVENT_TYPES));

export function isWebhookEventType(type: string): type is WebhookEventType {
  return TYPES.has(type);
}

/** The public fields of what an event is about: exactly the `data` of a delivery's body. */
export interface WebhookData {
  readonly article?: {
    readonly id: string;
    readonly slug: string;
    readonly title: string;
    readonly author: { readonly username: string | null };
  };
  readonly comment?: {
    readonly id: string;
    readonly body: string;
    readonly author: { readonly username: string | null };
  };
  readonly follower?: { readonly username: string | null };
}

/**
 * One event as webhooks see it, built from a domain event of the shared event source (toWebhookEvents).
 * A username is null only for a user who no longer exists.
 */
export interface WebhookEvent {
  /** Stable across replays of the change stream: the `webhook-id` of every delivery of it. */
  readonly id: string;
  readonly type: WebhookEventType;
  readonly occurredAt: Date;
  /**
   * The user whose content the event is about (the article's author, the user followed): their endpoints
   * receive it, and admins' endpoints receive every event.
   */
  readonly ownerId: string;
  readonly data: WebhookData;
}

/** The body of every delivery of `event`: the same bytes on every attempt. */
export function bodyOf(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
}

/** Whether a delivery's body is over WEBHOOK_MAX_PAYLOAD_BYTES: such a delivery is never sent. */
export function isTooLargeToSend(body: string, maxBytes: number): boolean {
  return Buffer.byteLength(body) > maxBytes;
}

/**
 * The webhook events of a batch of domain events, in order: the users they name read in one query.
 * `article.unfavorited` delivers nothing.
 */
export async function toWebhookEvents(
  models: Pick<Models, 'User'>,
  events: readonly DomainEvent[],
): Promise<WebhookEvent[]> {
  const userIds = new Set<string>();
  for (const event of events) {
    if (event.type === 'user.followed') userIds.add(event.actorId);
    else {
      userIds.add(event.article.authorId);
      if (event.type === 'comment.added' || event.type === 'comment.deleted')
        userIds.add(event.comment.authorId);
    }
  }
  const users =
    userIds.size === 0
      ? []
      : await models.User.find(
          { _id: trusted({ $in: [...userIds].map((id) => new Types.ObjectId(id)) }) },
          { username: 1 },
        )
          .lean()
          .comment('webhooks.usernames');
  const usernames = new Map(users.map((user) => [user._id.toHexString(), user.username]));
  const username = (id: string) => usernames.get(id) ?? null;
  const result: WebhookEvent[] = [];
  for (const event of events) {
    const base = { id: event.id, occurredAt: event.occurredAt };
    if (event.type === 'user.followed') {
      result.push({
        ...base,
        type: event.type,
        ownerId: event.followeeId,
        data: { follower: { username: username(event.actorId) } },
      });
      continue;
    }
    if (event.type === 'article.unfavorited') continue;
    const { id, slug, title, authorId } = event.article;
    const article = { id, slug, title, author: { username: username(authorId) } };
    const data =
      event.type === 'comment.added' || event.type === 'comment.deleted'
        ? {
            article,
            comment: {
              id: event.comment.id,
              body: event.comment.body,
              author: { username: username(event.comment.authorId) },
            },
          }
        : { article };
    result.push({ ...base, type: event.type, ownerId: authorId, data });
  }
  return result;
}
