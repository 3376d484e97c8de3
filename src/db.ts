import fs from 'node:fs/promises';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from './config';
import type { Logger } from './logger';
import { createModels, ensureIndexes, type Models } from './models';
import { attachCommandMonitor } from './observability/diagnostics';

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
    const database = await openDatabase(uri, config.mongodbUri ? undefined : 'atrium');
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

/** Opens a monitored connection and builds every index before returning. */
export async function openDatabase(uri: string, dbName?: string): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    ...(dbName ? { dbName } : {}),
    monitorCommands: true,
    autoCreate: true,
    serverSelectionTimeoutMS: 5_000,
    maxPoolSize: 50,
  });
  await connection.asPromise();
  attachCommandMonitor(connection.getClient());
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
