import { ANONYMOUS } from '../../src/auth/viewer';
import { createDeps } from '../../src/deps';
import { openDatabase } from '../../src/db';
import { UserInputErrors } from '../../src/errors';
import { createServices } from '../../src/services';
import { addressKey } from '../../src/services/throttle';
import { createTestApp, type TestApp } from '../support/harness';
import { SIGN_IN, signIn, signUp, unique } from '../support/fixtures';

/** Per account and address; per address across accounts; per account across addresses. */
const PAIR_MAX = 3;
const ADDRESS_MAX = 6;
const ACCOUNT_MAX = 9;
const WINDOW = 600;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({
    env: {
      SIGNIN_MAX_FAILURES: String(PAIR_MAX),
      SIGNIN_ADDRESS_MAX_FAILURES: String(ADDRESS_MAX),
      SIGNIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_MAX),
      SIGNIN_WINDOW_SECONDS: String(WINDOW),
      // One proxy in front: over HTTP the client address is the last X-Forwarded-For entry.
      TRUST_PROXY: '1',
    },
  });
});
afterAll(async () => {
  await app.close();
});

let addresses = 0;
/** Each test signs in from addresses of its own (valid ones, as a proxy's header must hold), so that no counter carries over. */
function newAddress(): string {
  addresses += 1;
  return `198.18.${addresses >> 8}.${addresses & 255}`;
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

function expectSignedIn(result: Awaited<ReturnType<typeof signIn>>) {
  expect(result.status).toBe(200);
  expect(result.data.signInUser.errors).toEqual([]);
  expect(result.data.signInUser.token).toEqual(expect.any(String));
}

const pairKey = (email: string, address: string) => `signin:pair:${address}:${email}`;
const addressCounter = (address: string) => `signin:address:${address}`;
const accountKey = (email: string) => `signin:account:${email}`;

async function count(key: string): Promise<number | undefined> {
  return (await app.deps.models.Throttle.findById(key).lean())?.count;
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

describe('one account from one address: the strict limit', () => {
  test('when an address has failed the most times allowed on an account, then even the right password from it is RATE_LIMITED (429)', async () => {
    const alice = await signUp(app);
    const address = newAddress();
    for (let i = 0; i < PAIR_MAX; i += 1) await fail(alice.email, address);

    const sessionsBefore = await app.deps.models.Session.countDocuments({ userId: alice.id });
    expectRateLimited(await signIn(app, alice, { clientAddress: address }));
    expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(sessionsBefore);
  });

  test('when the window passes, then the account can sign in from that address again', async () => {
    const alice = await signUp(app);
    const address = newAddress();
    for (let i = 0; i < PAIR_MAX; i += 1) await fail(alice.email, address);
    expectRateLimited(await signIn(app, alice, { clientAddress: address }));

    await endWindows([pairKey(alice.email, address)]);
    expectSignedIn(await signIn(app, alice, { clientAddress: address }));
  });

  test('when failures and a success interleave, then only the failures count', async () => {
    const alice = await signUp(app);
    const address = newAddress();
    await fail(alice.email, address);
    await fail(alice.email, address);
    expectSignedIn(await signIn(app, alice, { clientAddress: address }));
    await fail(alice.email, address);
    expect(await count(pairKey(alice.email, address))).toBe(PAIR_MAX);
    expect(await count(accountKey(alice.email))).toBe(PAIR_MAX);
    expect(await count(addressCounter(address))).toBe(PAIR_MAX);

    expectRateLimited(await signIn(app, alice, { clientAddress: address }));
  });

  test('when the email is unknown, then its failures count and are limited like any account', async () => {
    const email = `${unique('ghost')}@example.com`;
    const address = newAddress();
    for (let i = 0; i < PAIR_MAX; i += 1) await fail(email, address);
    expect(await count(pairKey(email, address))).toBe(PAIR_MAX);

    expectRateLimited(await signIn(app, { email, password: 'wrong password!' }, { clientAddress: address }));
  });

  test('when many guesses arrive at once, then no more than the limit reach the password check', async () => {
    const alice = await signUp(app);
    const address = newAddress();
    // No more guesses than the address and account limits allow, so that only the strict limit decides.
    const guesses = ADDRESS_MAX;
    const verify = jest.spyOn(app.deps.passwords, 'verify');
    try {
      const results = await Promise.all(
        Array.from({ length: guesses }, () =>
          signIn(app, { email: alice.email, password: 'wrong password!' }, { clientAddress: address }),
        ),
      );
      expect(results.filter((r) => r.status === 429)).toHaveLength(guesses - PAIR_MAX);
      expect(verify).toHaveBeenCalledTimes(PAIR_MAX);
    } finally {
      verify.mockRestore();
    }
    // The refused guesses did no work: they are not counted, here or on the account.
    expect(await count(pairKey(alice.email, address))).toBe(PAIR_MAX);
    expect(await count(accountKey(alice.email))).toBe(PAIR_MAX);
  });
});

describe("someone else's failures", () => {
  test('when an attacker has used up the limit on an account from their address, then the owner signs in from theirs', async () => {
    const victim = await signUp(app);
    const attacker = newAddress();
    const home = newAddress();
    for (let i = 0; i < PAIR_MAX; i += 1) await fail(victim.email, attacker);
    expectRateLimited(await signIn(app, victim, { clientAddress: attacker }));

    expectSignedIn(await signIn(app, victim, { clientAddress: home }));
    // And the owner's own mistakes have their own allowance there.
    await fail(victim.email, home);
    expectSignedIn(await signIn(app, victim, { clientAddress: home }));
  });

  test('when an attacker keeps trying after being refused, then the refused attempts do not bring the account ceiling nearer', async () => {
    const victim = await signUp(app);
    const attacker = newAddress();
    for (let i = 0; i < PAIR_MAX; i += 1) await fail(victim.email, attacker);
    for (let i = 0; i < ACCOUNT_MAX + 2; i += 1) {
      expectRateLimited(
        await signIn(app, { email: victim.email, password: 'wrong password!' }, { clientAddress: attacker }),
      );
    }
    expect(await count(accountKey(victim.email))).toBe(PAIR_MAX);
    expect(await count(pairKey(victim.email, attacker))).toBe(PAIR_MAX);

    expectSignedIn(await signIn(app, victim, { clientAddress: newAddress() }));
  });

  test('when the two addresses arrive over real HTTP through a trusted proxy, then the owner still signs in', async () => {
    const victim = await signUp(app);
    await app.listen();
    const attacker = newAddress();
    const home = newAddress();
    const attempt = (password: string, forwardedFor: string) =>
      app.gql(SIGN_IN, {
        variables: { input: { email: victim.email, password } },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    for (let i = 0; i < PAIR_MAX; i += 1) {
      // The left part of the header is the client's own claim (here: to be the owner's address); the proxy
      // appended the address it saw.
      const failed = await attempt('wrong password!', `${home}, ${attacker}`);
      expect(failed.status).toBe(200);
      expect(failed.json.data.signInUser.errors).toHaveLength(1);
    }
    const refused = await attempt(victim.password, attacker);
    expect(refused.status).toBe(429);
    expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');

    const owner = await attempt(victim.password, home);
    expect(owner.status).toBe(200);
    expect(owner.json.data.signInUser.errors).toEqual([]);
    expect(owner.json.data.signInUser.token).toEqual(expect.any(String));
    expect(await count(pairKey(victim.email, attacker))).toBe(PAIR_MAX);
    expect(await count(pairKey(victim.email, home))).toBe(0);
  });
});

describe('one account from many addresses: the account ceiling', () => {
  test('when failures spread over many addresses reach the ceiling, then the account is RATE_LIMITED from anywhere', async () => {
    const alice = await signUp(app);
    for (let i = 0; i < ACCOUNT_MAX; i += 1) await fail(alice.email, newAddress());
    expect(await count(accountKey(alice.email))).toBe(ACCOUNT_MAX);

    expectRateLimited(await signIn(app, alice, { clientAddress: newAddress() }));
  });

  test('when the ceiling window passes, then the account can sign in again', async () => {
    const alice = await signUp(app);
    for (let i = 0; i < ACCOUNT_MAX; i += 1) await fail(alice.email, newAddress());
    expectRateLimited(await signIn(app, alice, { clientAddress: newAddress() }));

    await endWindows([accountKey(alice.email)]);
    expectSignedIn(await signIn(app, alice, { clientAddress: newAddress() }));
  });

  test('when failures reach an account through two instances, then they add up in MongoDB', async () => {
    const alice = await signUp(app);
    const address = newAddress();
    // A second process: its own connection and dependencies over the same database.
    const uri = process.env['ATRIUM_TEST_MONGODB_URI']!;
    const otherDb = await openDatabase(uri, app.deps.db.connection.name, {
      maxTimeMS: app.config.requestTimeoutMs,
    });
    try {
      const otherDeps = await createDeps(app.config, app.deps.logger, otherDb);
      for (let i = 0; i < PAIR_MAX - 1; i += 1) {
        const services = createServices(otherDeps, ANONYMOUS, { clientAddress: address });
        await expect(
          services.sessions.signIn({ email: alice.email, password: 'wrong password!' }),
        ).rejects.toThrow(UserInputErrors);
      }
    } finally {
      await otherDb.close();
    }
    await fail(alice.email, address);

    expectRateLimited(await signIn(app, alice, { clientAddress: address }));
  });
});

describe('one address across many accounts', () => {
  test('when one address fails on many accounts, then that address is limited and other addresses are not', async () => {
    const busy = newAddress();
    for (let i = 0; i < ADDRESS_MAX; i += 1) await fail(`${unique('spray')}@example.com`, busy);
    expect(await count(addressCounter(busy))).toBe(ADDRESS_MAX);

    const bob = await signUp(app);
    expectRateLimited(await signIn(app, bob, { clientAddress: busy }));

    const other = newAddress();
    expectSignedIn(await signIn(app, bob, { clientAddress: other }));
    expect(await count(addressCounter(other))).toBe(0);
  });

  test('when failures come from many IPv6 addresses of one /64, then they count as one address', async () => {
    const prefix = `2001:db8:${unique('')
      .slice(-4)
      .replace(/[^0-9a-f]/g, '1')}:7`;
    for (let i = 1; i <= ADDRESS_MAX; i += 1) {
      await fail(`${unique('spray')}@example.com`, `${prefix}::${i}`);
    }

    const bob = await signUp(app);
    expectRateLimited(await signIn(app, bob, { clientAddress: `${prefix}:ffff:ffff:ffff:ffff` }));
    const neighbour = `${prefix.slice(0, prefix.lastIndexOf(':'))}:8::1`;
    expectSignedIn(await signIn(app, bob, { clientAddress: neighbour }));
  });

  test('when one account is guessed at from many addresses of one /64, then they are one address for the strict limit', async () => {
    const alice = await signUp(app);
    const prefix = `2001:db8:${unique('')
      .slice(-4)
      .replace(/[^0-9a-f]/g, '2')}:9`;
    for (let i = 1; i <= PAIR_MAX; i += 1) await fail(alice.email, `${prefix}::${i}`);
    expectRateLimited(await signIn(app, alice, { clientAddress: `${prefix}::abcd` }));
  });
});

test('when a request is rate-limited, then the attempt costs no password check', async () => {
  const email = `${unique('ghost')}@example.com`;
  const address = newAddress();
  for (let i = 0; i < PAIR_MAX; i += 1) await fail(email, address);
  const verify = jest.spyOn(app.deps.passwords, 'verifyAgainstNothing');
  try {
    expectRateLimited(await signIn(app, { email, password: 'wrong password!' }, { clientAddress: address }));
    expect(verify).not.toHaveBeenCalled();
  } finally {
    verify.mockRestore();
  }
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
  const address = newAddress();
  for (let i = 0; i < PAIR_MAX; i += 1) await fail(email, address);
  const base = await app.listen();

  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
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
