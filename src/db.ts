import fs from 'node:fs/promises';
import path from 'node:path';
import mongoose, {
  type Aggregate,
  type ClientSession,
  type Connection,
  type Query,
  type Schema,
} from 'mongoose';
import type { Config } from './config';
import type { Logger } from './observability/logger';
import { createModels, ensureIndexes, type Models } from './models';
import {
  currentDiagnostics,
  diagnosticsPlugin,
  QUERY_OPERATIONS,
  trackCommand,
} from './observability/diagnostics';

export interface Database {
  readonly connection: Connection;
  readonly models: Models;
  /** Where the data is, for people: the embedded data folder, or the URI without its credentials. */
  readonly location: string;
  /** True while MongoDB answers a ping. */
  ping(): Promise<boolean>;
  /**
   * Runs `work` as one transaction: every operation in it must be given `session`. Transient errors
   * (write conflicts, a failover, an unknown commit result) retry the whole unit, so `work` must not change
   * anything outside the database before it returns.
   */
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  /**
   * Closes the connection (and stops the embedded MongoDB). The driver first aborts the transactions still
   * open, kills open cursors and ends the server sessions, each a round trip that waits up to
   * serverSelectionTimeoutMS for a server when MongoDB is gone; the caller bounds the wait. Once only: a
   * second call returns the first call's promise.
   */
  close(): Promise<void>;
}

interface EmbeddedServer {
  readonly uri: string;
  stop(): Promise<void>;
}

// Queries that match stored documents are not rewritten by mongoose's casting: operator objects in a filter
// value (`{ $ne: null }`) are refused by `sanitizeFilter`, unknown paths by `strictQuery`.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export interface DatabaseOptions {
  /** Every command gets this as maxTimeMS: MongoDB stops work whose request has been answered already. */
  readonly maxTimeMS: number;
  /** The driver's command monitoring, for tests that watch every command (getMore included). Off by default. */
  readonly monitorCommands?: boolean;
}

/** Each connection's limit. The models' schemas are shared by every connection of the process, and mongoose
 * applies a connection's plugins to a schema once only, so the plugin looks up the limit of the connection
 * a query runs on rather than keeping the first connection's. */
const maxTimeOf = new WeakMap<Connection, number>();

/**
 * The limit every command of `connection` carries; the loaders, which read through the driver rather than
 * mongoose's queries, give it to their commands themselves.
 */
export function maxTimeMSOf(connection: Connection): number | undefined {
  return maxTimeOf.get(connection);
}

/**
 * mongoose's global `maxTimeMS` reaches only finds, counts, findOneAndUpdate and aggregations; this plugin
 * gives it to every query and aggregation of the connection's models, unless one sets its own.
 */
function maxTimePlugin(schema: Schema): void {
  schema.pre(QUERY_OPERATIONS, { document: false, query: true }, function (this: Query<unknown, unknown>) {
    const maxTimeMS = maxTimeOf.get(this.model.db);
    if (maxTimeMS !== undefined && this.getOptions().maxTimeMS === undefined) this.maxTimeMS(maxTimeMS);
  });
  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const maxTimeMS = maxTimeOf.get(this.model().db);
    if (maxTimeMS !== undefined && this.options.maxTimeMS === undefined) this.option({ maxTimeMS });
  });
}

/**
 * Connects to `MONGODB_URI`, or, when it is unset, starts an embedded MongoDB (mongodb-memory-server) whose
 * data lives under `DATA_DIR/mongodb` and survives restarts.
 */
