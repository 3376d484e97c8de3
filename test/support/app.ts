import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createDeps } from '../../src/deps';
import { loadConfig, type Config } from '../../src/config';
import { createContext } from '../../src/context';
import { openDatabase } from '../../src/db';
import type { AppDeps } from '../../src/deps';
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

export interface ExecuteOptions {
  /** An access token (as sent in `Authorization: Token …`), or a raw Authorization header value. */
  as?: string | { token: string } | undefined;
  header?: string;
  variables?: Record<string, unknown>;
  clientAddress?: string;
}

export interface Executed<T = any> extends GraphQLResult<T> {
  /**
   * The MongoDB commands the operation sent, by query tag, as Atrium counts them; `wire` is what the driver
   * itself sent, by command name (getMore included), watched through its command monitoring.
   */
  commands: { total: number; byTag: Record<string, number>; wire: Record<string, number>; wireTotal: number };
  status: number;
  headers: Map<string, string>;
}

export interface TestApp {
  readonly deps: AppDeps;
  readonly config: Config;
  readonly server: AtriumServer;
  execute<T = any>(query: string, options?: ExecuteOptions): Promise<Executed<T>>;
  /** Starts the real HTTP server on an ephemeral port; returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real schema, services, loaders and context factory over a database of this test file's own (dropped
 * at the end). Configuration comes from the same loader production uses.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const uri = process.env['ATRIUM_TEST_MONGODB_URI'];
  if (!uri) throw new Error('ATRIUM_TEST_MONGODB_URI is not set: run the tests through jest');
  const config = loadConfig({
    NODE_ENV: 'test',
    BCRYPT_ROUNDS: '4',
    TOKEN_SECRET: randomBytes(48).toString('base64'),
    MONGODB_URI: uri,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    // The whole suite runs with either executor: `GRAPHQL_JIT=true npm test`.
    GRAPHQL_JIT: process.env['GRAPHQL_JIT'] ?? 'false',
    ...env,
  });
  const logger = createLogger(config);
  const db = await openDatabase(uri, `atrium_test_${randomUUID().replaceAll('-', '')}`, {
    maxTimeMS: config.requestTimeoutMs,
    monitorCommands: true,
  });
  const wire = new WeakMap<RequestDiagnostics, Map<string, number>>();
  db.connection.getClient().on('commandStarted', (event) => {
    const diagnostics = currentDiagnostics();
    if (!diagnostics) return;
    const counts = wire.get(diagnostics) ?? new Map<string, number>();
    counts.set(event.commandName, (counts.get(event.commandName) ?? 0) + 1);
    wire.set(diagnostics, counts);
  });
  const deps = await createDeps(config, logger, db);
  const server = await createServer(deps);
  let listening = false;

  return {
    deps,
    config,
    server,
    async execute<T>(query: string, options: ExecuteOptions = {}): Promise<Executed<T>> {
      const authorization =
        options.header ??
        (options.as ? `Token ${typeof options.as === 'string' ? options.as : options.as.token}` : undefined);
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
      const sent = Object.fromEntries(wire.get(diagnostics) ?? []);
      return {
        ...(response.body.singleResult as GraphQLResult<T>),
        commands: {
          total: mongoCommands,
          byTag,
          wire: sent,
          wireTotal: Object.values(sent).reduce((sum, n) => sum + n, 0),
        },
        status: response.http.status ?? 200,
        headers: new Map(response.http.headers),
      };
    },
    async listen() {
      await server.listen(0, '127.0.0.1');
      listening = true;
      const { port } = server.httpServer.address() as AddressInfo;
      return `http://127.0.0.1:${port}`;
    },
    async close() {
      if (listening) await server.stop();
      else await server.apollo.stop();
      await db.connection.dropDatabase();
      await db.close();
    },
  };
}
