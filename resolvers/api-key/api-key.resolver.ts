import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../src/context';
import {
  API_KEY_KEPT_AFTER_END_DAYS,
  API_KEYS_LISTED,
  type ApiKeyRecord,
} from '../../src/services/api-key-store';
import { count } from '../common/describe';
import { payload } from '../common/payload';
import { Viewer, type ViewerRecord } from '../viewer/viewer.type';
import {
  CreateApiKeyInput,
  CreateApiKeyPayload,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
} from './api-key.inputs';
import { ApiKey } from './api-key.type';

@Resolver(() => Viewer)
export class ApiKeyResolver {
  @FieldResolver(() => [ApiKey], {
    description: `The viewer’s API keys, newest first, at most ${count(API_KEYS_LISTED)}; revoked and expired ones stay listed for ${API_KEY_KEPT_AFTER_END_DAYS} days. Needs a signed-in session: with an API key it is \`FORBIDDEN\`.`,
  })
  apiKeys(@Root() _viewer: ViewerRecord, @Ctx() ctx: Context): Promise<ApiKeyRecord[]> {
    return ctx.services.apiKeys.list();
  }

  @Authorized()
  @Mutation(() => CreateApiKeyPayload, {
    description:
      'Creates an API key for an integration and returns its secret, once. Needs a signed-in session, not a key; the number of active keys per user is limited (API_KEYS_MAX_ACTIVE_PER_USER).',
  })
  createApiKey(
    @Arg('input', () => CreateApiKeyInput, { description: 'The new key.' }) input: CreateApiKeyInput,
    @Ctx() ctx: Context,
  ) {
    return payload(input.clientMutationId, () =>
      ctx.services.apiKeys.create({
        name: input.name,
        scopes: input.scopes,
        expiresInDays: input.expiresInDays ?? null,
      }),
    );
  }

  @Authorized()
  @Mutation(() => RevokeApiKeyPayload, {
    description:
      'Revokes one of the viewer’s API keys: from then on it grants nothing, on every instance. Needs a signed-in session, not a key.',
  })
  async revokeApiKey(
    @Arg('input', () => RevokeApiKeyInput, { description: 'The key to revoke.' }) input: RevokeApiKeyInput,
    @Ctx() ctx: Context,
  ) {
    const apiKey = await ctx.services.apiKeys.revoke(input.id);
    return { apiKey, clientMutationId: input.clientMutationId ?? null };
  }
}
