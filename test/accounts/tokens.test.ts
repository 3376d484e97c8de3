import { hkdfSync, randomBytes } from 'node:crypto';
import { decodeJwt, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { createTestApp, type TestApp } from '../support/harness';
import { SIGN_OUT, signUp, UPDATE_USER, VIEWER, type SignedUp } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

/**
 * The access-token key as the service derives it from TOKEN_SECRET. Every forged token below differs from
 * a valid one in exactly one way; the first test proves that a token crafted here with no flaw is accepted,
 * so that each refusal is for the flaw and not for the key.
 */
function accessKey(secret = app.config.tokenSecret!): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'atrium', 'access-token', 32));
}

interface Craft {
  claims?: JWTPayload;
  header?: Record<string, unknown>;
  key?: Uint8Array;
  issuedAt?: number;
  expiresAt?: number;
}

async function craft(user: SignedUp, craft: Craft = {}): Promise<string> {
  const real = decodeJwt(user.token);
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    sid: real['sid'],
    sub: user.id,
    iss: 'atrium',
    aud: 'atrium-api',
    iat: craft.issuedAt ?? now,
    exp: craft.expiresAt ?? now + 60,
    ...craft.claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...craft.header })
    .sign(craft.key ?? accessKey());
}

async function expectAnonymous(header: string, error: 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'SESSION_ENDED') {
  const result = await app.execute(VIEWER, { header });
  expect(result.errors).toBeUndefined();
  expect(result.status).toBe(200);
  expect(result.data).toEqual({ viewer: null });
  expect(result.extensions?.['authentication']).toEqual({ error });
  expect(result.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

test('when a token is crafted with the service key and no flaw, then it is accepted', async () => {
  const alice = await signUp(app);
  const result = await app.execute(VIEWER, { as: await craft(alice) });
  expect(result.data.viewer.user.id).toBe(alice.id);
});

test('when the token is sent as "Token …", "Bearer …" or "bearer …", then the viewer is the user', async () => {
  const alice = await signUp(app);
  for (const header of [`Token ${alice.token}`, `Bearer ${alice.token}`, `bearer ${alice.token}`]) {
    const result = await app.execute(VIEWER, { header });
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer).toEqual({
      role: 'user',
      user: { id: alice.id, username: alice.username, email: alice.email },
    });
    expect(result.extensions?.['authentication']).toBeUndefined();
    expect(result.headers.has('www-authenticate')).toBe(false);
  }
});

test('when no Authorization header is sent, then the viewer is null and nothing is said about tokens', async () => {
  const result = await app.execute(VIEWER);
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({ viewer: null });
  expect(result.extensions?.['authentication']).toBeUndefined();
  expect(result.headers.has('www-authenticate')).toBe(false);
});

test('when the access token is issued, then it names the session and lasts 15 minutes by default', async () => {
  const alice = await signUp(app);
  const claims = decodeJwt(alice.token);
  expect(claims.exp! - claims.iat!).toBe(900);
  const session = await app.deps.models.Session.findOne({ userId: alice.id }).lean();
  expect(claims['sid']).toBe(session!._id.toHexString());
});

describe('when credentials grant nothing, then the request runs anonymous and says why', () => {
  test.each<[string, (user: SignedUp) => Promise<string>]>([
    [
      'a forged signature',
      async (u) => `Token ${u.token.slice(0, u.token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`,
    ],
    [
      'a payload changed after signing',
      async (u) => {
        const [header, , signature] = u.token.split('.');
        const payload = Buffer.from(JSON.stringify({ ...decodeJwt(u.token), sub: '0'.repeat(24) })).toString(
          'base64url',
        );
        return `Token ${header}.${payload}.${signature}`;
      },
    ],
    [
      'alg "none"',
      async (u) => {
        const real = decodeJwt(u.token);
        const token = new UnsecuredJWT({ sid: real['sid'] })
          .setSubject(u.id)
          .setIssuer('atrium')
          .setAudience('atrium-api')
          .setIssuedAt()
          .setExpirationTime('1m')
          .encode();
        return `Token ${token}`;
      },
    ],
    ['another algorithm (HS512)', async (u) => `Token ${await craft(u, { header: { alg: 'HS512' } })}`],
    ['typ "JWT"', async (u) => `Token ${await craft(u, { header: { typ: 'JWT' } })}`],
    ['no typ', async (u) => `Token ${await craft(u, { header: { typ: undefined } })}`],
    [
      'another secret',
      async (u) => `Token ${await craft(u, { key: accessKey(randomBytes(48).toString('base64')) })}`,
    ],
    [
      'the raw secret as key',
      async (u) => `Token ${await craft(u, { key: Buffer.from(app.config.tokenSecret!) })}`,
    ],
    ['another issuer', async (u) => `Token ${await craft(u, { claims: { iss: 'someone-else' } })}`],
    ['another audience', async (u) => `Token ${await craft(u, { claims: { aud: 'other-api' } })}`],
    ['a session id that is not an id', async (u) => `Token ${await craft(u, { claims: { sid: 'abc' } })}`],
    ['no expiry', async (u) => `Token ${await craft(u, { claims: { exp: undefined } })}`],
    ['garbage', async () => 'Token not-a-token'],
    ['an unknown scheme', async (u) => `Basic ${u.token}`],
    ['a scheme without a token', async () => 'Bearer '],
  ])('%s: TOKEN_INVALID', async (_, header) => {
    const alice = await signUp(app);
    await expectAnonymous(await header(alice), 'TOKEN_INVALID');
  });

  test('an expired token: TOKEN_EXPIRED', async () => {
    const alice = await signUp(app);
    const now = Math.floor(Date.now() / 1000);
    const token = await craft(alice, { issuedAt: now - 1000, expiresAt: now - 100 });
    await expectAnonymous(`Token ${token}`, 'TOKEN_EXPIRED');
  });

  test('an expired token with a forged signature: TOKEN_INVALID, not TOKEN_EXPIRED', async () => {
    const alice = await signUp(app);
    const now = Math.floor(Date.now() / 1000);
    const key = accessKey(randomBytes(48).toString('base64'));
    const token = await craft(alice, { issuedAt: now - 1000, expiresAt: now - 100, key });
    await expectAnonymous(`Token ${token}`, 'TOKEN_INVALID');
  });

  test('a valid token whose session ended: SESSION_ENDED', async () => {
    const alice = await signUp(app);
    await app.deps.models.Session.deleteMany({ userId: alice.id });
    await expectAnonymous(`Token ${alice.token}`, 'SESSION_ENDED');
  });

  test('a valid token whose session expired but is not swept yet: SESSION_ENDED', async () => {
    const alice = await signUp(app);
    await app.deps.models.Session.updateMany(
      { userId: alice.id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    await expectAnonymous(`Token ${alice.token}`, 'SESSION_ENDED');
  });

  test("a token naming another user's session: SESSION_ENDED", async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const token = await craft(alice, { claims: { sid: decodeJwt(bob.token)['sid'] } });
    await expectAnonymous(`Token ${token}`, 'SESSION_ENDED');
  });

  test('a mutation that needs a user: UNAUTHENTICATED, and the response still says why', async () => {
    const alice = await signUp(app);
    const forged = `Token ${await craft(alice, { key: accessKey(randomBytes(48).toString('base64')) })}`;
    const result = await app.execute(UPDATE_USER, {
      header: forged,
      variables: { input: { username: alice.username, email: alice.email, bio: 'hacked' } },
    });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(result.extensions?.['authentication']).toEqual({ error: 'TOKEN_INVALID' });
    const stored = await app.deps.models.User.findById(alice.id).lean();
    expect(stored?.bio).toBeNull();
  });
});

test('when a session is ended, then its access token grants nothing on the very next request', async () => {
  const alice = await signUp(app);
  const signedOut = await app.execute(SIGN_OUT, { as: alice.token, variables: { input: {} } });
  expect(signedOut.data.signOut.endedSessionCount).toBe(1);
  await expectAnonymous(`Token ${alice.token}`, 'SESSION_ENDED');
});

test('when a bad token reaches the real HTTP server, then the answer is 200 with the viewer null and WWW-Authenticate', async () => {
  const alice = await signUp(app);
  const base = await app.listen();
  const forged = await craft(alice, { key: accessKey(randomBytes(48).toString('base64')) });
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Token ${forged}` },
    body: JSON.stringify({ query: VIEWER }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  const body = (await response.json()) as { data: unknown; extensions: { authentication: unknown } };
  expect(body.data).toEqual({ viewer: null });
  expect(body.extensions.authentication).toEqual({ error: 'TOKEN_INVALID' });

  const good = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
    body: JSON.stringify({ query: VIEWER }),
  });
  expect(((await good.json()) as { data: { viewer: { user: { id: string } } } }).data.viewer.user.id).toBe(
    alice.id,
  );
});
