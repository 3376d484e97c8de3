import { createTestApp, type TestApp } from '../support/harness';

/**
 * Every command carries its connection's own limit as maxTimeMS, however many connections the process has:
 * the models' schemas are shared between them, and the loaders, which read through the driver, give it to
 * their commands themselves.
 */

const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function limitsSent(app: TestApp): Promise<Record<string, number[]>> {
  const seen: Record<string, number[]> = {};
  const client = app.deps.db.connection.getClient();
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName !== 'find' && event.commandName !== 'aggregate') return;
    (seen[event.commandName] ??= []).push(event.command['maxTimeMS'] as number);
  };
  client.on('commandStarted', listener);
  // The loaders read through the driver: a find (the username) and an aggregation (the page) of theirs.
  await app.execute('{ user(username: "somebody") { id } articles(first: 1) { edges { cursor } } }');
  await app.deps.models.Article.aggregate([{ $match: {} }]);
  client.off('commandStarted', listener);
  return seen;
}

test('when two connections have different limits, then each sends its own', async () => {
  const first = await createTestApp({ maxTimeMS: 1_234 });
  apps.push(first);
  const second = await createTestApp({ maxTimeMS: 5_678 });
  apps.push(second);
  expect(await limitsSent(first)).toEqual({ find: [1_234], aggregate: [1_234, 1_234] });
  expect(await limitsSent(second)).toEqual({ find: [5_678], aggregate: [5_678, 5_678] });
});
