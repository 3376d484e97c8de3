import { resultCost } from '../../src/graphql/cost';

const page = (size: number) => ({
  articles: { nodes: Array.from({ length: size }, (_, i) => ({ id: String(i), author: { username: 'u' } })) },
});

test('when a result is within its estimate, then every object in it is counted', () => {
  // The connection, then an article and its author per item.
  expect(resultCost(page(3), undefined)).toBe(1 + 3 * 2);
  expect(resultCost(page(3), undefined, 100)).toBe(7);
  expect(resultCost(null, undefined)).toBe(1);
});

test('when a result holds more than its estimate, then the count stops at the estimate without walking the rest', () => {
  let read = 0;
  const nodes = Array.from({ length: 1000 }, () => ({
    get id() {
      read += 1;
      return 'x';
    },
  }));
  expect(resultCost({ articles: { nodes } }, undefined, 10)).toBe(10);
  expect(read).toBeLessThan(10);
  expect(resultCost({ articles: { nodes } }, undefined)).toBe(1001);
});
