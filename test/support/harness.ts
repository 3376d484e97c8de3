import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { createDeps, type AppDeps } from '../../src/deps';
import { loadConfig, type Config } from '../../src/config';
import { createContext } from '../../src/context';
import { openDatabase } from '../../src/db';
import { createLogger } from '../../src/observability/logger';
import {
  currentDiagnostics,
  RequestDiagnostics,
  runWithDiagnostics,
} from '../../src/observability/diagnostics';
import { createServer, type AtriumServer } from '../../src/server';

export interface GraphQLResult<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  extensions?: Record<string, any>;
}

/** Who sends a request: an access token, or a signed-up user holding one. */
export type Caller = string | { token: string } | undefined;

/** One command as the driver sent it. */
export interface SentCommand {
  name: string;
  databaseName: string;
  command: Record<string, any>;
}

/** What the driver itself sent for one request, by command name (getMore included). */
export interface WireCommands {
  wire: Record<string, number>;
  wireTotal: number;
}

export interface ExecuteOptions {
  as?: Caller;
  /** A raw Authorization header value; wins over `as`. */
  header?: string;
  variables?: Record<string, unknown>;
  clientAddress?: string;
}

export interface Executed<T = any> extends GraphQLResult<T> {
  /** The MongoDB commands the operation sent, by query tag, as Atrium counts them, and as the driver sent them. */
  commands: { total: number; byTag: Record<string, number> } & WireCommands;
  /**
   * The commands themselves, in the order sent: to explain them, say (`explainDocsExamined`). Not enumerable:
   * tests serialise whole results to look for secrets, and the commands hold what was written.
   */
  readonly sent: SentCommand[];
  status: number;
  headers: Map<string, string>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  /** The commands sent under this response's request id (`x-request-id`) until it was answered. */
  commands: WireCommands;
  /** As `Executed.sent`. */
  readonly sent: SentCommand[];
}

export interface GqlOptions {
  as?: Caller;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  operationName?: string;
}

export type LogLine = Record<string, any>;

export interface TestAppOptions {
  /** Configuration on top of the test defaults (NODE_ENV=test, BCRYPT_ROUNDS=4, a fresh TOKEN_SECRET …). */
  env?: Record<string, string>;
  /** NODE_ENV=production, with rate limiting off; `env` still applies on top. */
  production?: boolean;
  /** MongoDB's limit for every command; REQUEST_TIMEOUT_MS by default. */
  maxTimeMS?: number;
  /** Starts the HTTP server on an ephemeral port before returning. */
  listen?: boolean;
  /**
   * Another instance on the same database, token secret and data encryption key, as two Atrium instances
   * behind one load balancer; the database is dropped by the app that made it.
   */
  sameDatabaseAs?: TestApp;
  /** A MongoDB of the test file's own (`startMongo`), for fault tests; the run's shared server by default. */
  uri?: string;
}

/** A fresh database name of the kind the harness makes. */
const testDatabaseName = (): string => `atrium_test_${randomUUID().replaceAll('-', '')}`;

export interface TestApp {
  readonly deps: AppDeps;
  readonly config: Config;
  readonly server: AtriumServer;
  /** Every line the app's logger wrote so far, parsed, oldest first. */
  readonly logs: LogLine[];
  /** Runs an operation in-process, through `executeOperation`, with the context production builds. */
  execute<T = any>(query: string, options?: ExecuteOptions): Promise<Executed<T>>;
  /** Starts the real HTTP server on an ephemeral port (once); returns its base URL. */
  listen(): Promise<string>;
  /** The base URL; only after `listen`. */
  readonly url: string;
  /** The metrics listener's base URL, started by `listen` when METRICS_PORT is set (0: a free port). */
  readonly metricsUrl: string;
  /** POSTs a GraphQL request as JSON to the listening server. */
  gql(query: string, options?: GqlOptions): Promise<HttpResult>;
  request(path: string, init?: RequestInit): Promise<HttpResult>;
  /** `db.collection` in this app's own database, for fail points that hit this app alone. */
  namespace(collection: string): string;
  close(): Promise<void>;
}

export const mongoUri = (): string => {
  const uri = process.env['ATRIUM_TEST_MONGODB_URI'];
  if (!uri) throw new Error('ATRIUM_TEST_MONGODB_URI is not set: run the tests through jest');
  return uri;
};

/** `uri` with a path (database) and query options added. */
export function withOptions(uri: string, options: Record<string, string>, dbName = ''): string {
  const url = new URL(uri);
  if (dbName) url.pathname = `/${dbName}`;
  for (const [key, value] of Object.entries(options)) url.searchParams.set(key, value);
  return url.toString();
}

const tokenOf = (as: Caller): string | undefined => (typeof as === 'object' ? as.token : as);

