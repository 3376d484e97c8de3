import {
  buildSchema,
  execute as interpret,
  GraphQLError,
  GraphQLScalarType,
  parse,
  type GraphQLObjectType,
} from 'graphql';
import { compiledExecutor } from '../../src/graphql/jit-gateway';

/**
 * The compiled executor (GRAPHQL_JIT=true) must answer what graphql-js's interpreter answers, for any values:
 * checked here over many generated results, and for errors, which it hands to Apollo as graphql-js errors.
 */

const schema = buildSchema(`
  enum Mood { HAPPY SAD }
  scalar Stamp
  type Item { id: ID! name: String email: String age: Int score: Float active: Boolean! mood: Mood
              tags: [String!]! children: [Item!] stamp: Stamp }
  type Query { items: [Item!]! item: Item count: Int! }
`);
const stamp = schema.getType('Stamp') as GraphQLScalarType;
stamp.serialize = (value) => new Date(value as number).toISOString();
const query = schema.getQueryType()!.getFields();
type Data = { items: Item[] };
interface Item {
  id: string;
  name: string | null;
  email: string | null;
  age: number | null;
  score: number | null;
  active: boolean;
  mood: string | null;
  tags: string[];
  children: Item[] | null;
  stamp: number;
}
query['items']!.resolve = (_root, _args, data: Data) => data.items;
query['item']!.resolve = (_root, _args, data: Data) => data.items[0] ?? null;
query['count']!.resolve = (_root, _args, data: Data) => data.items.length;
const itemFields = (schema.getType('Item') as GraphQLObjectType).getFields();
itemFields['children']!.resolve = (item: Item) => item.children;

/** Deterministic values, the awkward ones included: quotes, escapes, control characters, lone surrogates. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pieces = [
    'plain',
    'a "quote"',
    'back\\slash',
    'new\nline',
    'tab\t',
    '\u0000\u001f',
    'é',
    '日本',
    '😀',
    '\ud800',
    '\udc00x',
    '</script>',
    '\u2028\u2029',
    '',
  ];
  const string = () =>
    Array.from({ length: Math.floor(next() * 4) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
  const maybe = <T>(value: () => T): T | null => (next() < 0.2 ? null : value());
  const item = (depth: number): Item => ({
    id: String(Math.floor(next() * 1e9)),
    name: maybe(string),
    email: maybe(string),
    age: maybe(() => Math.floor((next() - 0.5) * 2 ** 31)),
    score: maybe(() => [0, -0, 1e21, 1.5e-7, (next() - 0.5) * 1e6, 123.456][Math.floor(next() * 6)]!),
    active: next() < 0.5,
    mood: maybe(() => (next() < 0.5 ? 'HAPPY' : 'SAD')),
    tags: Array.from({ length: Math.floor(next() * 3) }, string),
    children:
      depth > 0 && next() < 0.5
        ? Array.from({ length: Math.floor(next() * 3) }, () => item(depth - 1))
        : null,
    stamp: Math.floor(next() * 2e12),
  });
  return { items: Array.from({ length: Math.floor(next() * 8) }, () => item(2)) };
}

const FIELDS = 'id name email age score active mood tags __typename';
const OPERATIONS = [
  `{ items { ${FIELDS} } }`,
  `{ count items { ${FIELDS} children { ${FIELDS} children { id name } } } }`,
  `{ first: item { id n: name } items { id ... on Item { age score } ...F } } fragment F on Item { email tags }`,
  `query($yes: Boolean!) { items { id name @include(if: $yes) email @skip(if: $yes) } }`,
];

test('when compiled operations answer many requests, then each result is the one graphql-js gives', async () => {
  const execute = compiledExecutor(schema);
  const documents = OPERATIONS.map((source) => parse(source));
  for (let seed = 1; seed <= 300; seed += 1) {
    const data = random(seed);
    for (const document of documents) {
      const variableValues = { yes: seed % 2 === 0 };
      const compiled = await execute(document, undefined, data, variableValues);
      const interpreted = await interpret({ schema, document, contextValue: data, variableValues });
      expect(compiled.errors).toBeUndefined();
      // The same data, and the same bytes once written: key order, -0, and every string as it was.
      expect(JSON.stringify(compiled)).toBe(JSON.stringify(interpreted));
    }
  }
});

test('when a custom scalar is selected, then it is serialized as graphql-js does', async () => {
  const execute = compiledExecutor(schema);
  const document = parse('{ items { id stamp } }');
  const compiled = await execute(document, undefined, random(7), {});
  const interpreted = await interpret({ schema, document, contextValue: random(7) });
  expect(JSON.stringify(compiled)).toBe(JSON.stringify(interpreted));
});

test('when a resolver throws, then the error is a graphql-js error with its message, path and place', async () => {
  const execute = compiledExecutor(schema);
  const broken = schema.getQueryType()!.getFields()['count']!;
  const document = parse('{ count items { id } }');
  const resolve = broken.resolve;
  broken.resolve = () => {
    throw new Error('no count');
  };
  try {
    const result = await execute(document, undefined, random(3), {});
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error!.extensions).toEqual({});
    expect({ message: error!.message, path: error!.path, locations: error!.locations }).toEqual({
      message: 'no count',
      path: ['count'],
      locations: [{ line: 1, column: 3 }],
    });
    expect(error!.originalError?.message).toBe('no count');
  } finally {
    broken.resolve = resolve;
  }
});
