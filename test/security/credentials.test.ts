import { hkdfSync } from 'node:crypto';
import bcrypt from 'bcrypt';
import { SignJWT } from 'jose';
import { signUp } from '../support/fixtures';
import { createTestApp, type HttpResult, type TestApp } from '../support/harness';
import { expectRefused } from './attack';

// Per account and address, per address, per account across addresses.
const THROTTLE = {
  SIGNIN_MAX_FAILURES: '3',
  SIGNIN_ADDRESS_MAX_FAILURES: '5',
  SIGNIN_ACCOUNT_MAX_FAILURES: '8',
  SIGNIN_WINDOW_SECONDS: '60',
};

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: THROTTLE, listen: true });
});
afterAll(async () => {
  await app.close();
});

const VIEWER = '{ viewer { user { id } } }';
const REFRESH =
  'mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { token refreshToken } }';
const SIGN_IN =
  'mutation($input: SignInUserInput!) { signInUser(input: $input) { token errors { message } } }';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The request ran as anonymous and said why. */
const anonymousBecause = (problem: string) => ({
  status: 200,
  code: null,
  check: (res: HttpResult) => {
    expect(res.json.data.viewer).toBeNull();
    expect(res.json.extensions.authentication).toEqual({ error: problem });
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  },
});

function accessKey(): Buffer {
  return Buffer.from(hkdfSync('sha256', app.config.tokenSecret!, 'atrium', 'access-token', 32));
}

async function claimsOf(token: string): Promise<{ sub: string; sid: string }> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    sid: string;
  };
}

describe('access tokens', () => {
  test('when a token is signed with another key, then TOKEN_INVALID', async () => {
    const user = await signUp(app);
    const { sub, sid } = await claimsOf(user.token);
    const forged = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(sub)
      .setIssuer('atrium')
      .setAudience('atrium-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-key-another-key-another-key'));
    await expectRefused(app, () => app.gql(VIEWER, { as: forged }), anonymousBecause('TOKEN_INVALID'));
  });

  test('when a token says alg "none", then TOKEN_INVALID', async () => {
    const user = await signUp(app);
    const [, payload] = user.token.split('.');
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
    await expectRefused(app, () => app.gql(VIEWER, { as: none }), anonymousBecause('TOKEN_INVALID'));
  });

  test('when a token uses another algorithm with the right key (HS512), then TOKEN_INVALID', async () => {
    const user = await signUp(app);
    const { sub, sid } = await claimsOf(user.token);
    const token = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt' })
      .setSubject(sub)
      .setIssuer('atrium')
      .setAudience('atrium-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(Buffer.concat([accessKey(), accessKey()]));
    await expectRefused(app, () => app.gql(VIEWER, { as: token }), anonymousBecause('TOKEN_INVALID'));
  });

  test('when a token has the wrong type (a plain JWT), then TOKEN_INVALID', async () => {
    const user = await signUp(app);
    const { sub, sid } = await claimsOf(user.token);
    const token = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer('atrium')
      .setAudience('atrium-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(accessKey());
    await expectRefused(app, () => app.gql(VIEWER, { as: token }), anonymousBecause('TOKEN_INVALID'));
  });

  test('when a token has expired, then TOKEN_EXPIRED', async () => {
    const user = await signUp(app);
    const { sub, sid } = await claimsOf(user.token);
    const { token } = await app.deps.tokens.signAccessToken(
      { userId: sub, sessionId: sid },
      new Date(Date.now() - 2 * 3600 * 1000),
    );
    await expectRefused(app, () => app.gql(VIEWER, { as: token }), anonymousBecause('TOKEN_EXPIRED'));
  });

  test('when a token names another user than its session, then SESSION_ENDED', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const { sid } = await claimsOf(alice.token);
    const { token } = await app.deps.tokens.signAccessToken({ userId: bob.id, sessionId: sid });
    await expectRefused(app, () => app.gql(VIEWER, { as: token }), anonymousBecause('SESSION_ENDED'));
  });

  test('when a token outlives a sign-out, then SESSION_ENDED at once', async () => {
    const user = await signUp(app);
    await app.gql('mutation { signOut(input: {}) { endedSessionCount } }', { as: user });
    await expectRefused(app, () => app.gql(VIEWER, { as: user }), anonymousBecause('SESSION_ENDED'));
  });

  test('when a revoked token tries a mutation, then UNAUTHENTICATED and nothing changes', async () => {
    const user = await signUp(app);
    await app.gql('mutation { signOut(input: { allSessions: true }) { endedSessionCount } }', {
      as: user,
    });
    await expectRefused(
      app,
      () =>
        app.gql(
          'mutation { updateUser(input: { username: "hijacked", email: "hijacked@example.com" }) { user { id } } }',
          {
            as: user,
          },
        ),
      { status: 200, code: 'UNAUTHENTICATED' },
    );
  });
});