/**
 * The real schema, services, loaders, context factory and HTTP server over a database of this app's own
 * (dropped at close). Configuration comes from the loader production uses and the logger from the factory
 * production uses, writing into `logs`. Every command the driver sends is watched (`monitorCommands`) and
 * counted for the request it belongs to.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // A data directory of the app's own: mail written to files (no SMTP_URL) lands there, not in the repository.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    BCRYPT_ROUNDS: '4',
    TOKEN_SECRET: options.sameDatabaseAs?.config.tokenSecret ?? randomBytes(48).toString('base64'),
    DATA_ENCRYPTION_KEY:
      options.sameDatabaseAs?.config.dataEncryptionKeys?.map((key) => key.toString('base64')).join(',') ??
      randomBytes(32).toString('base64'),
    MONGODB_URI: options.uri ?? mongoUri(),
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'info',
    // The whole suite runs with either executor: `GRAPHQL_JIT=true npm test`.
    GRAPHQL_JIT: process.env['GRAPHQL_JIT'] ?? 'false',
    ...(options.production ? { NODE_ENV: 'production', RATE_LIMIT_ENABLED: 'false' } : {}),
    ...options.env,
  });
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      // TEST_LOG_LEVEL=debug npx jest … shows the lines as well.
      if (process.env['TEST_LOG_LEVEL']) process.stderr.write(chunk);
      callback();
    },
  });
  const logger = createLogger(config, destination);
  const dbName = options.sameDatabaseAs?.deps.db.connection.name ?? testDatabaseName();
  const db = await openDatabase(options.uri ?? mongoUri(), dbName, {
    maxTimeMS: options.maxTimeMS ?? config.requestTimeoutMs,
    monitorCommands: true,
  });
  // By request id: the in-process path and the HTTP edge both run a request inside its diagnostics scope.
  const wire = new Map<string, SentCommand[]>();
  db.connection.getClient().on('commandStarted', (event) => {
    const diagnostics = currentDiagnostics();
    if (!diagnostics) return;
    const sent = wire.get(diagnostics.requestId) ?? [];
    sent.push({ name: event.commandName, databaseName: event.databaseName, command: event.command });
    wire.set(diagnostics.requestId, sent);
  });
  const sentFor = (requestId: string | null): WireCommands & { sent: SentCommand[] } => {
    const sent = (requestId && wire.get(requestId)) || [];
    if (requestId) wire.delete(requestId);
    const counts: Record<string, number> = {};
    for (const { name } of sent) counts[name] = (counts[name] ?? 0) + 1;
    return { wire: counts, wireTotal: sent.length, sent };
  };
  const deps = await createDeps(config, logger, db);
  let server: AtriumServer;
  try {
    server = await createServer(deps);
  } catch (error) {
    // A start that fails (a bad trusted-documents manifest, say) leaves nothing behind.
    deps.mailer.close();
    await db.connection.dropDatabase();
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let url: string | undefined;
  let metricsUrl: string | undefined;
  const listeningUrl = (): string => {
    if (!url) throw new Error('the HTTP server is not listening: call listen() or pass { listen: true }');
    return url;
  };

  const request = async (path: string, init: RequestInit = {}): Promise<HttpResult> => {
    const response = await fetch(`${listeningUrl()}${path}`, init);
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const { sent, ...commands } = sentFor(response.headers.get('x-request-id'));
    return withSent({ status: response.status, headers: response.headers, text, json, commands }, sent);
  };

  const app: TestApp = {
    deps,
    config,
    server,
    logs,
    async execute<T>(query: string, options: ExecuteOptions = {}): Promise<Executed<T>> {
      const token = tokenOf(options.as);
      const authorization = options.header ?? (token ? `Token ${token}` : undefined);
      const diagnostics = new RequestDiagnostics();
      const response = await runWithDiagnostics(diagnostics, async () =>
        server.apollo.executeOperation(
          { query, variables: options.variables ?? {} },
          {
            contextValue: await createContext(deps, {
              authorization,
              clientAddress: options.clientAddress ?? '127.0.0.1',
              diagnostics,
            }),
          },
        ),
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not used');
      const { mongoCommands, byTag } = diagnostics.snapshot();
      const { sent, ...wire } = sentFor(diagnostics.requestId);
      return withSent(
        {
          ...(response.body.singleResult as GraphQLResult<T>),
          commands: { total: mongoCommands, byTag, ...wire },
          status: response.http.status ?? 200,
          headers: new Map(response.http.headers),
        },
        sent,
      );
    },
    async listen() {
      if (!url) {
        const port = await server.listen(0, '127.0.0.1');
        url = `http://127.0.0.1:${port}`;
        // As main.ts does: the metrics listener only when METRICS_PORT is set.
        if (config.metricsPort !== undefined) {
          metricsUrl = `http://127.0.0.1:${await server.listenMetrics(config.metricsPort, '127.0.0.1')}`;
        }
      }
      return url;
    },
    get url() {
      return listeningUrl();
    },
    get metricsUrl() {
      if (!metricsUrl) throw new Error('no metrics listener: set METRICS_PORT and call listen()');
      return metricsUrl;
    },
    gql(query, options = {}) {
      const token = tokenOf(options.as);
      return request('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Token ${token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({
          query,
          variables: options.variables ?? {},
          ...(options.operationName ? { operationName: options.operationName } : {}),
        }),
      });
    },
    request,
    namespace: (collection) => `${db.connection.name}.${collection}`,
    async close() {
      // Stops the HTTP server too when it listens (the drain plugin), after its requests finish; then the
      // metrics listener.
      await server.stop();
      await deps.events.stop();
      await deps.background.idle();
      deps.mailer.close();
      if (!options.sameDatabaseAs) await db.connection.dropDatabase();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.listen) await app.listen();
  return app;
}

/**
 * The one `request` line a request left in the log. The edge writes it when the response is handed to the
 * socket, which may come a moment after the client has read the response.
 */
