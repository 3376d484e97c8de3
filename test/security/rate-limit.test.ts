import { Types } from 'mongoose';
import { MongoBucketStore } from '../../src/rate-limit/mongo-store';
import { createTestApp, type TestApp } from '../support/harness';
import { expectRefused } from './attack';

const QUERY = '{ articles(first: 10) { nodes { id title } } }'; // 1 + 10 × 1 = 11 points

/** Ten articles, so that QUERY uses all it asks for: charged points are not given back. */
async function seedArticles(app: TestApp): Promise<void> {
  const authorId = new Types.ObjectId();
  await app.deps.models.Article.insertMany(
    Array.from({ length: 10 }, (_, i) => ({ slug: `rl-${i}`, title: `T${i}`, body: 'b', authorId })),
  );
}

describe.each(['memory', 'mongodb'])('with the %s store', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_STORE: store,
        RATE_LIMIT_MAX_POINTS: '50',
        MAX_QUERY_COST: '50',
        RATE_LIMIT_RESTORE_RATE: '5',
      },
      listen: true,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  test('when a query runs, then extensions.cost reports it in Shopify’s shape', async () => {
    const res = await app.gql(QUERY, { headers: { 'x-forwarded-for': 'ignored' } });
    await seedArticles(app);
    expect(res.status).toBe(200);
    expect(res.json.extensions.cost).toEqual({
      requestedQueryCost: 11,
      // No article exists: one connection object came back, and only that is charged.
      actualQueryCost: 1,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: expect.any(Number), restoreRate: 5 },
    });
    expect(res.json.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(48);
  });

  test('when a caller spends its budget faster than it refills, then 429 RATE_LIMITED with Retry-After and nothing runs', async () => {
    // Concurrent requests: the bucket is charged atomically, so they cannot all pass on the same points.
    const burst = await Promise.all(Array.from({ length: 12 }, () => app.gql(QUERY)));
    const limited = burst.filter((r) => r.status === 429);
    const passed = burst.filter((r) => r.status === 200);
    for (const r of passed) expect(r.json.extensions.cost.actualQueryCost).toBe(11);
    expect(passed.length).toBeLessThanOrEqual(5); // 50 points, 11 each, plus a little refill
    expect(limited.length).toBeGreaterThan(0);
    await expectRefused(app, () => app.gql(QUERY), {
      status: 429,
      code: 'RATE_LIMITED',
      check: (res) => {
        const retryAfter = res.json.errors[0].extensions.retryAfter as number;
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(3); // 11 points at 5 per second
        expect(res.headers.get('retry-after')).toBe(String(retryAfter));
        expect(res.json.data).toBeUndefined();
        expect(res.json.extensions.cost.actualQueryCost).toBe(0);
      },
    });
  });

  test('when the caller waits Retry-After seconds, then the budget has refilled enough', async () => {
    const limited = await app.gql(QUERY);
    const retryAfter = Number(limited.headers.get('retry-after') ?? '0');
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await app.gql(QUERY)).status).toBe(200);
  });

  test('when a signed-in user is limited, then the budget is theirs, not their address’s', async () => {
    const signUp = await app.gql('mutation($i: CreateUserInput!) { createUser(input: $i) { token } }', {
      variables: {
        i: {
          username: `rl${Date.now()}${store}`,
          email: `rl${Date.now()}${store}@example.com`,
          password: 'correct horse battery',
        },
      },
    });
    // The address may be out of points by now; a user starts with a full bucket.
    const token = signUp.json.data?.createUser?.token as string | undefined;
    if (!token) {
      expect(signUp.status).toBe(429);
      return;
    }
    const res = await app.gql(QUERY, { as: token });
    expect(res.status).toBe(200);
    expect(res.json.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(38);
  });
});

test('when rate limiting is off, then costs are still reported without a throttle status', async () => {
  // An empty database: only the connection object comes back.
  const app = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' }, listen: true });
  try {
    const res = await app.gql(QUERY);
    expect(res.json.extensions.cost).toEqual({ requestedQueryCost: 11, actualQueryCost: 1 });
  } finally {
    await app.close();
  }
});

describe('the MongoDB store shared by several instances', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  test('when two instances take from one bucket at once, then they never spend the same points twice', async () => {
    const policy = { maxPoints: 100, restoreRate: 1 };
    const one = new MongoBucketStore(app.deps.db.connection, policy);
    const two = new MongoBucketStore(app.deps.db.connection, policy);
    await one.init();
    const now = Date.now();
    const takes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one : two).take('address:198.51.100.77', 10, now)),
    );
    expect(takes.filter((t) => t.allowed)).toHaveLength(10);
    expect(Math.min(...takes.map((t) => t.available))).toBe(0);
  });

  test('when time passes, then the bucket refills at the restore rate, up to its maximum', async () => {
    const store = new MongoBucketStore(app.deps.db.connection, { maxPoints: 100, restoreRate: 10 });
    const t0 = Date.now();
    expect(await store.take('address:198.51.100.78', 100, t0)).toEqual({ allowed: true, available: 0 });
    expect((await store.take('address:198.51.100.78', 30, t0 + 2000)).allowed).toBe(false); // 20 back
    expect(await store.take('address:198.51.100.78', 30, t0 + 3000)).toEqual({ allowed: true, available: 0 });
    expect(await store.take('address:198.51.100.78', 1, t0 + 60_000)).toEqual({
      allowed: true,
      available: 99,
    });
  });
});

test('when anonymous IPv6 callers share a /64, then they share one budget; another /64 has its own', async () => {
  const app = await createTestApp({
    env: {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_MAX_POINTS: '3',
      MAX_QUERY_COST: '3',
      RATE_LIMIT_RESTORE_RATE: '1',
      TRUST_PROXY: '127.0.0.1',
    },
    listen: true,
  });
  try {
    const from = (address: string) => app.gql('{ __typename }', { headers: { 'x-forwarded-for': address } });
    const statuses: number[] = [];
    // A fresh address from the same /64 for every request: a host picks them at will.
    for (let i = 1; i <= 5; i += 1) statuses.push((await from(`2001:db8:1:2::${i.toString(16)}`)).status);
    expect(statuses).toContain(429);
    await expectRefused(app, () => from('2001:db8:1:2:ffff::1'), { status: 429, code: 'RATE_LIMITED' });
    await expectRefused(app, () => from('2001:db8:1:3::1'), { status: 200, code: null });
  } finally {
    await app.close();
  }
});
