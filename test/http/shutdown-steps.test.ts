import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db';
import { createDeps, type AppDeps } from '../../src/deps';
import { createLogger, type Logger } from '../../src/observability/logger';
import { MongoBucketStore } from '../../src/rate-limit/mongo-store';
import { createServer, type AtriumServer } from '../../src/server';
import {
  requestGracePeriodMs,
  runShutdown,
  stopOnSignals,
  type ShutdownOutcome,
  type ShutdownStep,
} from '../../src/shutdown';
import { CREATE_USER, SIGN_IN, userInput } from '../support/fixtures';
import { CREATE_ARTICLE, articleInput } from '../support/content';
import { startMongo } from '../support/mongo';

/**
 * The shutdown main.ts runs: its steps one after the other under one deadline, and the signals that start
 * and cut it short. First with stand-in steps, then with the real server and database over a MongoDB of
 * this file's own, which each test stops at the moment it is about: before the requests have drained,
 * while they drain, or while the connection closes.
 */

type LogLine = Record<string, any>;

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: createLogger({ logLevel: 'info' }, destination), lines };
}

const never = () => new Promise<void>(() => {});
const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('the sequence', () => {
  test('when every step ends, then they run in order and nothing is failed or pending', async () => {
    const ran: string[] = [];
    const step = (name: string): ShutdownStep => ({ name, run: async () => void ran.push(name) });
    const outcome = await runShutdown([step('requests'), step('database')], 60_000);
    expect(ran).toEqual(['requests', 'database']);
    expect(outcome).toEqual({ failed: [], pending: [] });
  });

  test('when a step fails, then the steps after it still run and the outcome names the failure', async () => {
    const ran: string[] = [];
    const error = new Error('apollo would not stop');
    const outcome = await runShutdown(
      [
        { name: 'requests', run: () => Promise.reject(error) },
        { name: 'database', run: async () => void ran.push('database') },
      ],
      60_000,
    );
    expect(ran).toEqual(['database']);
    expect(outcome).toEqual({ failed: [{ step: 'requests', error }], pending: [] });
  });

  test('when a step never ends, then the outcome comes by the deadline naming it and the steps after it, which never start', async () => {
    const timeoutMs = 100;
    let laterRan = false;
    const started = Date.now();
    const outcome = await runShutdown(
      [
        { name: 'requests', run: async () => {} },
        { name: 'database', run: never },
        { name: 'metrics', run: async () => void (laterRan = true) },
      ],
      timeoutMs,
    );
    expect(Date.now() - started).toBeLessThan(10 * timeoutMs);
    expect(outcome).toEqual({ failed: [], pending: ['database', 'metrics'] });
    await new Promise((r) => setTimeout(r, 2 * timeoutMs));
    expect(laterRan).toBe(false);
  });

  test('when the steps have ended, then the deadline timer is gone and holds nothing open', async () => {
    const before = timeouts();
    await runShutdown([{ name: 'requests', run: async () => {} }], 600_000);
    expect(timeouts()).toBe(before);
  });

  test('when nearly all the time goes to requests, then closing MongoDB still has a share of its own', () => {
    for (const timeoutMs of [0, 1_000, 3_000, 10_000, 600_000]) {
      const grace = requestGracePeriodMs(timeoutMs);
      expect(grace).toBeGreaterThanOrEqual(0);
      expect(timeoutMs - grace).toBeGreaterThanOrEqual(Math.min(timeoutMs / 4, 2_000));
    }
  });
});

