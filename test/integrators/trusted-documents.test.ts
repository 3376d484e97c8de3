import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { grantRole, signUp } from '../support/fixtures';
import { createKey, REVOKE_API_KEY } from './keys';
import { createTestApp, requestLine, type TestApp } from '../support/harness';
import { parsePrometheusText, sampleValue } from '../support/prometheus';

/**
 * Trusted documents: a manifest in Apollo's persisted query list format, loaded from TRUSTED_DOCUMENTS_FILE
 * and checked at start. Callers send `documentId: "sha256:<id>"` or the persistedQuery extension without the
 * query; TRUSTED_DOCUMENTS_MODE=enforce refuses every other document except from admins and API keys.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Operation {
  id?: string;
  name: string;
  type: string;
  body: string;
}

const TAG_LIST = 'query TagList { tags }';
const VIEWER_ROLE = 'query ViewerRole { viewer { role } }';
const ARBITRARY = '{ tags }';

const operation = (name: string, body: string, type = 'query'): Operation => ({
  id: sha256(body),
  name,
  type,
  body,
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-trusted-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

function manifestFile(content: unknown): string {
  files += 1;
  const file = path.join(dir, `manifest-${files}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const manifest = (operations: Operation[]) => ({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations,
});

const GOOD = manifest([operation('TagList', TAG_LIST), operation('ViewerRole', VIEWER_ROLE)]);

function post(app: TestApp, body: Record<string, unknown>, token?: string) {
  return app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

const byId = (body: string) => ({ documentId: `sha256:${sha256(body)}` });
const byHash = (body: string) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } },
});

const NOT_ALLOWED = [
  {
    message: 'Only trusted documents may be sent: send a documentId from the trusted-documents manifest.',
    extensions: { code: 'PERSISTED_QUERY_NOT_ALLOWED' },
  },
];

describe('TRUSTED_DOCUMENTS_MODE=enforce', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      listen: true,
      env: {
        TRUSTED_DOCUMENTS_FILE: manifestFile(GOOD),
        TRUSTED_DOCUMENTS_MODE: 'enforce',
        METRICS_PORT: '0',
      },
    });
  });
  afterAll(() => app.close());

  test('when an anonymous caller sends a trusted document by documentId, by the extension alone or as its text, then it runs', async () => {
    for (const body of [byId(TAG_LIST), byHash(TAG_LIST), { query: TAG_LIST }]) {
      const res = await post(app, body);
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data).toEqual({ tags: expect.any(Array) });
    }
  });

  test('when a trusted document is sent by documentId in a GET, then it runs', async () => {
    const res = await app.request(
      `/graphql?${new URLSearchParams({ documentId: `sha256:${sha256(TAG_LIST)}` }).toString()}`,
      { headers: { 'apollo-require-preflight': 'true' } },
    );
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ tags: expect.any(Array) });
  });

  test('when an anonymous caller sends any other document, then 400 PERSISTED_QUERY_NOT_ALLOWED, before anything is read or validated', async () => {
    const arbitrary = await post(app, { query: ARBITRARY });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.json).toEqual({ errors: NOT_ALLOWED });
    expect(arbitrary.commands.wireTotal).toBe(0);

    // An invalid document is refused too, without validation errors that would describe the schema.
    const invalid = await post(app, { query: '{ noSuchField }' });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({ errors: NOT_ALLOWED });

    // A hash nobody listed: refused before the registered documents are read.
    const unknown = await post(app, byHash('{ tags tags }'));
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ errors: NOT_ALLOWED });
    expect(unknown.commands.wireTotal).toBe(0);
  });

  test('when a request holds no document, then Apollo answers it as usual: the landing page, a request without a query', async () => {
    const page = await app.request('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const empty = await post(app, { variables: {} });
    expect(empty.status).toBe(400);
    expect(empty.json.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test('when a signed-in user sends a document that is not trusted, then it is refused; a trusted one runs', async () => {
    const user = await signUp(app);
    const refused = await post(app, { query: ARBITRARY }, user.token);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ errors: NOT_ALLOWED });
    const trusted = await post(app, byId(VIEWER_ROLE), user.token);
    expect(trusted.json).toEqual({ data: { viewer: { role: 'user' } }, extensions: expect.anything() });
  });

  test('when an admin sends any document, then it runs; registered by APQ, its hash stays refused to others', async () => {
    const admin = await signUp(app);
    await grantRole(app, admin.id, 'admin');
    const res = await post(app, { query: ARBITRARY }, admin.token);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ tags: expect.any(Array) });

    const query = '{ viewer { role } }';
    const registered = await post(app, { query, ...byHash(query) }, admin.token);
    expect(registered.json.data).toEqual({ viewer: { role: 'admin' } });
    const registry = app.deps.db.connection.db!.collection('persisted_queries');
    for (let i = 0; i < 100 && !(await registry.findOne({ _id: sha256(query) as never })); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await registry.findOne({ _id: sha256(query) as never })).not.toBeNull();
    expect((await post(app, byHash(query), admin.token)).json.data).toEqual({ viewer: { role: 'admin' } });
    const anonymous = await post(app, byHash(query));
    expect(anonymous.status).toBe(400);
    expect(anonymous.json).toEqual({ errors: NOT_ALLOWED });
  });

  test('when a document is refused, then the request is logged and counted with PERSISTED_QUERY_NOT_ALLOWED', async () => {
    const scrape = async () => parsePrometheusText(await (await fetch(`${app.metricsUrl}/metrics`)).text());
    const labels = { type: 'unknown', operation: 'adhoc', outcome: 'PERSISTED_QUERY_NOT_ALLOWED' };
    const before = sampleValue(await scrape(), 'atrium_graphql_operations_total', labels);
    const res = await post(app, { query: ARBITRARY });
    const line = await requestLine(app, res.headers.get('x-request-id')!);
    expect(line).toMatchObject({
      status: 400,
      outcome: 'rejected',
      errorCodes: ['PERSISTED_QUERY_NOT_ALLOWED'],
    });
    expect(sampleValue(await scrape(), 'atrium_graphql_operations_total', labels) - before).toBe(1);
  });

  test('when an API key sends any document, then it runs; once the key is revoked, it is refused', async () => {
    const owner = await signUp(app);
    const key = await createKey(app, owner.token, ['READ']);
    const res = await post(app, { query: ARBITRARY }, key.secret);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ tags: expect.any(Array) });
    await app.execute(REVOKE_API_KEY, { as: owner.token, variables: { input: { id: key.id } } });
    const revoked = await post(app, { query: ARBITRARY }, key.secret);
    expect(revoked.status).toBe(400);
    expect(revoked.json).toEqual({ errors: NOT_ALLOWED });
  });

  test('when a documentId is not sha256:<64 hex digits>, or comes with a query, then 400 BAD_REQUEST explains it', async () => {
    for (const documentId of ['sha256:abc', sha256(TAG_LIST), `md5:${sha256(TAG_LIST)}`, 42]) {
      const res = await post(app, { documentId });
      expect(res.status).toBe(400);
      expect(res.json.errors).toEqual([
        {
          message: 'documentId must be "sha256:" followed by 64 lower-case hexadecimal digits.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ]);
    }
    const both = await post(app, { ...byId(TAG_LIST), query: TAG_LIST });
    expect(both.status).toBe(400);
    expect(both.json.errors[0]).toEqual({
      message: 'Send documentId alone, without a query or a persistedQuery extension.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});

describe('TRUSTED_DOCUMENTS_MODE=off with a manifest', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      listen: true,
      env: { TRUSTED_DOCUMENTS_FILE: manifestFile(GOOD), METRICS_PORT: '0' },
    });
  });
  afterAll(() => app.close());

  test('when anyone sends an arbitrary document, then it runs; trusted documents run by id', async () => {
    const arbitrary = await post(app, { query: ARBITRARY });
    expect(arbitrary.status).toBe(200);
    expect(arbitrary.json.data).toEqual({ tags: expect.any(Array) });
    const trusted = await post(app, byId(VIEWER_ROLE));
    expect(trusted.json.data).toEqual({ viewer: null });
  });

  test('when a documentId is in no manifest and was never registered, then PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await post(app, byId('query Unknown { tags }'));
    expect(res.status).toBe(200);
    expect(res.json.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ]);
  });

  test('when operations are counted, then a trusted document is labelled by its name and any other as adhoc', async () => {
    const scrape = async () => parsePrometheusText(await (await fetch(`${app.metricsUrl}/metrics`)).text());
    const operations = 'atrium_graphql_operations_total';
    const count = (families: Awaited<ReturnType<typeof scrape>>, name: string) =>
      sampleValue(families, operations, { type: 'query', operation: name, outcome: 'ok' });
    const before = await scrape();
    await post(app, byId(TAG_LIST));
    await post(app, { query: TAG_LIST });
    // Named like the trusted one, but not it: a client's choice of name is no label.
    await post(app, { query: 'query TagList { tags tagsAgain: tags }' });
    await post(app, { query: ARBITRARY });
    // The edge counts a request once its response is handed to the socket.
    let after = await scrape();
    for (let i = 0; i < 50 && count(after, 'adhoc') - count(before, 'adhoc') < 2; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      after = await scrape();
    }
    expect(count(after, 'TagList') - count(before, 'TagList')).toBe(2);
    expect(count(after, 'adhoc') - count(before, 'adhoc')).toBe(2);
  });
});

describe('a manifest that cannot be used', () => {
  test.each([
    ['is not JSON', () => manifestFile('{"format": "apollo-persisted-query-manifest", '), /is not JSON/],
    [
      'is not a persisted query list',
      () => manifestFile({ format: 'something-else', version: 1, operations: [] }),
      /is not a persisted query list/,
    ],
    [
      'has a document that does not parse',
      () => manifestFile(manifest([operation('Broken', 'query Broken { tags')])),
      /operation "Broken": does not parse/,
    ],
    [
      'has a document invalid against the schema',
      () =>
        manifestFile(manifest([operation('TagList', TAG_LIST), operation('Nope', 'query Nope { nope }')])),
      /operation "Nope": is not valid against the schema: Cannot query field "nope"/,
    ],
    [
      'has an id that is not the SHA-256 of its body',
      () => manifestFile(manifest([{ ...operation('TagList', TAG_LIST), id: sha256(VIEWER_ROLE) }])),
      /operation "TagList": id [0-9a-f]{64} is not the SHA-256 of its body/,
    ],
    [
      'names an operation its body lacks',
      () => manifestFile(manifest([operation('Other', TAG_LIST)])),
      /operation "Other": has no operation named Other/,
    ],
    [
      'gives the wrong type',
      () => manifestFile(manifest([operation('TagList', TAG_LIST, 'mutation')])),
      /operation "TagList": is a query, not a mutation/,
    ],
  ])('when it %s, then the start fails naming the problem', async (_what, file, message) => {
    await expect(createTestApp({ env: { TRUSTED_DOCUMENTS_FILE: file() } })).rejects.toThrow(message);
  });

  test('when a document costs more than MAX_QUERY_COST, then the start fails naming it and its cost', async () => {
    const body = 'query Pages { articles(first: 50) { nodes { title author { username } } } }';
    const file = manifestFile(manifest([operation('TagList', TAG_LIST), operation('Pages', body)]));
    await expect(
      createTestApp({ env: { TRUSTED_DOCUMENTS_FILE: file, MAX_QUERY_COST: '20' } }),
    ).rejects.toThrow(/operation "Pages": costs \d+ points; MAX_QUERY_COST is 20/);
  });

  test('when a document is over a document limit, then the start fails naming it', async () => {
    const file = manifestFile(manifest([operation('Deep', 'query Deep { viewer { user { username } } }')]));
    await expect(
      createTestApp({ env: { TRUSTED_DOCUMENTS_FILE: file, MAX_QUERY_DEPTH: '2' } }),
    ).rejects.toThrow(
      /operation "Deep": is not valid against the schema: Operation "Deep" is nested \d+ levels deep/,
    );
  });

  test('when the file does not exist, then the start fails naming it', async () => {
    const file = path.join(dir, 'missing.json');
    await expect(createTestApp({ env: { TRUSTED_DOCUMENTS_FILE: file } })).rejects.toThrow(
      `Trusted documents ${file}: cannot be read`,
    );
  });

  test('when enforce is asked for without a manifest, then the configuration is refused', () => {
    expect(() => loadConfig({ TRUSTED_DOCUMENTS_MODE: 'enforce' })).toThrow(
      'Invalid configuration: TRUSTED_DOCUMENTS_MODE enforce needs TRUSTED_DOCUMENTS_FILE',
    );
  });
});