export async function requestLine(app: TestApp, requestId: string): Promise<LogLine> {
  for (let i = 0; i < 50; i += 1) {
    const lines = app.logs.filter((l) => l['msg'] === 'request' && l['requestId'] === requestId);
    if (lines.length > 1) throw new Error(`${lines.length} request lines for ${requestId}`);
    if (lines[0]) return lines[0];
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no request line for ${requestId}`);
}

/** The collections whose contents an attack must not change (throttle and rate-limit counters may). */
export const DOMAIN_COLLECTIONS = [
  'users',
  'sessions',
  'articles',
  'comments',
  'favorites',
  'follows',
  'tags',
  'api_keys',
];

export async function countDocuments(deps: AppDeps): Promise<Record<string, number>> {
  const db = deps.db.connection.db!;
  const counts: Record<string, number> = {};
  for (const name of DOMAIN_COLLECTIONS) counts[name] = await db.collection(name).countDocuments({});
  return counts;
}

/**
 * Sets the failCommand fail point. Give it a `namespace` (an app's own database) so that other test files
 * running at the same time are not hit: under jest the driver's handshake carries empty client metadata, so
 * the fail point's `appName` filter cannot tell apps apart. A server has one failCommand fail point, and
 * setting it replaces another file's: on the shared server only test/http/faults.test.ts sets it; any other
 * file gives the `uri` of a server of its own.
 */
export async function failCommand(
  data: Record<string, unknown>,
  mode: 'alwaysOn' | 'off' | { times: number } = 'alwaysOn',
  uri: string = mongoUri(),
): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, { appName: 'atrium-test-admin' });
  try {
    await client.db('admin').command({ configureFailPoint: 'failCommand', mode, data });
  } finally {
    await client.close();
  }
}

export async function clearFailPoint(uri: string = mongoUri()): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, { appName: 'atrium-test-admin' });
  try {
    await client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
  } finally {
    await client.close();
  }
}

function withSent<T extends object>(result: T, sent: SentCommand[]): T & { readonly sent: SentCommand[] } {
  return Object.defineProperty(result, 'sent', { value: sent, enumerable: false }) as T & {
    readonly sent: SentCommand[];
  };
}

/** Fields of a sent command that belong to its session or transport, not to what it asks. */
const NOT_EXPLAINABLE = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'readConcern',
  'apiVersion',
]);

/** The documents MongoDB examines to answer these reads (`explain` with executionStats), by command. */
export async function explainDocsExamined(
  app: TestApp,
  sent: readonly SentCommand[],
): Promise<{ command: string; comment: string | undefined; docsExamined: number }[]> {
  const results = [];
  for (const { name, databaseName, command } of sent) {
    if (!['find', 'aggregate', 'count', 'distinct'].includes(name)) continue;
    const explainable = Object.fromEntries(
      Object.entries(command).filter(([key]) => !key.startsWith('$') && !NOT_EXPLAINABLE.has(key)),
    );
    const explained = await app.deps.db.connection
      .getClient()
      .db(databaseName)
      .command({ explain: explainable, verbosity: 'executionStats' });
    const comment: unknown = command['comment'];
    results.push({
      command: name,
      comment: typeof comment === 'string' ? comment : undefined,
      docsExamined: sumOf(explained, 'totalDocsExamined'),
    });
  }
  return results;
}

/** Every numeric `key` in a nested reply, added up (an aggregation reports one per stage that reads). */
function sumOf(value: unknown, key: string): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + sumOf(item, key), 0);
  if (value === null || typeof value !== 'object') return 0;
  let total = 0;
  for (const [k, v] of Object.entries(value)) total += k === key && typeof v === 'number' ? v : sumOf(v, key);
  return total;
}
