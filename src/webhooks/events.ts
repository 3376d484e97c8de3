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
    readonly author: { readonly username: string };
  };
  readonly comment?: { readonly id: string; readonly body: string; readonly author: { readonly username: string } };
  readonly follower?: { readonly username: string };
}

/** One event as webhooks see it, built from a domain event of the shared event source. */
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
