import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { openDatabase, type Database } from '../../src/db';
import { recountArticles } from '../../src/models/article-counts';
import { recountTags } from '../../src/models/tag-counts';
import { mongoUri, withOptions } from '../support/harness';
import { root } from '../support/build';

/**
 * `npm run bench -- --scale` seeds with `bench/lib/scale-seed.mjs`: its command line (sizes, counts, refusals
 * with exit code 2 that write nothing), and on a tiny size, that what it writes is what Atrium would keep:
 * the counters its recounts compute, the indexes its models declare. The full size is never run here.
 */

const SEEDER = path.join(root, 'bench/lib/scale-seed.mjs');
const COLLECTIONS = ['users', 'articles', 'comments', 'favorites', 'follows', 'tags'];
const dbName = `scale_seed_${process.pid}`;
const uri = () => withOptions(mongoUri(), {}, dbName);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const run = (args: string[], env: NodeJS.ProcessEnv = { MONGODB_URI: uri() }): Promise<Run> =>
  promisify(execFile)(process.execPath, [SEEDER, ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'], ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

let client: MongoClient;
beforeAll(async () => {
  client = await MongoClient.connect(mongoUri());
});
afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

const countsOf = async () =>
  Object.fromEntries(
    await Promise.all(
      COLLECTIONS.map(async (name) => [name, await client.db(dbName).collection(name).countDocuments()]),
    ),
  );

test('when asked for help, then it prints both sizes and the options, and exits 0', async () => {
  const { code, stdout } = await run(['--help'], {});
  expect(code).toBe(0);
  expect(stdout).toContain('--size default|scale');
  expect(stdout).toMatch(/scale = 20000 users, 100000 articles, 200000 comments, 500000 favorites/);
  expect(stdout).toMatch(
    /default = 50 users, 1000 articles, 5000 comments, 1500 favorites, 400 follows, 120 tags/,
  );
});

test.each([
  [['--articles=-3'], '--articles must be a whole number of at least 0, not "-3"'],
  [['--articles', '-3'], "Option '--articles' argument is ambiguous"],
  [['--comments', '1.5'], '--comments must be a whole number of at least 0, not "1.5"'],
  [['--batch', '0'], '--batch must be a whole number of at least 1, not "0"'],
  [['--size', 'huge'], '--size must be one of default, scale, not "huge"'],
  [['--bogus'], "Unknown option '--bogus'"],
  [['extra'], 'extra'],
  [['--users', '0', '--articles', '5'], 'articles need at least one user'],
  [
    ['--users', '2', '--articles', '3', '--favorites', '5', '--follows', '0'],
    '5 favourites are too many for 3 articles',
  ],
  [['--users', '3', '--favorites', '0', '--follows', '4'], '4 follows are too many for 3 users'],
])('when the arguments are %j, then it exits 2 saying why, and writes nothing', async (args, message) => {
  const { code, stderr } = await run(args);
  expect(code).toBe(2);
  expect(stderr).toContain(message);
  expect(stderr).toContain('Usage:');
  expect(await countsOf()).toEqual(Object.fromEntries(COLLECTIONS.map((name) => [name, 0])));
});

test('when MONGODB_URI is not set, then it exits 2 saying so', async () => {
  const { code, stderr } = await run(['--size', 'default'], {});
  expect(code).toBe(2);
  expect(stderr).toContain('MONGODB_URI is not set');
});

describe('a tiny seed', () => {
  const SIZE = ['--users', '12', '--articles', '40', '--comments', '90', '--favorites', '70'];
  let database: Database;
  let indexesBefore: Record<string, string[]>;

  const indexes = async () =>
    Object.fromEntries(
      await Promise.all(
        COLLECTIONS.map(async (name) => {
          const list = await client.db(dbName).collection(name).indexes();
          return [name, list.map((index) => JSON.stringify([index.key, index.unique ?? false])).sort()];
        }),
      ),
    );

  beforeAll(async () => {
    const { code, stdout, stderr } = await run([
      ...SIZE,
      '--follows',
      '20',
      '--tags',
      '6',
      '--batch',
      '7',
      '--indexes',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/seeded 12 users, 40 articles, 90 comments, 70 favorites, 20 follows, \d+ tags/);
    indexesBefore = await indexes();
    // Atrium opening the database builds its models' indexes: a conflicting one would fail here.
    database = await openDatabase(uri(), undefined, { maxTimeMS: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await database.close();
  });

  test('then every collection holds the numbers asked for', async () => {
    const counts = await countsOf();
    expect(counts).toMatchObject({ users: 12, articles: 40, comments: 90, favorites: 70, follows: 20 });
    expect(counts['tags']).toBeGreaterThan(0);
    expect(counts['tags']).toBeLessThanOrEqual(6);
  });

  test('then the indexes it built are the ones Atrium declares, and Atrium adds none', async () => {
    expect(await indexes()).toEqual(indexesBefore);
    expect(indexesBefore['articles']).toContain(JSON.stringify([{ slug: 1 }, true]));
    expect(indexesBefore['favorites']).toContain(JSON.stringify([{ userId: 1, articleId: 1 }, true]));
  });

  test("then the articles' counters and the tag counts are what Atrium's recounts make of the data", async () => {
    const db = client.db(dbName);
    const snapshot = async () => ({
      articles: await db
        .collection('articles')
        .find({}, { projection: { favoritesCount: 1, commentsCount: 1 } })
        .sort({ _id: 1 })
        .toArray(),
      tags: await db.collection('tags').find({}).sort({ _id: 1 }).toArray(),
    });
    const seeded = await snapshot();
    expect(seeded.articles.some((a) => a['favoritesCount'] > 0)).toBe(true);
    expect(seeded.articles.some((a) => a['commentsCount'] > 1)).toBe(true);
    await recountArticles(
      database.models,
      seeded.articles.map((a) => a._id),
    );
    await recountTags(database.models);
    expect(await snapshot()).toEqual(seeded);
  });

  test('when run again with the same size, then it writes the same documents', async () => {
    const db = client.db(dbName);
    const all = async () =>
      Promise.all(COLLECTIONS.map((name) => db.collection(name).find({}).sort({ _id: 1 }).toArray()));
    const first = await all();
    const again = await run([...SIZE, '--follows', '20', '--tags', '6']);
    expect(again.code).toBe(0);
    expect(await all()).toEqual(first);
  }, 60_000);
});
