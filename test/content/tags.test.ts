import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { Types } from 'mongoose';
import { main as recountTagsCommand } from '../../src/cli/recount-tags';
import { openDatabase } from '../../src/db';
import { recountTags } from '../../src/models/tag-counts';
import { TagCounts } from '../../src/services/tag-counts';
import { createTestApp, failCommand, mongoUri, type TestApp } from '../support/harness';
import { startMongo } from '../support/mongo';
import { publish } from '../support/content';
import { signUp, unique, type SignedUp } from '../support/fixtures';

let app: TestApp;
let author: SignedUp;
beforeAll(async () => {
  app = await createTestApp();
  author = await signUp(app);
});
afterAll(async () => {
  await app.close();
});

/** Each tag's uses, counted from the articles themselves. */
async function usesFromArticles(a: TestApp = app): Promise<Record<string, number>> {
  const uses: Record<string, number> = {};
  for (const doc of await a.deps.models.Article.find({}, { tagList: 1 }).lean()) {
    for (const tag of doc.tagList) uses[tag] = (uses[tag] ?? 0) + 1;
  }
  return uses;
}

/** The counts kept in the tags collection, the tags no article carries left out. */
async function storedCounts(a: TestApp = app): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const doc of await a.deps.models.Tag.find().lean()) if (doc.count !== 0) counts[doc._id] = doc.count;
  return counts;
}

const UPDATE = `mutation($input: UpdateArticleInput!) {
  updateArticle(input: $input) { article { tagList } errors { message } }
}`;
const DELETE = `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`;

function retag(id: string, tagList: string[]) {
  return app.execute(UPDATE, {
    as: author,
    variables: { input: { id, title: 'Retagged', description: '', body: 'b', tagList } },
  });
}

test('when articles are published, retagged and deleted, then every count is the number of articles with the tag', async () => {
  const [a, b, c] = [unique('a'), unique('b'), unique('c')];
  const first = await publish(app, author, { tagList: [a, b] });
  const second = await publish(app, author, { tagList: [a] });
  expect(await storedCounts()).toMatchObject({ [a]: 2, [b]: 1 });

  expect((await retag(first.id, [b, c])).data.updateArticle.errors).toEqual([]);
  expect(await storedCounts()).toMatchObject({ [a]: 1, [b]: 1, [c]: 1 });

  expect((await app.execute(DELETE, { as: author, variables: { id: second.id } })).errors).toBeUndefined();
  const counts = await storedCounts();
  expect(counts[a]).toBeUndefined();
  expect(counts).toMatchObject({ [b]: 1, [c]: 1 });
  expect(counts).toEqual(await usesFromArticles());

  // A tag no article carries any more is not listed.
  const tags = (await app.execute('{ tags }')).data.tags as string[];
  expect(tags).toEqual(expect.arrayContaining([b, c]));
  expect(tags).not.toContain(a);
});

