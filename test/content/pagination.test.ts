import { createTestApp, type Executed, type TestApp } from '../support/harness';
import { codes, follow, publish } from '../support/content';
import { signUp, type SignedUp } from '../support/fixtures';

let app: TestApp;
let author: SignedUp;
let slugs: string[]; // newest first
const TOTAL = 7;

beforeAll(async () => {
  app = await createTestApp();
  author = await signUp(app);
  slugs = [];
  for (let i = 0; i < TOTAL; i += 1) slugs.unshift((await publish(app, author)).slug);
});
afterAll(async () => {
  await app.close();
});

const PAGE = `query($author: String, $first: Int, $after: String, $last: Int, $before: String) {
  articles(author: $author, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { slug } }
    nodes { slug }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    totalCount
  }
}`;

async function page(args: Record<string, unknown>) {
  const result = await app.execute(PAGE, { variables: { author: author.username, ...args } });
  return result;
}
const slugsOf = (conn: { nodes: { slug: string }[] }) => conn.nodes.map((n) => n.slug);

test('when paging forwards, then every article comes once, newest first, and the last page says so', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const result: Executed = await page({ first: 3, after });
    const conn = result.data.articles;
    expect(conn.totalCount).toBe(TOTAL);
    expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
    seen.push(...slugsOf(conn));
    pages += 1;
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  expect(pages).toBe(3);
  expect(seen).toEqual(slugs);
});

test('when paging backwards from the end, then pages come in order and the first page says so', async () => {
  const seen: string[] = [];
  let before: string | null = null;
  for (;;) {
    const result: Executed = await page({ last: 3, before });
    const conn = result.data.articles;
    seen.unshift(...slugsOf(conn));
    if (!conn.pageInfo.hasPreviousPage) break;
    before = conn.pageInfo.startCursor;
  }
  expect(seen).toEqual(slugs);
});

test('when a page is exactly the rest of the list, then hasNextPage is false', async () => {
  const first = await page({ first: 4 });
  const rest = await page({ first: 3, after: first.data.articles.pageInfo.endCursor });
  expect(slugsOf(rest.data.articles)).toEqual(slugs.slice(4));
  expect(rest.data.articles.pageInfo.hasNextPage).toBe(false);
  const exact = await page({ first: TOTAL });
  expect(exact.data.articles.pageInfo.hasNextPage).toBe(false);
});

test('when the list is empty, then there are no edges and no cursors', async () => {
  const loner = await signUp(app);
  const result = await app.execute(PAGE, { variables: { author: loner.username } });
  expect(result.data.articles).toEqual({
    edges: [],
    nodes: [],
    pageInfo: { startCursor: null, endCursor: null, hasNextPage: false, hasPreviousPage: false },
    totalCount: 0,
  });
});

test('when first and last are omitted, then 20 come; when first is 0, then none', async () => {
  const many = await signUp(app);
  for (let i = 0; i < 22; i += 1) await publish(app, many);
  const result = await app.execute(PAGE, { variables: { author: many.username } });
  expect(result.data.articles.nodes).toHaveLength(20);
  expect(result.data.articles.pageInfo.hasNextPage).toBe(true);
  const none = await app.execute(PAGE, { variables: { author: many.username, first: 0 } });
  expect(none.data.articles.nodes).toEqual([]);
  expect(none.data.articles.pageInfo.hasNextPage).toBe(true);
});

test('when articles arrive while paging, then no article repeats or is skipped', async () => {
  const writer = await signUp(app);
  const original: string[] = [];
  for (let i = 0; i < 5; i += 1) original.unshift((await publish(app, writer)).slug);
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: Executed = await app.execute(PAGE, {
      variables: { author: writer.username, first: 2, after },
    });
    const conn = result.data.articles;
    seen.push(...slugsOf(conn));
    await publish(app, writer); // newer than everything: must not shift the pages already read
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  expect(seen).toEqual(original);
});

