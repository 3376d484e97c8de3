import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ApiScope as ApiScopeName } from '../../src/auth/api-scopes';
import { API_KEY_MAX_EXPIRES_IN_DAYS, API_KEY_NAME_MAX_LENGTH } from '../../src/services/api-key.service';
import { count } from '../common/describe';
import { UserError } from '../common/payload';
import { ApiKey, ApiScope } from './api-key.type';

@InputType({ description: 'A new API key.' })
export class CreateApiKeyInput {
  @Field(() => String, {
    description: `What to call it (the integration's name), 1 to ${count(API_KEY_NAME_MAX_LENGTH)} characters.`,
  })
  name!: string;

  @Field(() => [ApiScope], { description: 'What it may do; at least one scope.' })
  scopes!: ApiScopeName[];

  @Field(() => Int, {
    nullable: true,
    description: `Days until it stops working, 1 to ${count(API_KEY_MAX_EXPIRES_IN_DAYS)}; null: it works until revoked.`,
  })
  expiresInDays?: number | null;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `createApiKey`.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { nullable: true, description: 'The new key; null on errors.' })
  apiKey?: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      'The secret, for `Authorization: Bearer <secret>`: shown this once and stored only as a hash. Keep it secret.',
  })
  secret?: string;

  @Field(() => [UserError], { description: 'Expected mistakes in the input; empty on success.' })
  errors!: UserError[];

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}

@InputType({ description: 'An API key to revoke.' })
export class RevokeApiKeyInput {
  @Field(() => ID, { description: 'The key.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Echoed in the payload.' })
  clientMutationId?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of `revokeApiKey`.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { nullable: true, description: 'The key, revoked.' })
  apiKey?: unknown;

  @Field(() => String, { nullable: true, description: "The input's `clientMutationId`." })
  clientMutationId?: string | null;
}