test('when a write fails, then the counts do not move', async () => {
  const tag = unique('t');
  const article = await publish(app, author, { tagList: [tag] });
  const before = await storedCounts();
  const other = await signUp(app);
  const refused = await app.execute(UPDATE, {
    as: other,
    variables: { input: { id: article.id, title: 'Mine now', description: '', body: 'b', tagList: ['x'] } },
  });
  expect(refused.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  const invalid = await retag(article.id, ['a'.repeat(200)]);
  expect(invalid.data.updateArticle.errors).toHaveLength(1);
  expect(await storedCounts()).toEqual(before);
});

test('when many articles with the same tags are published at once, then every one is counted', async () => {
  const [p, q] = [unique('p'), unique('q')];
  const published = await Promise.all(
    Array.from({ length: 12 }, () => publish(app, author, { tagList: [p, q] })),
  );
  expect(new Set(published.map((article) => article.id)).size).toBe(12);
  const counts = await storedCounts();
  expect(counts[p]).toBe(12);
  expect(counts[q]).toBe(12);
  expect(counts).toEqual(await usesFromArticles());
});

test('when one article is retagged by concurrent edits, then the counts follow the edit that won', async () => {
  const [x, y, z] = [unique('x'), unique('y'), unique('z')];
  const article = await publish(app, author, { tagList: [x] });
  const results = await Promise.all([
    retag(article.id, [y]),
    retag(article.id, [z]),
    retag(article.id, [y, z]),
  ]);
  for (const result of results) expect(result.data.updateArticle.errors).toEqual([]);
  const counts = await storedCounts();
  expect(counts).toEqual(await usesFromArticles());
  expect(counts[x]).toBeUndefined();
});

test('when the moves of two concurrent edits arrive in the other order, then the count still adds up', async () => {
  // One edit adds a tag and the next takes it away again; their moves race after the writes, and the
  // uncount reaches MongoDB first, before the tag has a count at all.
  const tags = new TagCounts(app.deps.models, app.deps.logger);
  const [fresh, kept] = [unique('race'), unique('kept')];
  await tags.move([kept], [fresh]);
  await tags.move([fresh, kept], []);
  const counts = await storedCounts();
  expect(counts[fresh]).toBeUndefined();
  expect(counts[kept]).toBe(2);
  expect((await app.execute('{ tags }')).data.tags).not.toContain(fresh);
});

test('when articles were stored before tag counts existed, then start counts them, once', async () => {
  const fresh = await createTestApp();
  try {
    const authorId = new Types.ObjectId();
    await fresh.deps.models.Article.insertMany(
      [
        { slug: 'old-1', title: 'Old 1', body: 'b', authorId, tagList: ['legacy', 'news'] },
        { slug: 'old-2', title: 'Old 2', body: 'b', authorId, tagList: ['legacy'] },
        { slug: 'old-3', title: 'Old 3', body: 'b', authorId, tagList: [] },
      ],
      { lean: true },
    );
    expect(await fresh.deps.models.Tag.countDocuments()).toBe(0);
    // Another start over the same database, as a new release would make.
    const again = await openDatabase(mongoUri(), fresh.deps.db.connection.name, { maxTimeMS: 10_000 });
    try {
      expect(await storedCounts(fresh)).toEqual({ legacy: 2, news: 1 });
      await again.models.Tag.updateOne({ _id: 'news' }, { $set: { count: 7 } });
    } finally {
      await again.close();
    }
    // Once counted, a start leaves the counts to the writes.
    const third = await openDatabase(mongoUri(), fresh.deps.db.connection.name, { maxTimeMS: 10_000 });
    await third.close();
    expect(await storedCounts(fresh)).toEqual({ legacy: 2, news: 7 });
    expect((await fresh.execute('{ tags }')).data.tags).toEqual(['news', 'legacy']);
  } finally {
    await fresh.close();
  }
});

describe('when moving the counts fails after the article is written', () => {
  let mongod: MongoMemoryReplSet;
  let own: TestApp;
  beforeAll(async () => {
    mongod = await startMongo();
    own = await createTestApp({ uri: mongod.getUri() });
  });
  afterAll(async () => {
    await own.close();
    await mongod.stop();
  });

  test('then the article is published all the same, the miss is logged with its tags, and recountTags sets the counts right', async () => {
    const writer = await signUp(own);
    const tag = unique('lost');
    await failCommand(
      { failCommands: ['update'], namespace: `${own.deps.db.connection.name}.tags`, errorCode: 2 },
      { times: 1 },
      mongod.getUri(),
    );
    const article = await publish(own, writer, { tagList: [tag] });
    expect(article.id).toEqual(expect.any(String));
    expect(await own.deps.models.Article.exists({ _id: article.id })).not.toBeNull();
    const logged = own.logs.find((line) => line['msg']?.startsWith('tag counts not moved'));
    expect(logged).toMatchObject({ level: 50, gained: [tag], lost: [] });
    expect((await storedCounts(own))[tag]).toBeUndefined();

    await recountTags(own.deps.models);
    expect(await storedCounts(own)).toEqual(await usesFromArticles(own));
    expect((await storedCounts(own))[tag]).toBe(1);
  });

  test('then `npm run recount-tags` on the database sets the counts from the articles and says how many', async () => {
    await own.deps.models.Tag.updateMany({}, { $set: { count: 99 } });
    const url = new URL(mongod.getUri());
    url.pathname = `/${own.deps.db.connection.name}`;
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URI: url.toString() };
      expect(await recountTagsCommand({ ...env, TOKEN_SECRET: own.config.tokenSecret })).toBe(0);
      const tags = Object.keys(await usesFromArticles(own)).length;
      expect(stdout).toHaveBeenCalledWith(`Counted ${tags} tags from the articles.\n`);
    } finally {
      stdout.mockRestore();
    }
    expect(await storedCounts(own)).toEqual(await usesFromArticles(own));
  });
});
