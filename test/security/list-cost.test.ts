import { parse, type OperationDefinitionNode } from 'graphql';
import { operationCost } from '../../src/graphql/cost';
import { buildSchema } from '../../src/schema';
import { CursorCodec, MAX_PAGE_SIZE, readPage } from '../../src/services/pagination';

const schema = buildSchema();
const codec = new CursorCodec(Buffer.alloc(32, 1));

function cost(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  return operationCost(schema, document, document.definitions[0] as OperationDefinitionNode, variables);
}

test('when a list is asked for without `first`, then it is priced at the page the service reads', () => {
  const page = readPage({}, codec, 'articles').size;
  // The connection, then one point per article, or two with its author.
  expect(cost('{ articles { nodes { id } } }')).toBe(1 + page);
  expect(cost('{ articles { nodes { id author { id } } } }')).toBe(1 + 2 * page);
  expect(cost('query ($n: Int) { articles(first: $n) { nodes { id } } }', {})).toBe(1 + page);
});

test('when `first` is over the largest page, then it is priced at the largest page the service accepts', () => {
  expect(readPage({ first: MAX_PAGE_SIZE }, codec, 'articles').size).toBe(MAX_PAGE_SIZE);
  expect(() => readPage({ first: MAX_PAGE_SIZE + 1 }, codec, 'articles')).toThrow();
  expect(cost(`{ articles(first: ${MAX_PAGE_SIZE + 1}) { nodes { id } } }`)).toBe(1 + MAX_PAGE_SIZE);
  expect(cost('query ($n: Int) { articles(first: $n) { nodes { id } } }', { n: 10_000 })).toBe(
    1 + MAX_PAGE_SIZE,
  );
});

test('when articles are searched, then the list is priced like any other page of articles', () => {
  expect(cost('{ articles(search: "dragons", first: 50) { nodes { id } } }')).toBe(1 + 50);
  expect(cost('{ articles(search: "dragons") { nodes { id author { id } } } }')).toBe(
    cost('{ articles { nodes { id author { id } } } }'),
  );
});