export async function connectDatabase(config: Config, logger: Logger): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedMongo(path.join(config.dataDir, 'mongodb'));
    uri = embedded.uri;
    logger.info(
      { dataDir: path.join(config.dataDir, 'mongodb') },
      'embedded MongoDB started; data is kept in dataDir',
    );
  }
  const location = embedded
    ? `embedded MongoDB, data in ${path.join(config.dataDir, 'mongodb')}`
    : withoutCredentials(uri);
  try {
    const database = await openDatabase(uri, config.mongodbUri ? undefined : 'atrium', {
      maxTimeMS: config.requestTimeoutMs,
    });
    return {
      connection: database.connection,
      models: database.models,
      location,
      ping: () => database.ping(),
      transaction: (work) => database.transaction(work),
      close: once(async () => {
        try {
          await database.close();
        } finally {
          await embedded?.stop();
        }
      }),
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** Opens the connection (every operation counted for its request) and builds every index before returning. */
export async function openDatabase(
  uri: string,
  dbName: string | undefined,
  options: DatabaseOptions,
): Promise<Database> {
  const { maxTimeMS } = options;
  const connection = mongoose.createConnection(uri, {
    ...(dbName ? { dbName } : {}),
    monitorCommands: options.monitorCommands ?? false,
    autoCreate: true,
    // While MongoDB is unreachable, fail at once rather than queue behind a reconnect: the request answers
    // with an error and /health/ready says 503; the driver reconnects by itself when MongoDB is back.
    bufferCommands: false,
    serverSelectionTimeoutMS: Math.min(5_000, maxTimeMS),
    maxPoolSize: 50,
  });
  maxTimeOf.set(connection, maxTimeMS);
  connection.plugin(maxTimePlugin);
  connection.plugin(diagnosticsPlugin);
  await connection.asPromise();
  const models = createModels(connection);
  await ensureIndexes(models);
  return {
    connection,
    models,
    location: withoutCredentials(uri),
    async ping() {
      try {
        await connection.db!.admin().command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    transaction: (work) => runTransaction(connection, work),
    close: once(() => connection.close()),
  };
}

/**
 * `close` runs once; a second call gets the first one's promise. Calling mongoose's `close` again while the
 * first is still disconnecting waits for a 'close' event that it emits only when the first call succeeds,
 * so a second call after a failed first one would never return.
 */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/**
 * The driver's `withTransaction` retries on `TransientTransactionError` and `UnknownTransactionCommitResult`.
 * An attempt that sent an operation ends with one more command, its commit or its abort (an attempt that sent
 * none ends with neither): it is counted and timed for the request, as `transaction.commit` or
 * `transaction.abort`, beside the operations mongoose counts. (A commit the driver retries on its own after
 * an unknown result is not counted again.)
 */
async function runTransaction<T>(
  connection: Connection,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const session = await connection.startSession();
  let ending: (() => void) | undefined;
  const settle = () => {
    ending?.();
    ending = undefined;
  };
  try {
    return await session.withTransaction(async () => {
      settle();
      // Counted as mongoose counts: an attempt sent something when the request's count moved.
      const before = currentDiagnostics()?.commands ?? 0;
      const sentAny = () => (currentDiagnostics()?.commands ?? 0) > before;
      try {
        const result = await work(session);
        if (sentAny()) ending = trackCommand('transaction.commit');
        return result;
      } catch (error) {
        if (sentAny()) ending = trackCommand('transaction.abort');
        throw error;
      }
    });
  } finally {
    settle();
    await session.endSession();
  }
}

/** A MongoDB URI as it may be shown: `user:password@` removed. */
export function withoutCredentials(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1');
}

/** The replica set's name: a member restarted on its data keeps the config that names it. */
const EMBEDDED_REPLICA_SET = 'atrium';

/**
 * A one-member replica set (change streams and transactions need one) with its data in `dbPath`. A member
 * restarted on its data keeps the replica-set config naming its old host:port, so the port it first got is
 * kept beside the data (`<dbPath>.port`) and used again. Data written by a standalone start is kept: the
 * member is initiated on it.
 */
async function startEmbeddedMongo(dbPath: string): Promise<EmbeddedServer> {
  await fs.mkdir(dbPath, { recursive: true });
  const portFile = `${dbPath}.port`;
  const saved = await fs.readFile(portFile, 'utf8').then(
    (text) => Number.parseInt(text.trim(), 10),
    () => undefined,
  );
  const port =
    saved !== undefined && Number.isInteger(saved) && saved > 0 && saved < 65536 ? saved : undefined;
  // Loaded lazily: deployments with MONGODB_URI never touch it.
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    replSet: { count: 1, name: EMBEDDED_REPLICA_SET, storageEngine: 'wiredTiger' },
    instanceOpts: [{ dbPath, storageEngine: 'wiredTiger', ...(port ? { port } : {}) }],
  }).catch((error: unknown) => {
    throw port
      ? new Error(
          `the embedded MongoDB could not start on port ${port}, where its data expects it (${portFile}); ` +
            `is another Atrium using ${dbPath}?`,
          { cause: error },
        )
      : error;
  });
  const bound = replSet.servers[0]?.instanceInfo?.port;
  if (bound !== undefined && bound !== port) await fs.writeFile(portFile, `${bound}\n`);
  return {
    uri: replSet.getUri(),
    async stop() {
      // A dbPath we chose is never deleted by the cleanup; the data stays for the next start.
      await replSet.stop({ doCleanup: true, force: false });
    },
  };
}
