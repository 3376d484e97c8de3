import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { API_SCOPES, type ApiScope as ApiScopeName } from '../../src/auth/api-scopes';
import { ISO8601DateTime } from '../common/scalars';

/** What each scope grants, as the schema tells it; a scope added to API_SCOPES does not compile until described. */
const SCOPE_DESCRIPTIONS: Readonly<Record<ApiScopeName, string>> = {
  READ: 'Every query and subscription, as the key’s owner sees them.',
  ARTICLES_WRITE: '`createArticle`, `updateArticle` and `deleteArticle`.',
  COMMENTS_WRITE: '`addComment` and `deleteComment`.',
  SOCIAL_WRITE: '`favoriteArticle`, `unfavoriteArticle`, `followUser` and `unfollowUser`.',
  WEBHOOKS_MANAGE: 'The webhook endpoint mutations.',
};

/** The GraphQL enum of the scopes, built from API_SCOPES: each value is named and valued as stored. */
export const ApiScope = Object.fromEntries(API_SCOPES.map((scope) => [scope, scope])) as {
  readonly [S in ApiScopeName]: S;
};
registerEnumType(ApiScope, {
  name: 'ApiScope',
  description:
    'What an API key may do as its owner. A mutation outside its scopes is `FORBIDDEN` with `extensions.requiredScope`; a key never manages keys, signs in or changes the account.',
  valuesConfig: Object.fromEntries(
    API_SCOPES.map((scope) => [scope, { description: SCOPE_DESCRIPTIONS[scope] }]),
  ),
});

@ObjectType({
  simpleResolvers: true,
  description:
    'An API key of the viewer: an integration calling as them with `Authorization: Bearer atr_…`, within its scopes. The secret is shown only by `createApiKey`.',
})
export class ApiKey {
  @Field(() => ID, { description: 'Opaque id of the key, for `revokeApiKey`.' })
  id!: string;

  @Field(() => String, { description: 'What the owner called it.' })
  name!: string;

  @Field(() => String, {
    description: 'The start of the secret (`atr_` and 8 characters), to tell keys apart; not secret.',
  })
  prefix!: string;

  @Field(() => [ApiScope], { description: 'What the key may do.' })
  scopes!: ApiScopeName[];

  @Field(() => ISO8601DateTime, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => ISO8601DateTime, { nullable: true, description: 'When it stops working; null: never.' })
  expiresAt!: Date | null;

  @Field(() => ISO8601DateTime, {
    nullable: true,
    description: 'When it was last used, to the minute; null until its first use.',
  })
  lastUsedAt!: Date | null;

  @Field(() => ISO8601DateTime, {
    nullable: true,
    description: 'When it was revoked; null while it is not. A revoked key grants nothing.',
  })
  revokedAt!: Date | null;
}
