import { ANONYMOUS } from '../../src/auth/viewer';
import { createDeps } from '../../src/deps';
import { openDatabase } from '../../src/db';
import { UserInputErrors } from '../../src/errors';
import { createServices } from '../../src/services';
import { addressKey } from '../../src/services/throttle';
import { createTestApp, type TestApp } from '../support/harness';
import { signIn, signUp, unique } from '../support/fixtures';

const MAX = 3;
const WINDOW = 600;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({
    env: { SIGNIN_MAX_FAILURES: String(MAX), SIGNIN_WINDOW_SECONDS: String(WINDOW) },
  });
});
afterAll(async () => {
  await app.close();
});

/** Each test signs in from addresses of its own, so that address counters never carry over. */
function newAddress(): string {
  return `203.0.113.${unique('')}`;
}

async function fail(email: string, clientAddress: string) {
  const result = await signIn(app, { email, password: 'wrong password!' }, { clientAddress });
  expect(result.data?.signInUser?.errors).toEqual([{ message: 'Email or password is invalid.', path: null }]);
}

function expectRateLimited(result: Awaited<ReturnType<typeof signIn>>) {
  expect(result.status).toBe(429);
  expect(result.data).toBeNull();
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.extensions?.['code']).toBe('RATE_LIMITED');
  const retryAfter = error.extensions?.['retryAfter'];
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW);
  expect(result.headers.get('retry-after')).toBe(String(retryAfter));
}

async function counter(key: string) {
  return app.deps.models.Throttle.findById(key).lean();
}

/** Ends these windows now, as the passing of time would. */
async function endWindows(keys: string[]) {
  for (const key of keys) {
    await app.deps.models.Throttle.updateOne(
      { _id: key },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
  }
}

test('when an account has had the most failures allowed, then even the right password is RATE_LIMITED (429)', async () => {
  const alice = await signUp(app);
  for (let i = 0; i < MAX; i += 1) await fail(alice.email, newAddress());

  const sessionsBefore = await app.deps.models.Session.countDocuments({ userId: alice.id });
  const result = await signIn(app, alice, { clientAddress: newAddress() });
  expectRateLimited(result);
  expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(sessionsBefore);
});

test('when the window passes, then the account can sign in again', async () => {
  const alice = await signUp(app);
  for (let i = 0; i < MAX; i += 1) await fail(alice.email, newAddress());
  expectRateLimited(await signIn(app, alice, { clientAddress: newAddress() }));

  await endWindows([`signin:account:${alice.email}`]);
  const result = await signIn(app, alice, { clientAddress: newAddress() });
  expect(result.status).toBe(200);
  expect(result.data.signInUser.errors).toEqual([]);
});

test('when failures and a success interleave, then only the failures count', async () => {
  const alice = await signUp(app);
  const address = newAddress();
  await fail(alice.email, address);
  await fail(alice.email, address);
  expect((await signIn(app, alice, { clientAddress: address })).data.signInUser.errors).toEqual([]);
  await fail(alice.email, address);
  expect((await counter(`signin:account:${alice.email}`))?.count).toBe(MAX);

  expectRateLimited(await signIn(app, alice, { clientAddress: address }));
});

test('when the email is unknown, then its failures count and are limited like any account', async () => {
  const email = `${unique('ghost')}@example.com`;
  for (let i = 0; i < MAX; i += 1) await fail(email, newAddress());
  expect((await counter(`signin:account:${email}`))?.count).toBe(MAX);

  expectRateLimited(
    await signIn(app, { email, password: 'wrong password!' }, { clientAddress: newAddress() }),
  );
});

test('when one address fails on many accounts, then that address is limited and other addresses are not', async () => {
  const busy = newAddress();
  for (let i = 0; i < MAX; i += 1) await fail(`${unique('spray')}@example.com`, busy);
  expect((await counter(`signin:address:${busy}`))?.count).toBe(MAX);

  const bob = await signUp(app);
  expectRateLimited(await signIn(app, bob, { clientAddress: busy }));

  const other = newAddress();
  const result = await signIn(app, bob, { clientAddress: other });
  expect(result.data.signInUser.errors).toEqual([]);
  expect((await counter(`signin:address:${other}`))?.count).toBe(0);
});

test('when failures reach an account through two instances, then they add up in MongoDB', async () => {
  const alice = await signUp(app);
  // A second process: its own connection and dependencies over the same database.
  const uri = process.env['ATRIUM_TEST_MONGODB_URI']!;
  const otherDb = await openDatabase(uri, app.deps.db.connection.name, {
    maxTimeMS: app.config.requestTimeoutMs,
  });
  try {
    const otherDeps = await createDeps(app.config, app.deps.logger, otherDb);
    for (let i = 0; i < MAX - 1; i += 1) {
      const services = createServices(otherDeps, ANONYMOUS, { clientAddress: newAddress() });
      await expect(
        services.sessions.signIn({ email: alice.email, password: 'wrong password!' }),
      ).rejects.toThrow(UserInputErrors);
    }
  } finally {
    await otherDb.close();
  }
  await fail(alice.email, newAddress());

  expectRateLimited(await signIn(app, alice, { clientAddress: newAddress() }));
});

test('when a request is rate-limited, then the attempt costs no password check', async () => {
  const email = `${unique('ghost')}@example.com`;
  for (let i = 0; i < MAX; i += 1) await fail(email, newAddress());
  const verify = jest.spyOn(app.deps.passwords, 'verifyAgainstNothing');
  try {
    expectRateLimited(
      await signIn(app, { email, password: 'wrong password!' }, { clientAddress: newAddress() }),
    );
    expect(verify).not.toHaveBeenCalled();
  } finally {
    verify.mockRestore();
  }
});

test('when failures come from many IPv6 addresses of one /64, then they count as one address', async () => {
  const prefix = `2001:db8:${unique('')
    .slice(-4)
    .replace(/[^0-9a-f]/g, '1')}:7`;
  for (let i = 1; i <= MAX; i += 1) await fail(`${unique('spray')}@example.com`, `${prefix}::${i}`);

  const bob = await signUp(app);
  expectRateLimited(await signIn(app, bob, { clientAddress: `${prefix}:ffff:ffff:ffff:ffff` }));
  const neighbour = `${prefix.slice(0, prefix.lastIndexOf(':'))}:8::1`;
  expect((await signIn(app, bob, { clientAddress: neighbour })).data.signInUser.errors).toEqual([]);
});

test.each([
  ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ['2001:0DB8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::/64'],
  ['2001:db8::9', '2001:db8:0:0::/64'],
  ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ['::1', '0:0:0:0::/64'],
  ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ['192.0.2.1', '192.0.2.1'],
  ['unknown', 'unknown'],
])('when the client address is %s, then its counter key is %s', (address, key) => {
  expect(addressKey(address)).toBe(key);
});

test('when a rate-limited sign-in reaches the real HTTP server, then the answer is 429 with Retry-After', async () => {
  const email = `${unique('ghost')}@example.com`;
  for (let i = 0; i < MAX; i += 1) await fail(email, newAddress());
  const base = await app.listen();

  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation ($input: SignInUserInput!) { signInUser(input: $input) { token } }',
      variables: { input: { email, password: 'wrong password!' } },
    }),
  });
  expect(response.status).toBe(429);
  const body = (await response.json()) as { errors: { extensions: { code: string; retryAfter: number } }[] };
  expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
  expect(response.headers.get('retry-after')).toBe(String(body.errors[0]!.extensions.retryAfter));
});
