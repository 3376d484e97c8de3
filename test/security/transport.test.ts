import { deflateSync, gzipSync } from 'node:zlib';
import { createTestApp, requestLine, type TestApp } from '../support/harness';
import { expectRefused, json, rawPost } from './attack';

let app: TestApp;
let prod: TestApp;
beforeAll(async () => {
  app = await createTestApp({ listen: true });
  prod = await createTestApp({
    production: true,
    env: { CORS_ORIGINS: 'https://app.example.com' },
    listen: true,
  });
});
afterAll(async () => {
  await app.close();
  await prod.close();
});

const SIGN_UP = {
  query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
  variables: { i: { username: 'mallory', email: 'mallory@example.com', password: 'correct horse battery' } },
};

describe('malformed and oversized bodies', () => {
  test('when the JSON is cut short, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => rawPost(app, '{"query": "{ __typename'), { status: 400, code: 'BAD_REQUEST' }));

  test('when the body is a JSON string, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => rawPost(app, '"{ __typename }"'), { status: 400, code: 'BAD_REQUEST' }));

  test('when query is not a string, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => rawPost(app, json({ query: { $ne: null } })), {
      status: 400,
      code: 'BAD_REQUEST',
    }));

  test('when variables is not an object, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => rawPost(app, json({ query: '{ __typename }', variables: '{"a":1}x' })), {
      status: 400,
      code: 'BAD_REQUEST',
    }));

  test('when the body is larger than BODY_LIMIT_BYTES, then 413', () =>
    expectRefused(app, () => rawPost(app, json({ query: `{ __typename } #${'x'.repeat(600_000)}` })), {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    }));

  test('when a gzip bomb inflates past the limit, then 413 though the wire body is small', async () => {
    const bomb = gzipSync(Buffer.from(json({ query: `{ __typename } #${' '.repeat(20_000_000)}` })));
    expect(bomb.length).toBeLessThan(100_000);
    await expectRefused(app, () => rawPost(app, bomb, { 'content-encoding': 'gzip' }), {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  test('when a deflate bomb inflates past the limit, then 413', () =>
    expectRefused(
      app,
      () => rawPost(app, deflateSync(Buffer.from(' '.repeat(5_000_000))), { 'content-encoding': 'deflate' }),
      { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ));

  test('when a small gzip body is sent, then it is accepted (control)', () =>
    expectRefused(
      app,
      () =>
        rawPost(app, gzipSync(Buffer.from(json({ query: '{ __typename }' }))), {
          'content-encoding': 'gzip',
        }),
      { status: 200, code: null },
    ));

  test('when the gzip stream is corrupt, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => rawPost(app, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), {
      status: 400,
      code: 'BAD_REQUEST',
    }));

  test('when the content encoding is unknown, then 415', () =>
    expectRefused(app, () => rawPost(app, json(SIGN_UP), { 'content-encoding': 'compress' }), {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    }));

  test('when the charset is not a UTF, then 415', () =>
    expectRefused(
      app,
      () => rawPost(app, json(SIGN_UP), { 'content-type': 'application/json; charset=latin1' }),
      {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
    ));

  test('when a UTF-8 body is labelled UTF-16, then it does not decode to JSON: 400', () =>
    expectRefused(
      app,
      () => rawPost(app, json(SIGN_UP), { 'content-type': 'application/json; charset=utf-16' }),
      {
        status: 400,
        code: 'BAD_REQUEST',
      },
    ));
});

describe('batching, methods and media types', () => {
  test('when two operations are batched, then 400 and neither runs', () =>
    expectRefused(app, () => rawPost(app, json([SIGN_UP, SIGN_UP])), { status: 400, code: 'BAD_REQUEST' }));

  test('when a batch holds one operation, then it is refused too', () =>
    expectRefused(app, () => rawPost(app, json([SIGN_UP])), { status: 400, code: 'BAD_REQUEST' }));

  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    test(`when the method is ${method}, then 405 METHOD_NOT_ALLOWED`, () =>
      expectRefused(app, () => app.request('/graphql', { method, body: json(SIGN_UP) }), {
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
      }));
  }

  test('when a mutation is sent over GET, then it is refused (405) and nothing is written', () =>
    expectRefused(
      app,
      () =>
        app.request(
          `/graphql?query=${encodeURIComponent(SIGN_UP.query)}&variables=${encodeURIComponent(json(SIGN_UP.variables))}`,
          { headers: { 'apollo-require-preflight': 'true' } },
        ),
      { status: 405, code: 'BAD_REQUEST' },
    ));

  test('when POST has no content type, then 415', () =>
    expectRefused(app, () => app.request('/graphql', { method: 'POST', body: json(SIGN_UP) }), {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    }));
});

describe('CSRF', () => {
  // A browser sends these cross-site without a preflight; none of them may run an operation.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    test(`when a simple POST with ${type.split(';')[0]} carries a mutation, then 415 and nothing is written`, () =>
      expectRefused(app, () => rawPost(app, json(SIGN_UP), { 'content-type': type }), {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      }));
  }

  test('when a simple GET (no preflight header) carries a query, then 400 BAD_REQUEST', () =>
    expectRefused(app, () => app.request(`/graphql?query=${encodeURIComponent('{ __typename }')}`), {
      status: 400,
      code: 'BAD_REQUEST',
    }));

  test('when a GET carries a preflight-forcing header, then it runs (control)', () =>
    expectRefused(
      app,
      () =>
        app.request(`/graphql?query=${encodeURIComponent('{ __typename }')}`, {
          headers: { 'apollo-require-preflight': 'true' },
        }),
      { status: 200, code: null },
    ));
});