describe('the signals', () => {
  function start(steps: ShutdownStep[], timeoutMs = 60_000) {
    const signals = new EventEmitter();
    const { logger, lines } = capturingLogger();
    const exits: number[] = [];
    let exited: (code: number) => void = () => {};
    const exit = new Promise<number>((resolve) => (exited = resolve));
    stopOnSignals(signals, {
      steps,
      timeoutMs,
      logger,
      exit: (code) => {
        exits.push(code);
        exited(code);
      },
    });
    return { signals, lines, exits, exit };
  }
  const messages = (lines: LogLine[]) => lines.map((line) => line['msg']);

  test('when the steps end after a signal, then it logs the signal, then stopped, and exits 0', async () => {
    const { signals, lines, exit } = start([{ name: 'requests', run: async () => {} }]);
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(messages(lines)).toEqual(['shutting down: finishing in-flight requests', 'stopped']);
    expect(lines[0]).toMatchObject({ signal: 'SIGTERM' });
  });

  test('when a step does not end in time, then one line names what is pending and it exits 1', async () => {
    const { signals, lines, exit } = start(
      [
        { name: 'requests', run: async () => {} },
        { name: 'database', run: never },
      ],
      100,
    );
    signals.emit('SIGINT');
    expect(await exit).toBe(1);
    const timedOut = lines.filter((line) => line['msg'] === 'shutdown timed out');
    expect(timedOut).toEqual([expect.objectContaining({ pending: ['database'], timeoutMs: 100 })]);
    expect(messages(lines)).not.toContain('stopped');
  });

  test('when a step fails, then the failure is logged with its step and it exits 1', async () => {
    const { signals, lines, exit } = start([
      { name: 'requests', run: () => Promise.reject(new Error('apollo would not stop')) },
      { name: 'database', run: async () => {} },
    ]);
    signals.emit('SIGTERM');
    expect(await exit).toBe(1);
    expect(lines.find((line) => line['msg'] === 'shutdown step failed')).toMatchObject({
      step: 'requests',
      err: { message: 'apollo would not stop' },
    });
    expect(lines.find((line) => line['msg'] === 'shutdown failed')).toMatchObject({ failed: ['requests'] });
  });

  test('when a second signal comes during the shutdown, then it exits 1 at once and says why', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { signals, lines, exits, exit } = start([{ name: 'requests', run: () => held }]);
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(await exit).toBe(1);
    expect(exits).toEqual([1]);
    release();
    expect(
      lines.find((line) => line['msg'] === 'shutdown interrupted by a second signal: exiting now'),
    ).toMatchObject({ signal: 'SIGINT' });
  });
});

