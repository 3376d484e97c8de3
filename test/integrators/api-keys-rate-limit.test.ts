import { createContext } from '../../src/context';
import { openDatabase } from '../../src/db';
import { createDeps } from '../../src/deps';
import { createServer } from '../../src/server';
import { signUp, type SignedUp } from '../support/fixtures';
import { createTestApp, mongoUri, type TestApp } from '../support/harness';
import { bearer, createKey } from './keys';

/**
 * Each API key spends from a bucket of its own, sized by RATE_LIMIT_API_KEY_*, apart from its owner's and
 * from the owner's other keys; with the MongoDB store every instance sees the same bucket.
 */

// 1 + 20 × 1 = 21 points requested; an empty list gives most of it back, so the figures are checked on the
// requested cost, which is what a refusal is decided on.
const QUERY = '{ articles(first: 20) { nodes { id } } }';

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await createTestApp({
    listen: true,
    env: {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_STORE: 'mongodb',
      MAX_QUERY_COST: '50',
      RATE_LIMIT_MAX_POINTS: '50',
      RATE_LIMIT_RESTORE_RATE: '1',
      RATE_LIMIT_API_KEY_MAX_POINTS: '200',
      RATE_LIMIT_API_KEY_RESTORE_RATE: '2',
    },
  });
  owner = await signUp(app);
});
afterAll(async () => {
  await app.close();
});

/** Spends a caller's bucket with requests that use all they ask for (nothing is given back) until refused. */
async function exhaust(authorization: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const res = await app.gql('{ a: tags b: tags c: tags d: tags e: tags f: tags g: tags h: tags }', {
      headers: { authorization },
    });
    if (res.status === 429) return;
  }
  throw new Error('never refused');
}

test('when a key calls, then extensions.cost reports its own bucket, sized by RATE_LIMIT_API_KEY_*', async () => {
  const key = await createKey(app, owner.token, ['READ']);
  const res = await app.gql(QUERY, { headers: { authorization: bearer(key.secret) } });
  expect(res.status).toBe(200);
  expect(res.json.extensions.cost).toMatchObject({
    requestedQueryCost: 21,
    throttleStatus: { maximumAvailable: 200, restoreRate: 2 },
  });
  expect(res.json.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThan(170);
  const asOwner = await app.gql(QUERY, { as: owner.token });
  expect(asOwner.json.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 50, restoreRate: 1 });
});

test('when a key is rate limited, then its owner and their other key are not; when the owner is, the other key still runs', async () => {
  const user = await signUp(app);
  const key = await createKey(app, user.token, ['READ']);
  const otherKey = await createKey(app, user.token, ['READ']);

  const before = await app.gql(QUERY, { as: user.token });
  const userPoints = before.json.extensions.cost.throttleStatus.currentlyAvailable as number;
  await exhaust(bearer(key.secret));
  const refused = await app.gql(QUERY, { headers: { authorization: bearer(key.secret) } });
  expect(refused.status).toBe(429);
  expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
  expect(refused.json.extensions.cost.throttleStatus.maximumAvailable).toBe(200);

  const asUser = await app.gql(QUERY, { as: user.token });
  expect(asUser.status).toBe(200);
  // The user's own bucket was untouched by the key: what it held before, less this one request at most.
  expect(asUser.json.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(
    userPoints - 21,
  );

  await exhaust(`Token ${user.token}`);
  expect((await app.gql(QUERY, { as: user.token })).status).toBe(429);
  const byOtherKey = await app.gql(QUERY, { headers: { authorization: bearer(otherKey.secret) } });
  expect(byOtherKey.status).toBe(200);
  expect(byOtherKey.json.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThan(170);
});

test('when a key spends on one instance, then another instance on the same database sees the same bucket', async () => {
  const key = await createKey(app, owner.token, ['READ']);
  await exhaust(bearer(key.secret));

  const db = await openDatabase(mongoUri(), app.deps.db.connection.name, { maxTimeMS: 10_000 });
  try {
    const deps = await createDeps(app.config, app.deps.logger, db);
    const server = await createServer(deps);
    const response = await server.apollo.executeOperation(
      { query: QUERY },
      {
        contextValue: await createContext(deps, {
          authorization: bearer(key.secret),
          clientAddress: '127.0.0.1',
        }),
      },
    );
    if (response.body.kind !== 'single') throw new Error('single result expected');
    expect(response.http.status).toBe(429);
    expect(response.body.singleResult.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    await server.stop();
    await deps.background.idle();
  } finally {
    await db.close();
  }
});