describe('CORS and headers', () => {
  test('when a foreign origin preflights a production mutation, then it gets no permission', () =>
    expectRefused(
      prod,
      () =>
        prod.request('/graphql', {
          method: 'OPTIONS',
          headers: {
            origin: 'https://evil.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,authorization',
          },
        }),
      {
        status: 204,
        code: null,
        check: (res) => {
          expect(res.headers.get('access-control-allow-origin')).toBeNull();
          expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        },
      },
    ));

  test('when the origin is "null" (sandboxed frame), then production does not allow it', () =>
    expectRefused(prod, () => prod.gql('{ __typename }', { headers: { origin: 'null' } }), {
      status: 200,
      code: null,
      check: (res) => expect(res.headers.get('access-control-allow-origin')).toBeNull(),
    }));

  test('when the request headers are larger than the server takes, then 431 before any parsing', () =>
    expectRefused(app, () => app.gql('{ __typename }', { headers: { 'x-filler': 'x'.repeat(20_000) } }), {
      status: 431,
      code: null,
    }));

  test('when Authorization holds 8 KB of garbage, then the request runs as anonymous with TOKEN_INVALID', () =>
    expectRefused(
      app,
      () =>
        app.gql('{ viewer { user { id } } }', { headers: { authorization: `Token ${'A'.repeat(8000)}` } }),
      {
        status: 200,
        code: null,
        check: (res) => {
          expect(res.json.data.viewer).toBeNull();
          expect(res.json.extensions.authentication.error).toBe('TOKEN_INVALID');
        },
      },
    ));

  test('when the Authorization scheme is Basic, then the request runs as anonymous with TOKEN_INVALID', () =>
    expectRefused(
      app,
      () => app.gql('{ viewer { user { id } } }', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.extensions.authentication.error).toBe('TOKEN_INVALID'),
      },
    ));

  test('when X-Request-Id tries to inject into the log, then it is replaced', () =>
    expectRefused(app, () => app.gql('{ __typename }', { headers: { 'x-request-id': '"}\\n{"level":60' } }), {
      status: 200,
      code: null,
      check: async (res) => {
        const replaced = res.headers.get('x-request-id')!;
        expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
        expect(await requestLine(app, replaced)).toMatchObject({ path: '/graphql', status: 200 });
        expect(app.logs.filter((l) => l['level'] === 60)).toEqual([]);
      },
    }));
});
