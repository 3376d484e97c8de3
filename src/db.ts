import fs from 'node:fs/promises';
import path from 'node:path';
import mongoose, { type Connection, type Query, type Schema } from 'mongoose';
import type { Config } from './config';
import type { Logger } from './logger';
import { createModels, ensureIndexes, type Models } from './models';
import { diagnosticsPlugin, QUERY_OPERATIONS } from './observability/diagnostics';

export interface Database {
  readonly connection: Connection;
  readonly models: Models;
  /** True while MongoDB answers a ping. */
  ping(): Promise<boolean>;
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
  readonly maxTimeMS?: number;
  /** The driver's command monitoring, for tests that watch every command (getMore included). Off by default. */
  readonly monitorCommands?: boolean;
}

/** The limit used when none is given: REQUEST_TIMEOUT_MS's default. */
const DEFAULT_MAX_TIME_MS = 10_000;

/**
 * mongoose's global `maxTimeMS` reaches only finds, counts, findOneAndUpdate and aggregations; this plugin
 * gives it to every query and aggregation of the connection's models, unless one sets its own.
 */
function maxTimePlugin(maxTimeMS: number) {
  return (schema: Schema): void => {
    schema.pre(QUERY_OPERATIONS, { document: false, query: true }, function (this: Query<unknown, unknown>) {
      if (this.getOptions().maxTimeMS === undefined) this.maxTimeMS(maxTimeMS);
    });
    schema.pre('aggregate', function () {
      if (this.options.maxTimeMS === undefined) this.option({ maxTimeMS });
    });
  };
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
  try {
    const database = await openDatabase(uri, config.mongodbUri ? undefined : 'atrium', {
      maxTimeMS: config.requestTimeoutMs,
    });
    return {
      connection: database.connection,
      models: database.models,
      ping: () => database.ping(),
      async close() {
        await database.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** Opens the connection (every operation counted for its request) and builds every index before returning. */
export async function openDatabase(
  uri: string,
  dbName?: string,
  options: DatabaseOptions = {},
): Promise<Database> {
  const maxTimeMS = options.maxTimeMS ?? DEFAULT_MAX_TIME_MS;
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
  connection.plugin(maxTimePlugin(maxTimeMS));
  connection.plugin(diagnosticsPlugin);
  await connection.asPromise();
  const models = createModels(connection);
  await ensureIndexes(models);
  return {
    connection,
    models,
    async ping() {
      try {
        await connection.db!.admin().command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await connection.close();
    },
  };
}

async function startEmbeddedMongo(dbPath: string): Promise<EmbeddedServer> {
  await fs.mkdir(dbPath, { recursive: true });
  // Loaded lazily: deployments with MONGODB_URI never touch it.
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = await MongoMemoryServer.create({ instance: { dbPath, storageEngine: 'wiredTiger' } });
  return {
    uri: server.getUri(),
    async stop() {
      // A dbPath we chose is never deleted by the cleanup; the data stays for the next start.
      await server.stop({ doCleanup: true, force: false });
    },
  };
}
