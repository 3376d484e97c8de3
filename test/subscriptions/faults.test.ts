import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { clearFailPoint, createTestApp, failCommand, type TestApp } from '../support/harness';
import { signUp } from '../support/fixtures';
import { publish } from '../support/content';
import { startMongo } from '../support/mongo';
import { connect, errorCodes, subscribe, subscriptionsOpen, waitFor } from './support';

/** Fail points on a MongoDB of this file's own: the shared server's other tests are not hit. */
let mongo: MongoMemoryReplSet;
let app: TestApp;

beforeAll(async () => {
  mongo = await startMongo();
  app = await createTestApp({
    listen: true,
    uri: mongo.getUri(),
    // The test reads the warning the reopening logs.
    env: { EVENTS_RETRY_MS: '50', EVENTS_MAX_AWAIT_MS: '100', LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await app.close();
  await mongo.stop();
});

const PUBLISHED = `subscription { articlePublished { cursor article { id } } }`;

test('when the change stream fails, it resumes from its last position without losing or repeating an event', async () => {
  const author = await signUp(app);
  const connection = connect(app);
  const s = subscribe(connection, PUBLISHED);
  await subscriptionsOpen(app, 1);
  const ids: string[] = [(await publish(app, author)).id];
  await waitFor(() => s.results.length >= 1);

  // A dropped connection (resumable: the driver resumes by itself) ...
  await failCommand({ failCommands: ['getMore'], closeConnection: true }, { times: 1 }, mongo.getUri());
  ids.push((await publish(app, author)).id);
  await waitFor(() => s.results.length >= 2);
  // ... and an error the driver does not resume from: the event source reopens the stream itself.
  await failCommand({ failCommands: ['getMore'], errorCode: 2 }, { times: 2 }, mongo.getUri());
  ids.push((await publish(app, author)).id);
  ids.push((await publish(app, author)).id);
  await waitFor(() => s.results.length >= 4);
  await clearFailPoint(mongo.getUri());
  ids.push((await publish(app, author)).id);
  await waitFor(() => s.results.length >= 5);

  expect(s.results.map((r) => r.data.articlePublished.article.id)).toEqual(ids);
  expect(app.logs.some((l) => l['msg'] === 'change stream failed; reopening from its last position')).toBe(
    true,
  );
  await connection.dispose();
});

test('a history lost while a replay reads it ends that subscription with BAD_USER_INPUT after what it gave', async () => {
  const author = await signUp(app);
  const connection = connect(app);
  const live = subscribe(connection, PUBLISHED);
  await subscriptionsOpen(app, 1);
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) ids.push((await publish(app, author)).id);
  await waitFor(() => live.results.length >= 3);
  const cursor = live.results[0]!.data.articlePublished.cursor;

  // The replay's first read (the aggregate) gives the history; its next read finds it gone.
  await failCommand({ failCommands: ['getMore'], errorCode: 286 }, 'alwaysOn', mongo.getUri());
  try {
    const resumed = subscribe(
      connection,
      `subscription($after: String) {
      articlePublished(after: $after) { cursor article { id } } }`,
      { after: cursor },
    );
    await resumed.completed;
    expect(resumed.results.map((r) => r.data.articlePublished.article.id)).toEqual(ids.slice(1));
    expect(errorCodes(resumed)).toEqual(['BAD_USER_INPUT']);
  } finally {
    await clearFailPoint(mongo.getUri());
  }
  await connection.dispose();
});

test('when MongoDB restarts, the stream resumes from its last position and no event is lost or repeated', async () => {
  const dbPath = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-subs-restart-'));
  // Restarted on its data and on its port, as the embedded MongoDB is (src/db.ts).
  const start = (port?: number) =>
    MongoMemoryReplSet.create({
      replSet: { count: 1, name: 'restart', storageEngine: 'wiredTiger' },
      instanceOpts: [{ dbPath, storageEngine: 'wiredTiger', ...(port ? { port } : {}) }],
    });
  let server = await start();
  const port = server.servers[0]!.instanceInfo!.port;
  const restarting = await createTestApp({
    listen: true,
    uri: server.getUri(),
    env: { EVENTS_RETRY_MS: '50', EVENTS_MAX_AWAIT_MS: '100' },
  });
  try {
    const author = await signUp(restarting);
    const connection = connect(restarting);
    const s = subscribe(connection, PUBLISHED);
    await subscriptionsOpen(restarting, 1);
    const ids = [(await publish(restarting, author)).id];
    await waitFor(() => s.results.length >= 1);
    await server.stop({ doCleanup: false });
    server = await start(port);
    // Writes fail until the driver has found the server again.
    await waitFor(async () => (await restarting.deps.db.ping()) === true, 20_000, 'MongoDB to be back');
    ids.push((await publish(restarting, author)).id);
    ids.push((await publish(restarting, author)).id);
    await waitFor(() => s.results.length >= 3, 20_000, 'the events after the restart');
    expect(s.results.map((r) => r.data.articlePublished.article.id)).toEqual(ids);
    await connection.dispose();
  } finally {
    await restarting.close();
    await server.stop({ doCleanup: true, force: true });
    fs.rmSync(dbPath, { recursive: true, force: true });
  }
}, 90_000);
