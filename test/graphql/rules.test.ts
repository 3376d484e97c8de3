import { execute, GraphQLError, Kind, parse, specifiedRules, validate } from 'graphql';
import pino from 'pino';
import { ANONYMOUS } from '../../src/auth/viewer';
import { loadConfig } from '../../src/config';
import { BadUserInputError } from '../../src/errors';
import { createGraphQLRules, type GraphQLRules } from '../../src/graphql/rules';
import { MemoryBucketStore } from '../../src/rate-limit/bucket';
import { buildSchema } from '../../src/schema';

// The rules as a transport other than Apollo's HTTP pipeline sees them: plain graphql-js calls, no Apollo.
const schema = buildSchema();
const logger = pino({ level: 'silent' });
const caller = { viewer: ANONYMOUS, clientAddress: '192.0.2.1' };

function rulesFor(env: Record<string, string>): GraphQLRules {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const policy = { maxPoints: config.rateLimitMaxPoints, restoreRate: config.rateLimitRestoreRate };
  const apiKeys = { store: new MemoryBucketStore(policy), policy };
  return createGraphQLRules({
    config,
    logger,
    limiter: { store: new MemoryBucketStore(policy), policy, apiKeys },
  });
}

const validated = (rules: GraphQLRules, query: string) =>
  validate(schema, parse(query, rules.parseOptions), [...rules.validationRules, ...specifiedRules]);

test('when a document is over a limit or asks for introspection that is off, then validation with the rules refuses it', () => {
  const rules = rulesFor({ INTROSPECTION: 'false', MAX_QUERY_DEPTH: '3' });
  expect(validated(rules, '{ viewer { user { username } } }')).toEqual([]);
  expect(validated(rules, '{ viewer { user { followers { totalCount } } } }')[0]?.message).toMatch(
    /3 are allowed/,
  );
  expect(validated(rules, '{ __schema { queryType { name } } }')[0]?.message).toMatch(/introspection/i);
  expect(validated(rulesFor({}), '{ __schema { queryType { name } } }')).toEqual([]);
  expect(() =>
    parse('{ a b c d e f g h i j }'.repeat(20), rulesFor({ MAX_QUERY_TOKENS: '100' }).parseOptions),
  ).toThrow(/token/i);
});

test('when an operation costs more than MAX_QUERY_COST or than the bucket holds, then admit refuses it and settles at nothing', async () => {
  const rules = rulesFor({ MAX_QUERY_COST: '30', RATE_LIMIT_MAX_POINTS: '30' });
  const operationOf = (query: string) => {
    const document = parse(query);
    const operation = document.definitions[0];
    if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
    return { schema, document, operation, variables: undefined };
  };
  const tooBig = await rules.admit(operationOf('{ articles(first: 50) { nodes { id } } }'), caller);
  expect(tooBig.refusal?.code).toBe('QUERY_TOO_COMPLEX');
  expect(tooBig.settle(undefined, false)).toMatchObject({ requestedQueryCost: 51, actualQueryCost: 0 });

  const page = operationOf('{ articles(first: 20) { nodes { id } } }');
  const first = await rules.admit(page, caller);
  expect(first.refusal).toBeUndefined();
  // Executed with what a full page would return: nothing is given back.
  const data = { articles: { nodes: Array.from({ length: 20 }, (_, i) => ({ id: String(i) })) } };
  expect(first.settle(data, true)).toMatchObject({ requestedQueryCost: 21, actualQueryCost: 21 });
  const second = await rules.admit(page, caller);
  expect(second.refusal?.code).toBe('RATE_LIMITED');
  expect(second.refusal?.extensions).toMatchObject({ retryAfter: expect.any(Number) });
});

test('when errors are formatted, then AppErrors show their code, request errors show as they are, and the rest is masked', async () => {
  const rules = rulesFor({ INTROSPECTION: 'false' });
  const format = (error: GraphQLError) => rules.formatError(error.toJSON(), error);

  const input = new GraphQLError('wrapped', {
    path: ['x'],
    originalError: new BadUserInputError('Too long.', 'title'),
  });
  expect(format(input)).toMatchObject({
    message: 'Too long.',
    extensions: { code: 'BAD_USER_INPUT', field: 'title' },
  });

  const invalid = validated(rules, '{ viewr { user { id } } }')[0]!;
  const shown = format(
    new GraphQLError(invalid.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  );
  expect(shown.message).toBe('Cannot query field "viewr" on type "Query".');

  const result = await execute({ schema, document: parse('{ viewer { user { id } } }'), contextValue: {} });
  const masked = format(result.errors![0]!);
  expect(masked).toMatchObject({
    message: 'Internal server error',
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
});
