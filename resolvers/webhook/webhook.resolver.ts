import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import type { Connection } from '../../src/services/records';
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from '../../src/services/webhook.service';
import { ConnectionArgs } from '../common/connection';
import { payload } from '../common/payload';
import { Viewer } from '../viewer/viewer.type';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  DeleteWebhookEndpointInput,
  DeleteWebhookEndpointPayload,
  RedeliverWebhookInput,
  RedeliverWebhookPayload,
  RotateWebhookSecretInput,
  RotateWebhookSecretPayload,
  UpdateWebhookEndpointInput,
  UpdateWebhookEndpointPayload,
} from './webhook.inputs';
import { WebhookDelivery, WebhookDeliveryConnection, WebhookEndpoint } from './webhook.type';

@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  @FieldResolver(() => WebhookDeliveryConnection, {
    description: "The endpoint's deliveries, newest first: the log of what was sent and how it went.",
  })
  deliveries(
    @Root() endpoint: WebhookEndpointRecord,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Ctx() ctx: Context,
  ): Promise<Connection<WebhookDeliveryRecord>> {
    return ctx.services.webhooks.deliveries(endpoint, page);
  }

  @Authorized()
  @Mutation(() => CreateWebhookEndpointPayload, {
    description: 'Creates a webhook endpoint for the viewer; the payload carries its signing secret, once.',
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The endpoint.' })
    input: CreateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, () => ctx.services.webhooks.create(input.url, input.events));
  }

  @Authorized()
  @Mutation(() => UpdateWebhookEndpointPayload, {
    description: "Changes one of the viewer's webhook endpoints.",
  })
  updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The changes.' })
    input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      endpoint: await ctx.services.webhooks.update(input.id, {
        url: input.url,
        events: input.events,
        enabled: input.enabled,
      }),
    }));
  }

  @Authorized()
  @Mutation(() => RotateWebhookSecretPayload, {
    description:
      "Replaces an endpoint's signing secret; deliveries carry a signature under each of the new and the old one for 24 hours.",
  })
  rotateWebhookSecret(
    @Arg('input', () => RotateWebhookSecretInput, { description: 'The endpoint.' })
    input: RotateWebhookSecretInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, () => ctx.services.webhooks.rotateSecret(input.id));
  }

  @Authorized()
  @Mutation(() => DeleteWebhookEndpointPayload, {
    description: "Deletes one of the viewer's webhook endpoints and its deliveries.",
  })
  async deleteWebhookEndpoint(
    @Arg('input', () => DeleteWebhookEndpointInput, { description: 'The endpoint.' })
    input: DeleteWebhookEndpointInput,
    @Ctx() ctx: Context,
  ) {
    return {
      endpoint: await ctx.services.webhooks.delete(input.id),
      clientMutationId: input.clientMutationId ?? null,
    };
  }

  @Authorized()
  @Mutation(() => RedeliverWebhookPayload, {
    description: 'Sends a delivery again now, with the same `webhook-id`, its retry schedule started over.',
  })
  redeliverWebhook(
    @Arg('input', () => RedeliverWebhookInput, { description: 'The delivery.' }) input: RedeliverWebhookInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, async () => ({
      delivery: await ctx.services.webhooks.redeliver(input.deliveryId),
    }));
  }
}

@Resolver(() => Viewer)
export class ViewerWebhooksResolver {
  @FieldResolver(() => [WebhookEndpoint], { description: "The viewer's webhook endpoints, newest first." })
  webhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpointRecord[]> {
    return ctx.services.webhooks.listMine();
  }
}

@Resolver(() => WebhookDeliveryConnection)
export class WebhookDeliveryConnectionResolver {
  @FieldResolver(() => [WebhookDelivery], {
    nullable: 'itemsAndList',
    description: 'The deliveries of the page.',
  })
  nodes(@Root() connection: Connection<WebhookDeliveryRecord>): WebhookDeliveryRecord[] {
    return connection.edges.map((edge) => edge.node);
  }
}
