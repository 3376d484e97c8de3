import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import mongoose from 'mongoose';
import { buildEntryPoint, removeBuild } from '../support/build';
import { mongoUri, withOptions } from '../support/harness';
import { startMongo } from '../support/mongo';
import { startAtriumProcess, type AtriumProcess, type LogLine } from '../support/process';

/**
 * The process as `npm start` runs it, stopped by signals. Tests that stop MongoDB, or hold its replies
 * with a fail point, start a MongoDB of their own: they decide when it goes away.
 */

let main: string;
beforeAll(async () => {
  main = await buildEntryPoint();
}, 120_000);
afterAll(() => removeBuild(main));

type Atrium = AtriumProcess;

const startAtrium = (env: Record<string, string>): Promise<Atrium> => startAtriumProcess([main], env);

async function holdReplies(mongod: MongoMemoryReplSet, data: Record<string, unknown>): Promise<void> {
  const admin = new mongoose.mongo.MongoClient(mongod.getUri());
  try {
    await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data });
  } finally {
    await admin.close();
  }
}

/** The server's count of `name` commands received, from serverStatus (a held command is counted as it arrives). */
async function commandsReceived(mongod: MongoMemoryReplSet, name: string): Promise<number> {
  const admin = new mongoose.mongo.MongoClient(mongod.getUri());
  try {
    const status = await admin.db('admin').command({ serverStatus: 1 });
    return Number(status['metrics']?.['commands']?.[name]?.['total'] ?? 0);
  } finally {
    await admin.close();
  }
}

/** Resolves once MongoDB has received more `name` commands than `before`: the request is in flight, held. */
async function untilReceived(mongod: MongoMemoryReplSet, name: string, before: number): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if ((await commandsReceived(mongod, name)) > before) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`MongoDB never received the ${name}`);
}

const databaseOf = (mongod: MongoMemoryReplSet) =>
  withOptions(mongod.getUri(), {}, `atrium_shutdown_${randomUUID().replaceAll('-', '')}`);

const gql = (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });

const SIGN_UP =
  'mutation($input: CreateUserInput!) { createUser(input: $input) { token user { username } } }';
const SIGN_IN =
  'mutation($input: SignInUserInput!) { signInUser(input: $input) { token errors { message } } }';
const PUBLISH =
  'mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } errors { message } } }';
const ADD_COMMENT =
  'mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } errors { message } } }';

const newUser = () => {
  const name = `u${randomBytes(5).toString('hex')}`;
  return { username: name, email: `${name}@example.com`, password: 'correct horse battery' };
};

/** A user with an article, ready to be commented on. */
async function authorWithArticle(url: string): Promise<{ token: string; articleId: string }> {
  const signedUp = (await (await gql(url, SIGN_UP, { input: newUser() })).json()) as any;
  const token = signedUp.data.createUser.token as string;
  const input = { title: `T ${randomUUID()}`, description: 'd', body: 'b', tagList: [] };
  const published = (await (await gql(url, PUBLISH, { input }, token)).json()) as any;
  return { token, articleId: published.data.createArticle.article.id as string };
}

const messages = (lines: LogLine[]) => lines.map((line) => line['msg']);

test('when SIGTERM arrives during a request, then the request completes and the process exits 0', async () => {
  const atrium = await startAtrium({
    MONGODB_URI: withOptions(mongoUri(), {}, `atrium_shutdown_${randomUUID().replaceAll('-', '')}`),
    SHUTDOWN_TIMEOUT_MS: '10000',
    // A slow password hash makes a sign-up take about a second: long enough to be in flight.
    BCRYPT_ROUNDS: '13',
  });
  const user = newUser();
  const inFlight = gql(atrium.url, SIGN_UP, { input: user });
  await new Promise((r) => setTimeout(r, 150));
  atrium.child.kill('SIGTERM');

  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({
    data: { createUser: { user: { username: user.username } } },
  });
  expect(await atrium.exited).toBe(0);
  // The request was still running when the signal came: the process logged the signal before the request's
  // line, and stopped after it.
  const order = ['shutting down: finishing in-flight requests', 'request /graphql', 'stopped'];
  const events = atrium.lines.map((line) =>
    line['msg'] === 'request' ? `request ${String(line['path'])}` : line['msg'],
  );
  expect(events.filter((event) => order.includes(event as string))).toEqual(order);
  // After the signal, new connections are refused.
  await expect(fetch(`${atrium.url}/health/live`)).rejects.toThrow();
}, 30_000);

