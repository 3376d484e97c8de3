import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { WEBHOOK_URL_MAX_LENGTH } from '../../src/services/webhook.service';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/events';
import { UserError } from '../common/payload';
import { WebhookDelivery, WebhookEndpoint } from './webhook.type';

const URL_RULE = `An https URL with a public address (at most ${WEBHOOK_URL_MAX_LENGTH} characters); redirects are not followed.`;

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, { description: URL_RULE })
  url!: string;

  @Field(() => [WEBHOOK_EVENT_TYPES], { description: 'The event types to receive, at least one.' })
  events!: string[];

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `createWebhookEndpoint`.' })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The new endpoint; null on errors.' })
  endpoint?: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      'The signing secret, `whsec_<base64 key>`: shown this once, keep it to verify `webhook-signature`. Null on errors.',
  })
  secret?: string | null;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'Changes to a webhook endpoint; fields left out stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: URL_RULE })
  url?: string | null;

  @Field(() => [WEBHOOK_EVENT_TYPES], { nullable: true, description: 'The event types to receive.' })
  events?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false stops deliveries; true resumes them (and clears `disabledReason`).',
  })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `updateWebhookEndpoint`.' })
export class UpdateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint as changed; null on errors.' })
  endpoint?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'A webhook endpoint to delete, with its delivery log.' })
export class DeleteWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `deleteWebhookEndpoint`.' })
export class DeleteWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, {
    nullable: true,
    description: 'The endpoint as it was before it was deleted.',
  })
  endpoint?: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'A delivery to send again.' })
export class RedeliverWebhookInput {
  @Field(() => ID, { description: 'The delivery (`WebhookDelivery.id`).' })
  deliveryId!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `redeliverWebhook`.' })
export class RedeliverWebhookPayload {
  @Field(() => WebhookDelivery, {
    nullable: true,
    description: 'The delivery, due now, with the same event id; null on errors.',
  })
  delivery?: unknown;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'A webhook endpoint whose signing secret to replace.' })
export class RotateWebhookSecretInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `rotateWebhookSecret`.' })
export class RotateWebhookSecretPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null on errors.' })
  endpoint?: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      'The new signing secret, `whsec_<base64 key>`, shown this once. The old one still signs beside it for 24 hours. Null on errors.',
  })
  secret?: string | null;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
