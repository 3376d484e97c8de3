import {
  getNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLBoolean,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
} from 'graphql';
import { Types } from 'mongoose';
import { API_SCOPES } from '../../src/auth/api-scopes';
import { gateRootFields } from '../../src/graphql/scope-gate';
import { buildSchema } from '../../src/schema';
import { MUTATION_SCOPES, NO_API_KEY } from '../../src/services/scopes';
import { signUp, VIEWER, type SignedUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { bearer, createKey } from './keys';

/**
 * Every mutation against a key of each scope: it runs with the scope the table names, is FORBIDDEN with
 * `extensions.requiredScope` without it, and is FORBIDDEN to every key when the table says no key may call
 * it. Inputs are made from the schema, so that a mutation added later is tried here without a line of its own.
 */

const schema = buildSchema();
const mutations = Object.values(schema.getMutationType()!.getFields());

/** A value of the input type that passes GraphQL's coercion (a service may still refuse it). */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type)) value[field.name] = sample(field.type);
    }
    return value;
  }
  if (isEnumType(type)) return type.getValues()[0]!.name; // as a client sends it, whatever it stands for inside
  switch (getNamedType(type).name) {
    case 'ID':
      return new Types.ObjectId().toHexString();
    case 'Int':
      return 1;
    case 'Boolean':
      return false;
    default:
      return 'sample text';
  }
}

function documentFor(field: (typeof mutations)[number]): {
  query: string;
  variables: Record<string, unknown>;
} {
  const args = field.args;
  const definitions = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const variables = Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type)]));
  const head = args.length > 0 ? `mutation(${definitions})` : 'mutation';
  const call = args.length > 0 ? `${field.name}(${passed})` : field.name;
  return { query: `${head} { ${call} { __typename } }`, variables };
}

describe('the table', () => {
  test('when the schema is built, then every mutation has exactly one line in MUTATION_SCOPES, and no line names a missing mutation', () => {
    expect(Object.keys(MUTATION_SCOPES).sort()).toEqual(mutations.map((m) => m.name).sort());
    for (const rule of Object.values(MUTATION_SCOPES)) {
      expect([...API_SCOPES, NO_API_KEY]).toContain(rule);
    }
  });

  test('when a mutation has no line in the table, then the schema does not build, naming it', () => {
    const unruled = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean } } }),
      mutation: new GraphQLObjectType({
        name: 'Mutation',
        fields: {
          createArticle: { type: GraphQLBoolean },
          publishEverything: { type: GraphQLBoolean },
        },
      }),
    });
    expect(() => gateRootFields(unruled)).toThrow(/publishEverything/);
  });

  test('when the contract names a mutation’s scope, then the table says the same', () => {
    expect(MUTATION_SCOPES).toMatchObject({
      createArticle: 'ARTICLES_WRITE',
      updateArticle: 'ARTICLES_WRITE',
      deleteArticle: 'ARTICLES_WRITE',
      addComment: 'COMMENTS_WRITE',
      deleteComment: 'COMMENTS_WRITE',
      favoriteArticle: 'SOCIAL_WRITE',
      unfavoriteArticle: 'SOCIAL_WRITE',
      followUser: 'SOCIAL_WRITE',
      unfollowUser: 'SOCIAL_WRITE',
      updateUser: NO_API_KEY,
      signOut: NO_API_KEY,
      refreshSession: NO_API_KEY,
      signInUser: NO_API_KEY,
      createApiKey: NO_API_KEY,
      revokeApiKey: NO_API_KEY,
      resetPassword: NO_API_KEY,
      requestPasswordReset: NO_API_KEY,
    });
  });
});

describe('each scope against each mutation', () => {
  let app: TestApp;
  let owner: SignedUp;
  const secrets = new Map<string, string>();
  beforeAll(async () => {
    app = await createTestApp();
    owner = await signUp(app);
    for (const scope of API_SCOPES) secrets.set(scope, (await createKey(app, owner.token, [scope])).secret);
  });
  afterAll(async () => {
    await app.close();
  });

  const cases = mutations.flatMap((field) => API_SCOPES.map((scope) => [field.name, scope] as const));

  test.each(cases)('%s with a key holding only %s', async (name, scope) => {
    const field = mutations.find((m) => m.name === name)!;
    const { query, variables } = documentFor(field);
    const result = await app.execute(query, { header: bearer(secrets.get(scope)!), variables });
    const rule = MUTATION_SCOPES[name];
    const scopeRefusal = result.errors?.find(
      (e) => e.extensions?.['code'] === 'FORBIDDEN' && e.path?.[0] === name,
    );
    if (rule === NO_API_KEY) {
      expect(scopeRefusal?.message).toMatch(/API keys cannot/);
      expect(scopeRefusal?.extensions?.['requiredScope']).toBeUndefined();
    } else if (rule === scope) {
      // The key passes the gate; what the mutation itself says of the sample input is its own business.
      expect(result.errors?.some((e) => e.extensions?.['requiredScope'] !== undefined) ?? false).toBe(false);
      expect(result.errors?.every((e) => !/API keys cannot/.test(e.message)) ?? true).toBe(true);
    } else {
      expect(scopeRefusal?.extensions?.['requiredScope']).toBe(rule);
      expect(result.data).toBeNull();
    }
  });

  test('when a key lacks READ, then queries are FORBIDDEN naming READ; with READ they run as the owner', async () => {
    const without = await app.execute(VIEWER, { header: bearer(secrets.get('ARTICLES_WRITE')!) });
    expect(without.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'READ' });
    const tags = await app.execute('{ tags }', { header: bearer(secrets.get('SOCIAL_WRITE')!) });
    expect(tags.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'READ' });
    const withRead = await app.execute(VIEWER, { header: bearer(secrets.get('READ')!) });
    expect(withRead.data?.viewer.user.id).toBe(owner.id);
  });

  test('when a key is refused a mutation, then nothing is written', async () => {
    const before = await app.deps.models.Article.countDocuments({});
    const result = await app.execute(
      `mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } } }`,
      {
        header: bearer(secrets.get('COMMENTS_WRITE')!),
        variables: { input: { title: 'No', description: 'no', body: 'no', tagList: [] } },
      },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredScope: 'ARTICLES_WRITE',
    });
    expect(await app.deps.models.Article.countDocuments({})).toBe(before);
  });

  test('when a signed-in session calls a mutation, then the table does not apply', async () => {
    const result = await app.execute(
      `mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } errors { path } } }`,
      {
        as: owner.token,
        variables: { input: { title: 'Yes', description: 'yes', body: 'yes', tagList: [] } },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.createArticle.article.id).toEqual(expect.any(String));
  });
});
