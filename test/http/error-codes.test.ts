import { ERROR_CODES, httpStatusOf, isErrorCode } from '../../src/errors';
import { CREATE_USER, userInput } from '../support/fixtures';
import { createTestApp, type HttpResult, type TestApp } from '../support/harness';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({
    listen: true,
    env: {
      BODY_LIMIT_BYTES: '1024',
      MAX_QUERY_COST: '10',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_MAX_POINTS: '10',
      RATE_LIMIT_RESTORE_RATE: '1',
    },
  });
});
afterAll(() => app.close());

/** The codes the HTTP edge (src/http/handler.ts) answers with by itself, and the statuses they carry. */
const EDGE_CODES = {
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_REQUEST: 400,
  INTERNAL_SERVER_ERROR: 500,
  TIMEOUT: 503,
};

test('when the edge can send a code, then the error list holds it with its status', () => {
  const listed = Object.fromEntries(
    Object.keys(EDGE_CODES).map((code) => [code, isErrorCode(code) ? httpStatusOf(code) : 'not listed']),
  );
  expect(listed).toEqual(EDGE_CODES);
  expect(ERROR_CODES).toMatchObject({ TIMEOUT: { masked: true } });
});

/** The response's status is the one its first error's code has in the list. */
function expectStatusOfItsCode(res: HttpResult, code: string): void {
  expect(res.json?.errors?.[0]?.extensions?.code).toBe(code);
  if (!isErrorCode(code)) throw new Error(`${code} is not in ERROR_CODES`);
  expect(res.status).toBe(httpStatusOf(code));
}

const post = (body: string, headers: Record<string, string> = {}) =>
  app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

test.each<[string, string, () => Promise<HttpResult>]>([
  ['an unknown path', 'NOT_FOUND', () => app.request('/admin')],
  [
    'an unsupported method',
    'METHOD_NOT_ALLOWED',
    () => app.request('/graphql', { method: 'PUT', body: '{}' }),
  ],
  [
    'a body over BODY_LIMIT_BYTES',
    'PAYLOAD_TOO_LARGE',
    () => post(JSON.stringify({ query: ' '.repeat(2048) })),
  ],
  ['a body that is not JSON', 'UNSUPPORTED_MEDIA_TYPE', () => post('{}', { 'content-type': 'text/plain' })],
  ['an unknown content encoding', 'UNSUPPORTED_MEDIA_TYPE', () => post('{}', { 'content-encoding': 'br2' })],
  ['malformed JSON', 'BAD_REQUEST', () => post('{"query": ')],
])(
  'when the edge refuses %s, then it answers %s with the status the list gives it',
  async (_what, code, send) => {
    expectStatusOfItsCode(await send(), code);
  },
);

test('when an operation is refused before it runs, then the response has the status the list gives its code', async () => {
  expectStatusOfItsCode(await app.gql('{ articles(first: 50) { nodes { id } } }'), 'QUERY_TOO_COMPLEX');
  // Nine objects asked for and nine returned, whatever the database holds: nothing is given back.
  const page = `{ articles(first: 0) { ${Array.from({ length: 8 }, (_, i) => `p${i}: pageInfo { hasNextPage }`).join(' ')} } }`;
  const charged = await app.gql(page);
  expect(charged.json.extensions.cost).toMatchObject({ requestedQueryCost: 9, actualQueryCost: 9 });
  const limited = await app.gql(page);
  expectStatusOfItsCode(limited, 'RATE_LIMITED');
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
});

test('when a request outlives REQUEST_TIMEOUT_MS, then it is answered with the status of TIMEOUT, masked', async () => {
  // Hashing a password at this cost takes longer than the deadline; nothing else is slow.
  const slow = await createTestApp({ listen: true, env: { REQUEST_TIMEOUT_MS: '100', BCRYPT_ROUNDS: '13' } });
  const input = userInput();
  try {
    const res = await slow.gql(CREATE_USER, { variables: { input } });
    expect(res.json.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(res.status).toBe(httpStatusOf('TIMEOUT'));
  } finally {
    // The sign-up goes on after the answer; its database stays until it is done.
    for (let i = 0; i < 100 && !(await slow.deps.models.User.exists({ username: input.username })); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await slow.close();
  }
});