describe('with the real server and a MongoDB that goes away', () => {
  const SHUTDOWN_TIMEOUT_MS = 2_000;
  // Server selection waits as long as a request may run (min(5 s, REQUEST_TIMEOUT_MS)): longer than the
  // whole shutdown, so that a step waiting for a server cannot end within the bound by luck.
  const REQUEST_TIMEOUT_MS = 5_000;

  let mongod: MongoMemoryReplSet;
  let db: Database;
  let deps: AppDeps;
  let server: AtriumServer;
  let url: string;
  let sent: string[];

  beforeEach(async () => {
    mongod = await startMongo();
    const config = loadConfig({
      NODE_ENV: 'test',
      BCRYPT_ROUNDS: '4',
      TOKEN_SECRET: randomBytes(48).toString('base64'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MONGODB_URI: mongod.getUri(),
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      GRAPHQL_JIT: process.env['GRAPHQL_JIT'] ?? 'false',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    db = await openDatabase(mongod.getUri(), `atrium_shutdown_${randomUUID().replaceAll('-', '')}`, {
      maxTimeMS: config.requestTimeoutMs,
      monitorCommands: true,
    });
    sent = [];
    db.connection.getClient().on('commandStarted', (event) => {
      const collection = (event.command as Record<string, unknown>)[event.commandName];
      sent.push(`${event.commandName} ${String(collection)}`);
    });
    deps = await createDeps(config, capturingLogger().logger, db);
    server = await createServer(deps);
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/graphql`;
  });

  afterEach(async () => {
    // The driver may still be closing in the background after a timed-out shutdown; `close` is the same
    // promise, so this waits for it rather than starting another.
    await server.stop();
    await db.close();
    await mongod.stop();
  }, 60_000);

  const steps = (): ShutdownStep[] => [
    { name: 'requests', run: () => server.stop() },
    { name: 'database', run: () => db.close() },
  ];

  const post = (query: string, variables: Record<string, unknown>, token?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as any }),
      (error: Error) => ({ status: 0, body: error.message }),
    );

  async function configureFailPoint(data: Record<string, unknown>): Promise<void> {
    const admin = new mongoose.mongo.MongoClient(mongod.getUri());
    try {
      await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data });
    } finally {
      await admin.close();
    }
  }

  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      if (condition()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /**
   * Puts work of every kind in flight against MongoDB, held there by a fail point that delays the replies
   * by `blockMs`: a comment's transaction (its insert), a sign-in's throttle write, and a rate-limit refund
   * that nobody awaits. Resolves once the driver has sent all three, with the two requests' responses.
   */
  async function workInFlight(blockMs: number) {
    const author = userInput();
    const signedUp = await post(CREATE_USER, { input: author });
    const token = signedUp.body.data.createUser.token as string;
    const published = await post(CREATE_ARTICLE, { input: articleInput() }, token);
    const articleId = published.body.data.createArticle.article.id as string;

    await configureFailPoint({
      failCommands: ['insert', 'findAndModify', 'update'],
      blockConnection: true,
      blockTimeMS: blockMs,
    });
    sent.length = 0;
    const commentAdded = post(
      'mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id body } errors { message } } }',
      { input: { articleId, body: 'still being written' } },
      token,
    );
    const signedIn = post(SIGN_IN, { input: { email: author.email, password: author.password } });
    const store = new MongoBucketStore(db.connection, { maxPoints: 1000, restoreRate: 50 });
    const refunded = store.refund(`address:${randomUUID()}`, 5, Date.now()).then(
      () => 'refunded',
      () => 'refund failed',
    );
    await until(
      () =>
        sent.includes('insert comments') &&
        sent.includes('findAndModify throttles') &&
        sent.includes('update rate_limits'),
      'the comment, throttle and rate-limit writes to be sent',
    );
    return { commentAdded, signedIn, refunded };
  }

  async function timed(run: () => Promise<ShutdownOutcome>) {
    const started = Date.now();
    const outcome = await run();
    return { outcome, elapsed: Date.now() - started };
  }

  test('when MongoDB answers, then in-flight work completes and the shutdown ends with nothing pending', async () => {
    const work = await workInFlight(300);
    const { outcome } = await timed(() => runShutdown(steps(), SHUTDOWN_TIMEOUT_MS));
    expect(outcome).toEqual({ failed: [], pending: [] });
    expect(await work.commentAdded).toMatchObject({
      status: 200,
      body: { data: { addComment: { comment: { body: 'still being written' }, errors: [] } } },
    });
    expect(await work.signedIn).toMatchObject({
      status: 200,
      body: { data: { signInUser: { errors: [] } } },
    });
    expect(await work.refunded).toBe('refunded');
  });

  test('when MongoDB is gone before the shutdown, with work in flight, then it ends within the bound naming the database close', async () => {
    await workInFlight(30_000);
    await mongod.stop();
    const { outcome, elapsed } = await timed(() => runShutdown(steps(), SHUTDOWN_TIMEOUT_MS));
    expect(elapsed).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    // The transaction still open when the connection closes is aborted first, and that waits for a server.
    expect(outcome).toEqual({ failed: [], pending: ['database'] });
  });

  test('when MongoDB goes away while requests drain, with work in flight, then it ends within the bound naming the database close', async () => {
    await workInFlight(30_000);
    const shutdown = timed(() => runShutdown(steps(), SHUTDOWN_TIMEOUT_MS));
    // Well inside the requests' grace period, which the blocked requests use up.
    await mongod.stop();
    const { outcome, elapsed } = await shutdown;
    expect(elapsed).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    expect(outcome).toEqual({ failed: [], pending: ['database'] });
  });

  test('when MongoDB goes away while the connection closes, with work in flight, then it ends within the bound', async () => {
    await workInFlight(30_000);
    const [requests, database] = steps() as [ShutdownStep, ShutdownStep];
    const { outcome, elapsed } = await timed(() =>
      runShutdown(
        [
          requests,
          {
            name: database.name,
            run: async () => {
              const closing = database.run();
              await mongod.stop();
              await closing;
            },
          },
        ],
        SHUTDOWN_TIMEOUT_MS,
      ),
    );
    expect(elapsed).toBeLessThan(10 * SHUTDOWN_TIMEOUT_MS);
    // Whether the driver's cleanup got its answers before MongoDB went is a race; either way the requests
    // are done and nothing but the close can be left.
    expect(outcome.failed).toEqual([]);
    expect(['', 'database']).toContain(outcome.pending.join());
  });

  test('when MongoDB is gone and the connection has noticed, with nothing in flight, then it closes at once', async () => {
    await mongod.stop();
    // mongoose says disconnected once the driver's monitor has found no primary.
    await until(() => db.connection.readyState === mongoose.ConnectionStates.disconnected, 'the monitor');
    const { outcome } = await timed(() => runShutdown(steps(), SHUTDOWN_TIMEOUT_MS));
    expect(outcome).toEqual({ failed: [], pending: [] });
  });
});
