import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { createDeps } from '../../src/deps';
import { authenticate, readAuthorization } from '../../src/auth/authenticate';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db';
import type { AppDeps } from '../../src/deps';
import { createLogger } from '../../src/observability/logger';
import { createServices } from '../../src/services';
import { startMongo } from '../support/mongo';

/**
 * A transaction whose commit fails with a transient error, or whose commit reply is lost, is retried by the
 * driver and lands once. On a server of this file's own: a fail point on `commitTransaction` cannot be aimed
 * at one client, and would otherwise hit other test files' commits.
 */

let replSet: MongoMemoryReplSet;
let db: Database;
let deps: AppDeps;
const sent = new Map<string, number>();

beforeAll(async () => {
  replSet = await startMongo();
  const config = loadConfig({
    NODE_ENV: 'test',
    BCRYPT_ROUNDS: '4',
    TOKEN_SECRET: randomBytes(48).toString('base64'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    MONGODB_URI: replSet.getUri(),
    LOG_LEVEL: 'silent',
  });
  db = await openDatabase(replSet.getUri(), 'atrium', { maxTimeMS: 10_000, monitorCommands: true });
  db.connection.getClient().on('commandStarted', (event) => {
    sent.set(event.commandName, (sent.get(event.commandName) ?? 0) + 1);
  });
  deps = await createDeps(config, createLogger(config), db);
});
afterAll(async () => {
  await db.close();
  await replSet.stop();
});

async function failCommit(data: Record<string, unknown>): Promise<void> {
  const client = new mongoose.mongo.MongoClient(replSet.getUri());
  try {
    await client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['commitTransaction'], ...data },
    });
  } finally {
    await client.close();
  }
}

async function signedIn() {
  const anonymous = await authenticate(deps, { kind: 'none' });
  const name = `t${randomBytes(5).toString('hex')}`;
  const { token } = await createServices(deps, anonymous.viewer, {
    clientAddress: '127.0.0.1',
  }).sessions.signUp({
    username: name,
    email: `${name}@example.com`,
    password: 'correct horse battery',
  });
  const { viewer } = await authenticate(deps, readAuthorization(`Token ${token}`));
  return createServices(deps, viewer, { clientAddress: '127.0.0.1' });
}

test.each([
  ['a transient error (WriteConflict)', { errorCode: 112, errorLabels: ['TransientTransactionError'] }],
  ['a dropped connection (unknown commit result)', { closeConnection: true }],
])('when the commit of a favourite fails with %s, then it is retried and counts once', async (_, failure) => {
  const author = await signedIn();
  const article = await author.articles.create({ title: 'Retried', description: '', body: 'b', tagList: [] });
  const fan = await signedIn();
  await failCommit(failure);
  const commitsBefore = sent.get('commitTransaction') ?? 0;

  const favourited = await fan.articles.favorite(article.id);

  // The failed commit, then the one that landed.
  expect((sent.get('commitTransaction') ?? 0) - commitsBefore).toBe(2);
  expect(favourited.favoritesCount).toBe(1);
  const articleId = new mongoose.Types.ObjectId(article.id);
  expect(await db.models.Favorite.countDocuments({ articleId })).toBe(1);
  expect((await db.models.Article.findById(articleId).lean())?.favoritesCount).toBe(1);
});

test('when the work of a transaction throws, then nothing it wrote stays', async () => {
  const id = `rolled-back-${randomBytes(4).toString('hex')}`;
  await expect(
    db.transaction(async (session) => {
      await db.models.Throttle.create([{ _id: id, count: 1, expiresAt: new Date(Date.now() + 60_000) }], {
        session,
      });
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await db.models.Throttle.countDocuments({ _id: id })).toBe(0);
});