describe('refresh tokens', () => {
  test('when a spent refresh token is presented again after the grace period, then UNAUTHENTICATED and the whole session ends', async () => {
    const user = await signUp(app);
    const rotated = await app.gql(REFRESH, { variables: { t: user.refreshToken } });
    const fresh = rotated.json.data.refreshSession as { token: string; refreshToken: string };
    const sessions = app.deps.db.connection.db!.collection('sessions');
    // The grace period passes.
    const graceMs = app.config.refreshReuseGraceSeconds * 1000;
    await sessions.updateMany({}, { $set: { rotatedAt: new Date(Date.now() - graceMs - 1000) } });
    const before = await sessions.countDocuments({});
    const replay = await app.gql(REFRESH, { variables: { t: user.refreshToken } });
    expect(replay.status).toBe(200);
    expect(replay.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // The reuse revoked the family: one session fewer, and its newest tokens no longer work.
    expect(await sessions.countDocuments({})).toBe(before - 1);
    await expectRefused(app, () => app.gql(REFRESH, { variables: { t: fresh.refreshToken } }), {
      status: 200,
      code: 'UNAUTHENTICATED',
    });
    await expectRefused(app, () => app.gql(VIEWER, { as: fresh }), anonymousBecause('SESSION_ENDED'));
  });

  test('when one refresh token is raced by ten requests, then they all get the one successor and no new session', async () => {
    const user = await signUp(app);
    const sessions = app.deps.db.connection.db!.collection('sessions');
    const before = await sessions.countDocuments({});
    const results = await Promise.all(
      Array.from({ length: 10 }, () => app.gql(REFRESH, { variables: { t: user.refreshToken } })),
    );
    for (const r of results) expect(r.status).toBe(200);
    const successors = new Set(results.map((r) => r.json.data?.refreshSession?.refreshToken));
    expect(successors.size).toBe(1);
    expect([...successors][0]).toEqual(expect.any(String));
    expect(await sessions.countDocuments({})).toBe(before);
  });

  test('when a refresh token is made up, then UNAUTHENTICATED', () =>
    expectRefused(app, () => app.gql(REFRESH, { variables: { t: 'A'.repeat(43) } }), {
      status: 200,
      code: 'UNAUTHENTICATED',
    }));
});

describe('passwords and brute force', () => {
  test('when a password is 90,000 characters, then sign-in makes one bcrypt comparison of a fixed-size digest and gives the usual error', async () => {
    const user = await signUp(app);
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      await expectRefused(
        app,
        () => app.gql(SIGN_IN, { variables: { input: { email: user.email, password: 'x'.repeat(90_000) } } }),
        {
          status: 200,
          code: null,
          check: (res) =>
            expect(res.json.data.signInUser.errors[0].message).toBe('Email or password is invalid.'),
        },
      );
      // bcrypt is given the password's SHA-256 digest (base64), so it costs what any password costs.
      expect(compare).toHaveBeenCalledTimes(1);
      expect(compare).toHaveBeenCalledWith(expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/), expect.any(String));
    } finally {
      compare.mockRestore();
    }
  });

  // Each test below counts failures from the start: an app (and database) of its own.
  let fresh: TestApp;
  beforeEach(async () => {
    fresh = await createTestApp({ env: THROTTLE, listen: true });
  });
  afterEach(async () => {
    await fresh.close();
  });

  test('when guesses from one address pass SIGNIN_MAX_FAILURES, then 429 RATE_LIMITED with Retry-After, even for the right password', async () => {
    const app = fresh;
    const victim = await signUp(app);
    const guess = (password: string) =>
      app.gql(SIGN_IN, {
        variables: { input: { email: victim.email, password } },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
    for (let i = 0; i < 3; i += 1) expect((await guess(`wrong guess ${i}`)).status).toBe(200);
    await expectRefused(app, () => guess('another wrong guess'), {
      status: 429,
      code: 'RATE_LIMITED',
      check: (res) => {
        const retryAfter = res.json.errors[0].extensions.retryAfter as number;
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(res.headers.get('retry-after')).toBe(String(retryAfter));
        expect(res.json.data).toBeNull();
      },
    });
    await expectRefused(app, () => guess(victim.password), { status: 429, code: 'RATE_LIMITED' });
  });

  test('when one address guesses across many accounts, then it is limited by address', async () => {
    const app = fresh;
    const accounts = await Promise.all(Array.from({ length: 6 }, () => signUp(app)));
    // Each guess from the socket address (no proxy is trusted) counts against that one address.
    const statuses: number[] = [];
    for (const account of accounts) {
      const res = await app.gql(SIGN_IN, {
        variables: { input: { email: account.email, password: 'nope nope 1' } },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    await expectRefused(
      app,
      () =>
        app.gql(SIGN_IN, { variables: { input: { email: accounts[0]!.email, password: 'nope nope 2' } } }),
      { status: 429, code: 'RATE_LIMITED' },
    );
  });

  test('when an attacker fails on an account from elsewhere, then its owner still signs in; only the account ceiling locks it, for at most the window', async () => {
    const proxied = await createTestApp({ env: { ...THROTTLE, TRUST_PROXY: '127.0.0.1' }, listen: true });
    try {
      const victim = await signUp(proxied);
      const from = (address: string, password: string) =>
        proxied.gql(SIGN_IN, {
          variables: { input: { email: victim.email, password } },
          headers: { 'x-forwarded-for': address },
        });
      for (let i = 0; i < 4; i += 1) await from('203.0.113.66', `wrong ${i} wrong`);
      await expectRefused(proxied, () => from('203.0.113.66', victim.password), {
        status: 429,
        code: 'RATE_LIMITED',
      });
      // The attacker's failures count for their address only: the owner signs in from theirs.
      const owner = await from('198.51.100.20', victim.password);
      expect(owner.status).toBe(200);
      expect(owner.json.data.signInUser.token).toEqual(expect.any(String));

      // Guessing spread over many addresses meets the per-account ceiling; the price of stopping it is a
      // lock-out bounded by SIGNIN_WINDOW_SECONDS.
      for (let i = 0; i < 8; i += 1) await from(`203.0.113.${100 + i}`, `wrong ${i} again`);
      await expectRefused(proxied, () => from('198.51.100.20', victim.password), {
        status: 429,
        code: 'RATE_LIMITED',
        check: (res) => expect(res.json.errors[0].extensions.retryAfter).toBeLessThanOrEqual(60),
      });
    } finally {
      await proxied.close();
    }
  });

  test('when a proxy forwards many clients, then one client’s failures do not limit another (one address source)', async () => {
    const proxied = await createTestApp({ env: { ...THROTTLE, TRUST_PROXY: '127.0.0.1' }, listen: true });
    try {
      const users = await Promise.all(Array.from({ length: 7 }, () => signUp(proxied)));
      const [next, honest] = users.slice(5);
      const signIn = (address: string, email: string, password: string) =>
        proxied.gql(SIGN_IN, {
          variables: { input: { email, password } },
          headers: { 'x-forwarded-for': address },
        });
      for (const victim of users.slice(0, 5)) {
        await signIn('203.0.113.10', victim.email, 'wrong wrong wrong');
      }
      await expectRefused(proxied, () => signIn('203.0.113.10', next!.email, 'wrong wrong wrong'), {
        status: 429,
        code: 'RATE_LIMITED',
      });
      // Signing in starts a session: a change, so asserted directly.
      const res = await signIn('198.51.100.44', honest!.email, honest!.password);
      expect(res.status).toBe(200);
      expect(res.json.data.signInUser.token).toEqual(expect.any(String));
    } finally {
      await proxied.close();
    }
  });

  test('when an unknown email is tried, then the answer is the same as for a wrong password', async () => {
    const user = await signUp(fresh);
    const unknown = await fresh.gql(SIGN_IN, {
      variables: { input: { email: 'nobody-at-all@example.com', password: 'whatever 123' } },
    });
    const wrong = await fresh.gql(SIGN_IN, {
      variables: { input: { email: user.email, password: 'whatever 123' } },
    });
    expect(unknown.status).toBe(200);
    expect(unknown.json.data).toEqual(wrong.json.data);
  });
});
