import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { clearFailPoint, createTestApp, failCommand, type TestApp } from '../support/harness';
import { signUp } from '../support/fixtures';
import { publish } from '../support/content';
import { startMongo } from '../support/mongo';
import { connect, subscribe, subscriptionsOpen, waitFor } from './support';

/** Fail points on a MongoDB of this file's own: the shared server's other tests are not hit. */
let mongo: MongoMemoryReplSet;
let app: TestApp;

beforeAll(async () => {
  mongo = await startMongo();
  app = await createTestApp({
    listen: true,
    mongoUri: mongo.getUri(),
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
