import { createHash } from 'node:crypto';
import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { clearFailPoint, createTestApp, failCommand, type TestApp } from '../support/harness';
import { startMongo } from '../support/mongo';

/**
 * Automatic persisted queries (Apollo's protocol): a client sends a document's SHA-256 alone, and the
 * document itself with it when the server answers PERSISTED_QUERY_NOT_FOUND. Registered documents are kept
 * in MongoDB, so every instance knows them.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const unique = () => `query Tags${Math.random().toString(36).slice(2, 10)} { tags }`;

function post(app: TestApp, body: Record<string, unknown>) {
  return app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function get(app: TestApp, params: Record<string, unknown>) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  // Apollo's CSRF prevention lets a GET through only with a header a simple request cannot carry.
  return app.request(`/graphql?${search.toString()}`, { headers: { 'apollo-require-preflight': 'true' } });
}

async function stored(app: TestApp, hash: string) {
  return app.deps.db.connection.db!.collection('persisted_queries').findOne({ _id: hash as never });
}

describe.each([false, true])('with GRAPHQL_JIT=%s', (jit) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ listen: true, env: { GRAPHQL_JIT: String(jit) } });
  });
  afterAll(() => app.close());

  test('when a hash nobody registered is sent alone, then the answer is 200 PERSISTED_QUERY_NOT_FOUND and nothing ran', async () => {
    const hash = sha256(unique());
    const res = await post(app, { extensions: persisted(hash) });
    expect(res.status).toBe(200);
    expect(res.json.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ]);
    expect(res.json.data).toBeUndefined();
    expect(await stored(app, hash)).toBeNull();
  });

  test('when the document is sent with its hash, then it runs and is registered; the hash alone then runs it, by POST and by GET', async () => {
    const query = unique();
    const hash = sha256(query);
    const registered = await post(app, { query, extensions: persisted(hash) });
    expect(registered.status).toBe(200);
    expect(registered.json.errors).toBeUndefined();
    expect(registered.json.data).toEqual({ tags: expect.any(Array) });

    // Apollo registers after answering the request's resolution; wait for the write.
    for (let i = 0; i < 100 && !(await stored(app, hash)); i += 1)
      await new Promise((r) => setTimeout(r, 20));
    const doc = await stored(app, hash);
    expect(doc).toMatchObject({ document: query });
    // Kept for PERSISTED_QUERY_TTL_SECONDS (a week by default) from now.
    const ttlMs = app.config.persistedQueryTtlSeconds * 1000;
    expect(doc!['expiresAt'].getTime()).toBeGreaterThan(Date.now() + ttlMs - 60_000);
    expect(doc!['expiresAt'].getTime()).toBeLessThanOrEqual(Date.now() + ttlMs);

    const byPost = await post(app, { extensions: persisted(hash) });
    expect(byPost.status).toBe(200);
    expect(byPost.json).toMatchObject({ data: registered.json.data });
    expect(byPost.json.errors).toBeUndefined();

    const byGet = await get(app, { extensions: persisted(hash) });
    expect(byGet.status).toBe(200);
    expect(byGet.json).toMatchObject({ data: registered.json.data });
    expect(byGet.json.errors).toBeUndefined();
  });

  test('when a GET registers a document, then the hash alone runs it afterwards', async () => {
    const query = unique();
    const hash = sha256(query);
    expect((await get(app, { extensions: persisted(hash) })).json.errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    const registered = await get(app, { query, extensions: persisted(hash) });
    expect(registered.status).toBe(200);
    expect(registered.json.data).toEqual({ tags: expect.any(Array) });
    for (let i = 0; i < 100 && !(await stored(app, hash)); i += 1)
      await new Promise((r) => setTimeout(r, 20));
    const again = await get(app, { extensions: persisted(hash) });
    expect(again.json).toMatchObject({ data: registered.json.data });
  });

  test('when the hash is not the SHA-256 of the query, then 400 BAD_REQUEST says so and nothing is registered', async () => {
    const query = unique();
    const wrong = sha256(`${query} `);
    const res = await post(app, { query, extensions: persisted(wrong) });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      {
        message: 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query.',
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(await stored(app, wrong)).toBeNull();
    const later = await post(app, { extensions: persisted(wrong) });
    expect(later.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('the persistedQuery extension', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ listen: true });
  });
  afterAll(() => app.close());

  test.each([
    [
      { persistedQuery: { version: 2, sha256Hash: sha256('{ tags }') } },
      'must be { version: 1, sha256Hash }',
    ],
    [{ persistedQuery: 'yes' }, 'must be { version: 1, sha256Hash }'],
    [{ persistedQuery: { version: 1, sha256Hash: 'abc' } }, 'sha256Hash must be 64 lower-case hexadecimal'],
    [
      { persistedQuery: { version: 1, sha256Hash: sha256('{ tags }').toUpperCase() } },
      'sha256Hash must be 64 lower-case hexadecimal',
    ],
  ])('when it is %j, then 400 BAD_REQUEST explains it', async (extensions, message) => {
    const res = await post(app, { extensions });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      { message: expect.stringContaining(message), extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  test('when a document over MAX_QUERY_TOKENS is sent with its hash, then it is refused as usual and not registered', async () => {
    const query = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: tags`).join(' ')} }`;
    const hash = sha256(query);
    const res = await post(app, { query, extensions: persisted(hash) });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(await stored(app, hash)).toBeNull();
  });

  test('when a document registered earlier has expired, then it is not found even before MongoDB deletes it', async () => {
    const query = unique();
    const hash = sha256(query);
    await app.deps.db.connection
      .db!.collection('persisted_queries')
      .insertOne({ _id: hash as never, document: query, expiresAt: new Date(Date.now() - 1000) });
    const res = await post(app, { extensions: persisted(hash) });
    expect(res.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('when the collection is built, then it has a TTL index on expiresAt', async () => {
    const indexes = await app.deps.db.connection.db!.collection('persisted_queries').indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 })]),
    );
  });
});

describe('a document over PERSISTED_QUERY_MAX_BYTES', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ listen: true, env: { PERSISTED_QUERY_MAX_BYTES: '256' } });
  });
  afterAll(() => app.close());

  test('when it is sent with its hash, then it runs but is not registered', async () => {
    const query = `query Long${'x'.repeat(300)} { tags }`;
    const hash = sha256(query);
    const res = await post(app, { query, extensions: persisted(hash) });
    expect(res.json.data).toEqual({ tags: expect.any(Array) });
    // A small one registered after it is there: the write of the long one would have come first.
    const small = unique();
    await post(app, { query: small, extensions: persisted(sha256(small)) });
    for (let i = 0; i < 100 && !(await stored(app, sha256(small))); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await stored(app, sha256(small))).not.toBeNull();
    expect(await stored(app, hash)).toBeNull();
    expect((await post(app, { extensions: persisted(hash) })).json.errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });
});

describe('two instances on one database', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await createTestApp({ listen: true });
    second = await createTestApp({ listen: true, sameDatabaseAs: first });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  test('when a document is registered on one, then its hash alone runs it on the other', async () => {
    const query = unique();
    const hash = sha256(query);
    expect((await post(second, { extensions: persisted(hash) })).json.errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    const registered = await post(first, { query, extensions: persisted(hash) });
    expect(registered.json.errors).toBeUndefined();
    for (let i = 0; i < 100 && !(await stored(second, hash)); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await post(second, { extensions: persisted(hash) });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data).toEqual(registered.json.data);
  });
});

describe('when reading the registered documents fails', () => {
  let mongod: MongoMemoryReplSet;
  let app: TestApp;
  beforeAll(async () => {
    mongod = await startMongo();
    app = await createTestApp({ listen: true, uri: mongod.getUri() });
  });
  afterAll(async () => {
    await app.close();
    await mongod.stop();
  });

  test('then the hash is answered as not found, no detail of the failure reaches the client, the failure is logged, and sending the document still runs it', async () => {
    const query = unique();
    const hash = sha256(query);
    await failCommand({ failCommands: ['find'], errorCode: 2 }, { times: 1 }, mongod.getUri());
    try {
      const res = await post(app, { extensions: persisted(hash) });
      expect(res.status).toBe(200);
      expect(res.json.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
      ]);
      expect(res.text).not.toMatch(/fail|BadValue/i);
      expect(app.logs).toContainEqual(
        expect.objectContaining({
          msg: 'persisted query read failed; answered as not found',
          err: expect.objectContaining({ codeName: 'BadValue' }),
        }),
      );
    } finally {
      await clearFailPoint(mongod.getUri());
    }
    const retried = await post(app, { query, extensions: persisted(hash) });
    expect(retried.status).toBe(200);
    expect(retried.json.data).toEqual({ tags: expect.any(Array) });
  });
});
