import { signUp } from '../support/fixtures';
import { createTestApp, requestLine, type TestApp } from '../support/harness';

let app: TestApp;
let prod: TestApp;
const ALLOWED = 'https://app.example.com';

beforeAll(async () => {
  app = await createTestApp({ listen: true });
  prod = await createTestApp({ production: true, env: { CORS_ORIGINS: ALLOWED }, listen: true });
});
afterAll(async () => {
  await app.close();
  await prod.close();
});

describe('headers and statuses', () => {
  test('when /graphql answers, then the security headers are set and nothing may be cached', async () => {
    const res = await app.gql('{ __typename }');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  test('when production answers, then HSTS is set too', async () => {
    const res = await prod.request('/health/live');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  test('when the landing page is asked for in development, then it is HTML without the JSON-only CSP', async () => {
    const res = await app.request('/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  test('when a path is unknown, then the answer is a JSON 404', async () => {
    const res = await app.request('/admin');
    expect(res.status).toBe(404);
    expect(res.json.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  test('when a method is not supported, then the answer is a JSON 405 with Allow', async () => {
    const res = await app.request('/graphql', { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, OPTIONS');
    expect(res.json.errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
  });

  test('when a client sends its own request id, then it is echoed and logged; a malformed one is replaced', async () => {
    const ok = await app.request('/health/live', { headers: { 'x-request-id': 'req-123.abc' } });
    expect(ok.headers.get('x-request-id')).toBe('req-123.abc');
    expect(await requestLine(app, 'req-123.abc')).toMatchObject({ path: '/health/live', status: 200 });
    const bad = await app.request('/health/live', { headers: { 'x-request-id': 'a b <script>' } });
    const replaced = bad.headers.get('x-request-id')!;
    expect(replaced).not.toContain('script');
    expect(await requestLine(app, replaced)).toMatchObject({ path: '/health/live', status: 200 });
    expect(JSON.stringify(app.logs)).not.toContain('<script>');
  });
});

describe('health', () => {
  test('when /health/live is asked, then it answers 200 without touching MongoDB', async () => {
    const res = await app.request('/health/live');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
    expect(res.commands).toEqual({ wire: {}, wireTotal: 0 });
    // The readiness check does ask MongoDB, and the count sees it.
    expect((await app.request('/health/ready')).commands.wire).toEqual({ ping: 1 });
  });

  test('when MongoDB answers, then /health/ready is 200', async () => {
    const res = await app.request('/health/ready');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok', mongodb: true });
  });
});

describe('CORS', () => {
  test('when any origin preflights in development, then it is allowed with the requested headers, authorization included', async () => {
    const res = await app.request('/graphql', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://anywhere.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('when a listed origin preflights in production, then it is allowed', async () => {
    const res = await prod.request('/graphql', {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  test('when another origin calls production, then no CORS header lets its script read the answer', async () => {
    const preflight = await prod.request('/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await prod.gql('{ __typename }', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('bad credentials', () => {
  test('when the token is garbage, then the request runs as anonymous and says why', async () => {
    const res = await app.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Token garbage' },
      body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(res.json.data).toEqual({ viewer: null });
    expect(res.json.errors).toBeUndefined();
    expect(res.json.extensions.authentication).toEqual({ error: 'TOKEN_INVALID' });
  });

  test('when the token is good, then no WWW-Authenticate is sent', async () => {
    const user = await signUp(app);
    const res = await app.gql('{ viewer { user { id } } }', { as: user });
    expect(res.json.data.viewer.user.id).toBe(user.id);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.json.extensions.authentication).toBeUndefined();
  });
});

describe('subscriptions over HTTP', () => {
  test('when a subscription is sent as an HTTP request, then it is refused with 400 BAD_USER_INPUT, pointing to WebSocket, in both executors', async () => {
    const res = await app.gql('subscription { articlePublished { article { slug } } }');
    expect(res.status).toBe(400);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors).toEqual([
      expect.objectContaining({
        message: 'Subscriptions are served over WebSocket at /graphql.',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    expect(app.logs.some((line) => line['msg'] === 'unexpected error')).toBe(false);
  });
});

describe('the request log', () => {
  test('when a request completes, then one line records id, operation, duration, outcome and MongoDB commands', async () => {
    const res = await app.gql('query WhoIsIt { user(username: "nobody-here") { id } }', {
      headers: { 'x-request-id': 'log-test-1' },
    });
    expect(res.status).toBe(200);
    const line = await requestLine(app, 'log-test-1');
    expect(line).toMatchObject({
      requestId: 'log-test-1',
      operationName: 'WhoIsIt',
      method: 'POST',
      path: '/graphql',
      status: 200,
      outcome: 'ok',
      mongoCommands: 1,
    });
    expect(line['durationMs']).toEqual(expect.any(Number));
    expect(app.logs.filter((l) => l['requestId'] === 'log-test-1' && l['msg'] === 'request')).toHaveLength(1);
  });

  test('when a request is refused, then its line says rejected with the code, and holds no credentials', async () => {
    const res = await app.request('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'log-test-2',
        authorization: 'Token s3cr3t',
      },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    expect(res.status).toBe(400);
    const line = await requestLine(app, 'log-test-2');
    expect(line).toMatchObject({
      outcome: 'rejected',
      errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
      status: 400,
    });
    expect(JSON.stringify(app.logs)).not.toContain('s3cr3t');
  });

  test('when a signed-in request and a sign-in pass through, then no log line holds the token or the password', async () => {
    const user = await signUp(app);
    await app.gql('{ viewer { user { id } } }', { as: user });
    const signedIn = await app.gql(
      'mutation($input: SignInUserInput!) { signInUser(input: $input) { token refreshToken } }',
      { variables: { input: { email: user.email, password: user.password } } },
    );
    const { token, refreshToken } = signedIn.json.data.signInUser;
    const written = JSON.stringify(app.logs);
    for (const secret of [user.token, user.password, user.refreshToken, token, refreshToken]) {
      expect(written).not.toContain(secret);
    }
  });

  test('when a log call is given an Authorization header, a password or tokens, then the line leaves them out', () => {
    // The app's logger is the one createLogger builds for production, redaction included.
    app.deps.logger.info(
      {
        req: {
          method: 'POST',
          headers: { authorization: 'Token header-secret', accept: 'application/json' },
        },
        input: { email: 'a@example.com', password: 'password-secret' },
        session: { id: 's1', token: 'token-secret', refreshToken: 'refresh-secret' },
      },
      'credentials in a log call',
    );
    const line = app.logs.find((l) => l['msg'] === 'credentials in a log call');
    expect(line).toMatchObject({
      req: { method: 'POST', headers: { accept: 'application/json' } },
      input: { email: 'a@example.com' },
      session: { id: 's1' },
    });
    expect(JSON.stringify(line)).not.toMatch(/header-secret|password-secret|token-secret|refresh-secret/);
  });

  test('when a user error comes back, then the line says partial', async () => {
    const res = await app.gql('mutation { signOut(input: {}) { endedSessionCount } }', {
      headers: { 'x-request-id': 'log-test-3' },
    });
    expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const line = await requestLine(app, 'log-test-3');
    expect(line).toMatchObject({ outcome: 'partial', errorCodes: ['UNAUTHENTICATED'] });
  });
});

describe('client address', () => {
  let limited: TestApp;
  let behindProxy: TestApp;
  beforeAll(async () => {
    const env = {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_MAX_POINTS: '3',
      MAX_QUERY_COST: '3',
      RATE_LIMIT_RESTORE_RATE: '1',
    };
    limited = await createTestApp({ env, listen: true });
    behindProxy = await createTestApp({ env: { ...env, TRUST_PROXY: '127.0.0.1' }, listen: true });
  });
  afterAll(async () => {
    await limited.close();
    await behindProxy.close();
  });

  const drain = async (target: TestApp, forwardedFor: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push(
        (await target.gql('{ __typename }', { headers: { 'x-forwarded-for': forwardedFor } })).status,
      );
    }
    return statuses;
  };

  test('when no proxy is trusted, then a forged X-Forwarded-For changes nothing: every address shares the socket budget', async () => {
    expect(await drain(limited, '203.0.113.1')).toContain(429);
    const other = await limited.gql('{ __typename }', { headers: { 'x-forwarded-for': '203.0.113.2' } });
    expect(other.status).toBe(429);
  });

  test('when the proxy is trusted, then each forwarded client has its own budget', async () => {
    expect(await drain(behindProxy, '203.0.113.1')).toContain(429);
    const other = await behindProxy.gql('{ __typename }', { headers: { 'x-forwarded-for': '203.0.113.2' } });
    expect(other.status).toBe(200);
    // A client cannot pick its address by prepending entries: the proxy's own entry is the rightmost.
    const spoof = await behindProxy.gql('{ __typename }', {
      headers: { 'x-forwarded-for': '198.51.100.9, 203.0.113.1' },
    });
    expect(spoof.status).toBe(429);
  });
});
