import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import pino from 'pino';
import { createDeps } from '../../src/deps';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase } from '../../src/db';
import type { AppDeps } from '../../src/deps';
import { createServer, type AtriumServer } from '../../src/server';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface HttpApp {
  readonly deps: AppDeps;
  readonly config: Config;
  readonly server: AtriumServer;
  readonly url: string;
  /** `db.collection` of this app's own database, for fail points that hit this app alone. */
  namespace(collection: string): string;
  /** Log lines written so far, parsed. */
  readonly logs: Record<string, any>[];
  /** POSTs a GraphQL request as JSON. */
  gql(query: string, options?: GqlOptions): Promise<HttpResult>;
  request(path: string, init?: RequestInit): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface GqlOptions {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
  operationName?: string;
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

/**
 * The real server on an ephemeral port over a database of its own, with its log lines captured and its own
 * driver appName, so that fail points can target this app without touching other test files.
 */
export async function startHttpApp(
  env: Record<string, string> = {},
  options: { maxTimeMS?: number } = {},
): Promise<HttpApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    BCRYPT_ROUNDS: '4',
    TOKEN_SECRET: randomBytes(48).toString('base64'),
    MONGODB_URI: mongoUri(),
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ level: config.logLevel, base: { service: 'atrium' } }, destination);
  const db = await openDatabase(mongoUri(), `atrium_test_${randomUUID().replaceAll('-', '')}`, {
    maxTimeMS: options.maxTimeMS ?? config.requestTimeoutMs,
    // Fault tests watch the commands the driver sends.
    monitorCommands: true,
  });
  const deps = await createDeps(config, logger, db);
  const server = await createServer(deps);
  await server.listen(0, '127.0.0.1');
  const { port } = server.httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const request = async (path: string, init: RequestInit = {}): Promise<HttpResult> => {
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  return {
    deps,
    config,
    server,
    url,
    namespace: (collection) => `${db.connection.name}.${collection}`,
    logs,
    request,
    gql(query, options = {}) {
      return request('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Token ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({
          query,
          variables: options.variables ?? {},
          ...(options.operationName ? { operationName: options.operationName } : {}),
        }),
      });
    },
    async close() {
      await server.stop();
      await db.connection.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}

/** The collections whose contents an attack must not change (throttle and rate-limit counters may). */
export const DOMAIN_COLLECTIONS = ['users', 'sessions', 'articles', 'comments', 'favorites', 'follows'];

export async function countDocuments(deps: AppDeps): Promise<Record<string, number>> {
  const db = deps.db.connection.db!;
  const counts: Record<string, number> = {};
  for (const name of DOMAIN_COLLECTIONS) counts[name] = await db.collection(name).countDocuments({});
  return counts;
}

/**
 * Sets the failCommand fail point. Give it a `namespace` (an app's own database) so that other test files
 * running at the same time are not hit: under jest the driver's handshake carries empty client metadata, so
 * the fail point's `appName` filter cannot tell apps apart.
 */
export async function failCommand(
  data: Record<string, unknown>,
  mode: 'alwaysOn' | 'off' | { times: number } = 'alwaysOn',
): Promise<void> {
  const client = new mongoose.mongo.MongoClient(mongoUri(), { appName: 'atrium-test-admin' });
  try {
    await client.db('admin').command({
      configureFailPoint: 'failCommand',
      mode,
      data,
    });
  } finally {
    await client.close();
  }
}

export async function clearFailPoint(): Promise<void> {
  const client = new mongoose.mongo.MongoClient(mongoUri(), { appName: 'atrium-test-admin' });
  try {
    await client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
  } finally {
    await client.close();
  }
}

export function signUpInput(prefix = 'u') {
  const name = `${prefix}${randomBytes(5).toString('hex')}`;
  return { username: name, email: `${name}@example.com`, password: 'correct horse battery' };
}

export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id username } token refreshToken errors { message path } }
}`;

/** Signs up over HTTP; returns the new user's id, token and credentials. */
export async function httpSignUp(app: HttpApp, prefix = 'u') {
  const input = signUpInput(prefix);
  const result = await app.gql(CREATE_USER, { variables: { input } });
  const payload = result.json?.data?.createUser;
  if (!payload?.user) throw new Error(`sign-up failed: ${result.text}`);
  return {
    ...input,
    id: payload.user.id as string,
    token: payload.token as string,
    refreshToken: payload.refreshToken as string,
  };
}