test('when a client keeps an idle connection open and never closes its end, then the shutdown ends it at once and exits 0 within the bound', async () => {
  const SHUTDOWN_TIMEOUT_MS = 2_000;
  const atrium = await startAtrium({
    MONGODB_URI: withOptions(mongoUri(), {}, `atrium_shutdown_${randomUUID().replaceAll('-', '')}`),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const { port } = new URL(atrium.url);
  // allowHalfOpen: this client ignores the server's end of the connection and keeps its own open.
  const socket = net.connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
  try {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    for (let i = 0; i < 100 && !received.includes('\r\n\r\n'); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).not.toMatch(/connection: close/i);

    const signalled = Date.now();
    atrium.child.kill('SIGTERM');
    await ended;
    expect(await atrium.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    expect(messages(atrium.lines)).toContain('stopped');
  } finally {
    socket.destroy();
  }
}, 30_000);

describe('with a MongoDB of its own', () => {
  let mongod: MongoMemoryReplSet;
  beforeEach(async () => {
    mongod = await startMongo();
  });
  afterEach(async () => {
    await mongod.stop();
  });

  test('when a second signal comes while a request holds the shutdown, then the process exits 1 at once, without the request', async () => {
    const atrium = await startAtrium({ MONGODB_URI: databaseOf(mongod), SHUTDOWN_TIMEOUT_MS: '60000' });
    await holdReplies(mongod, { failCommands: ['insert'], blockConnection: true, blockTimeMS: 20_000 });
    const inserts = await commandsReceived(mongod, 'insert');
    const inFlight = gql(atrium.url, SIGN_UP, { input: newUser() }).then(
      () => 'answered',
      () => 'no answer',
    );
    await untilReceived(mongod, 'insert', inserts);
    atrium.child.kill('SIGTERM');
    await atrium.logged('shutting down: finishing in-flight requests');
    atrium.child.kill('SIGINT');

    expect(await atrium.exited).toBe(1);
    // The process did not wait for the request it was holding: its client never got an answer.
    expect(await inFlight).toBe('no answer');
    expect(atrium.lines).toContainEqual(
      expect.objectContaining({
        msg: 'shutdown interrupted by a second signal: exiting now',
        signal: 'SIGINT',
      }),
    );
    expect(messages(atrium.lines)).not.toContain('stopped');
  }, 30_000);

  test('when MongoDB has stopped while a comment was being written, then SIGTERM ends the process within the bound, exit 1, naming the database close', async () => {
    const SHUTDOWN_TIMEOUT_MS = 2_000;
    const atrium = await startAtrium({
      MONGODB_URI: databaseOf(mongod),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    const { token, articleId } = await authorWithArticle(atrium.url);
    await holdReplies(mongod, { failCommands: ['insert'], blockConnection: true, blockTimeMS: 30_000 });
    const inserts = await commandsReceived(mongod, 'insert');
    const commenting = gql(atrium.url, ADD_COMMENT, { input: { articleId, body: 'lost' } }, token).catch(
      (error: Error) => error,
    );
    await untilReceived(mongod, 'insert', inserts);
    await mongod.stop();

    const signalled = Date.now();
    atrium.child.kill('SIGTERM');
    expect(await atrium.exited).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    const timedOut = atrium.lines.filter((line) => line['msg'] === 'shutdown timed out');
    expect(timedOut).toEqual([
      // The database close, and the step after it, which never started.
      expect.objectContaining({ pending: ['database', 'traces'], timeoutMs: SHUTDOWN_TIMEOUT_MS }),
    ]);
    await commenting;
  }, 60_000);

  test('when SIGTERM and the stop of MongoDB come at the same moment during varied traffic, then the process ends within the bound', async () => {
    const SHUTDOWN_TIMEOUT_MS = 3_000;
    const atrium = await startAtrium({
      MONGODB_URI: databaseOf(mongod),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      SIGNIN_MAX_FAILURES: '3',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_STORE: 'mongodb',
    });
    const { token, articleId } = await authorWithArticle(atrium.url);
    let stopping = false;
    const swallow = () => undefined;
    // Comment writes (transactions) and reads, back to back until the process goes.
    const writers = Array.from({ length: 3 }, async () => {
      for (let i = 0; !stopping; i += 1) {
        const sent = await gql(atrium.url, ADD_COMMENT, { input: { articleId, body: `c${i}` } }, token).catch(
          swallow,
        );
        if (!sent) return;
        await sent.arrayBuffer();
      }
    });
    const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
      fetch(`${atrium.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then((response) => response.arrayBuffer(), swallow);
    const victim = newUser();
    const varied = [
      ...Array.from({ length: 5 }, () => gql(atrium.url, SIGN_UP, { input: newUser() }).catch(swallow)),
      // Failures until throttled.
      ...Array.from({ length: 6 }, () =>
        gql(atrium.url, SIGN_IN, { input: { email: victim.email, password: 'wrong password' } }).catch(
          swallow,
        ),
      ),
      post('{"query": "{ tags '),
      post(JSON.stringify({ query: '{ tags }', pad: 'x'.repeat(600 * 1024) })),
      post(gzipSync(JSON.stringify({ query: '{ tags }', pad: ' '.repeat(2_000_000) })), {
        'content-encoding': 'gzip',
      }),
      post(JSON.stringify({ query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: tags`).join(' ')} }` })),
      post(JSON.stringify({ query: '{ viewer { role } }' }), {
        authorization: 'Token eyJhbGciOiJIUzI1NiJ9.e30.forged',
      }),
    ];
    await Promise.all(varied);

    const signalled = Date.now();
    atrium.child.kill('SIGTERM');
    await mongod.stop();
    const code = await atrium.exited;
    stopping = true;
    await Promise.all(writers);
    expect(Date.now() - signalled).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    // Whether the driver finished its cleanup before MongoDB went is the race; the process says which.
    const ending = atrium.lines.filter((line) =>
      ['stopped', 'shutdown timed out'].includes(line['msg'] as string),
    );
    expect(ending).toHaveLength(1);
    expect(code).toBe(ending[0]!['msg'] === 'stopped' ? 0 : 1);
  }, 60_000);
});