test('when articles share a creation time, then the id breaks the tie and paging stays exact', async () => {
  const twin = await signUp(app);
  const created = [];
  for (let i = 0; i < 4; i += 1) created.push(await publish(app, twin));
  const same = new Date('2030-01-01T00:00:00.000Z');
  await app.deps.models.Article.updateMany(
    { authorId: twin.id },
    { $set: { createdAt: same } },
    { timestamps: false },
  );
  const seen: string[] = [];
  let after: string | null = null;
  do {
    const result: Executed = await app.execute(PAGE, {
      variables: { author: twin.username, first: 1, after },
    });
    seen.push(...slugsOf(result.data.articles));
    after = result.data.articles.pageInfo.hasNextPage ? result.data.articles.pageInfo.endCursor : null;
  } while (after);
  const byIdDesc = [...created].sort((a, b) => (a.id < b.id ? 1 : -1)).map((a) => a.slug);
  expect(seen).toEqual(byIdDesc);
});

describe('bad paging arguments', () => {
  test.each([
    [{ first: 101 }, 'first'],
    [{ first: -1 }, 'first'],
    [{ last: 101 }, 'last'],
    [{ first: 2, last: 2 }, 'last'],
    [{ after: 'bm90IGEgY3Vyc29y' }, 'after'],
    [{ before: 'garbage.garbage' }, 'before'],
  ])('when %j, then BAD_USER_INPUT', async (args, field) => {
    const result = await page(args);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.['field']).toBe(field);
  });

  test('when a cursor is tampered with, then BAD_USER_INPUT, not a wrong page', async () => {
    const first = await page({ first: 1 });
    const cursor: string = first.data.articles.pageInfo.endCursor;
    const [payload, signature] = cursor.split('.') as [string, string];
    const decoded = Buffer.from(payload, 'base64url').toString();
    const forged = Buffer.from(decoded.replace(/:(\d+):/, (_m, t: string) => `:${Number(t) - 1}:`)).toString(
      'base64url',
    );
    expect(codes(await page({ after: `${forged}.${signature}` }))).toEqual(['BAD_USER_INPUT']);
  });

  test('when a cursor comes from another kind of list, then BAD_USER_INPUT', async () => {
    const fan = await signUp(app);
    await follow(app, fan, author);
    const followers = await app.execute(
      `query($u: String!) { user(username: $u) { followers(first: 1) { pageInfo { endCursor } } } }`,
      { variables: { u: author.username } },
    );
    const foreign = followers.data.user.followers.pageInfo.endCursor;
    expect(typeof foreign).toBe('string');
    expect(codes(await page({ after: foreign }))).toEqual(['BAD_USER_INPUT']);
  });

  test('when a cursor comes from another list of the same kind, then BAD_USER_INPUT', async () => {
    const other = await signUp(app);
    await publish(app, other);
    const theirs = await app.execute(PAGE, { variables: { author: other.username, first: 1 } });
    const foreign: string = theirs.data.articles.pageInfo.endCursor;
    expect(codes(await page({ after: foreign }))).toEqual(['BAD_USER_INPUT']);
    const feed = await app.execute(`query($c: String) { viewer { feed(after: $c) { nodes { slug } } } }`, {
      as: author,
      variables: { c: foreign },
    });
    expect(codes(feed)).toEqual(['BAD_USER_INPUT']);
    const fans = [await signUp(app), await signUp(app)];
    await follow(app, fans[0]!, author);
    await follow(app, fans[1]!, other);
    const followers = `query($u: String!, $c: String) { user(username: $u) { followers(first: 1, after: $c) { pageInfo { endCursor } } } }`;
    const mine = await app.execute(followers, { variables: { u: author.username } });
    const cursor = mine.data.user.followers.pageInfo.endCursor;
    expect(codes(await app.execute(followers, { variables: { u: other.username, c: cursor } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      (await app.execute(followers, { variables: { u: author.username, c: cursor } })).errors,
    ).toBeUndefined();
  });

  test('when a list is empty, then a forged cursor is still refused', async () => {
    const loner = await signUp(app);
    const result = await app.execute(PAGE, { variables: { author: loner.username, after: 'x.y' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});
