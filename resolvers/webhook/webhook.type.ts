import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../src/services/webhook.service';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/events';
import { PageInfo } from '../common/connection';
import { ISO8601DateTime } from '../common/scalars';

const EVENT_DESCRIPTIONS: Readonly<Record<keyof typeof WEBHOOK_EVENT_TYPES, string>> = {
  ARTICLE_PUBLISHED: 'An article of yours was published (`article.published`).',
  ARTICLE_UPDATED: 'An article of yours was edited (`article.updated`).',
  ARTICLE_DELETED: 'An article of yours was deleted (`article.deleted`).',
  COMMENT_ADDED: 'Someone commented on an article of yours (`comment.added`).',
  COMMENT_DELETED: 'A comment on an article of yours was deleted (`comment.deleted`).',
  ARTICLE_FAVORITED: 'Someone favourited an article of yours (`article.favorited`).',
  USER_FOLLOWED: 'Someone followed you (`user.followed`).',
};

/** Each value stands for the type delivered in the body (`ARTICLE_PUBLISHED` is `article.published`). */
registerEnumType(WEBHOOK_EVENT_TYPES, {
  name: 'WebhookEventType',
  description:
    "What a webhook endpoint receives. A user's endpoints receive the events of their own content; an admin's, every event.",
  valuesConfig: Object.fromEntries(
    Object.entries(EVENT_DESCRIPTIONS).map(([name, description]) => [name, { description }]),
  ),
});

const STATUS_DESCRIPTIONS: Readonly<Record<DeliveryStatus, string>> = {
  PENDING: 'Not attempted yet (or redelivered).',
  SUCCEEDED: 'The endpoint answered 2xx.',
  RETRYING: 'The last attempt failed; another one is scheduled at `nextAttemptAt`.',
  FAILED:
    'Every attempt of the retry schedule failed (or the endpoint was disabled); `redeliverWebhook` tries again.',
};

export const WebhookDeliveryStatus = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, s])) as {
  readonly [S in DeliveryStatus]: S;
};
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: Object.fromEntries(
    DELIVERY_STATUSES.map((status) => [status, { description: STATUS_DESCRIPTIONS[status] }]),
  ),
});

@ObjectType({
  simpleResolvers: true,
  description:
    'A URL that receives signed POSTs of events (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).',
})
export class WebhookEndpoint {
  @Field(() => ID, { description: 'Opaque id of the endpoint.' })
  id!: string;

  @Field(() => String, { description: 'Where events are POSTed.' })
  url!: string;

  @Field(() => [WEBHOOK_EVENT_TYPES], { description: 'The event types it receives.' })
  events!: string[];

  @Field(() => Boolean, { description: 'Whether events are delivered to it.' })
  enabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why it is disabled (by its owner, or after failing for too long); null when enabled.',
  })
  disabledReason!: string | null;

  @Field(() => ISO8601DateTime, { description: 'When it was created.' })
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'One event sent (or to be sent) to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Opaque id of the delivery: give it to `redeliverWebhook`.' })
  id!: string;

  @Field(() => String, { description: 'The event id: the `webhook-id` header of every attempt.' })
  eventId!: string;

  @Field(() => WEBHOOK_EVENT_TYPES, { description: 'The event type.' })
  eventType!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Where the delivery stands.' })
  status!: DeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: "The last attempt's HTTP status; null when none came." })
  lastStatusCode!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last attempt failed, in short; null on success.',
  })
  lastError!: string | null;

  @Field(() => ISO8601DateTime, {
    nullable: true,
    description: 'When the next attempt is due; null when none is.',
  })
  nextAttemptAt!: Date | null;

  @Field(() => ISO8601DateTime, { description: 'When the event was recorded for the endpoint.' })
  createdAt!: Date;

  @Field(() => ISO8601DateTime, {
    nullable: true,
    description: 'When an attempt succeeded; null until one has.',
  })
  deliveredAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: 'A delivery in a list, with its cursor.' })
export class WebhookDeliveryEdge {
  @Field(() => String, { description: 'Opaque position of this delivery in the list.' })
  cursor!: string;

  @Field(() => WebhookDelivery, { nullable: true, description: 'The delivery.' })
  node!: unknown;
}

@ObjectType({ simpleResolvers: true, description: "A page of an endpoint's deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], {
    nullable: 'itemsAndList',
    description: 'The deliveries of the page with cursors.',
  })
  edges!: unknown[];

  @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
  pageInfo!: PageInfo;
}
