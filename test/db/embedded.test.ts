import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoMemoryServer } from 'mongodb-memory-server-core';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { createLogger } from '../../src/observability/logger';

/**
 * With no MONGODB_URI, `npm start` runs an embedded one-member replica set whose data lives under DATA_DIR:
 * change streams and transactions work with no configuration, and the data survives restarts.
 */

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-data-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const start = () => {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  expect(config.mongodbUri).toBeUndefined();
  return connectDatabase(config, createLogger(config));
};

const keep = (db: Database, id: string) =>
  db.models.Throttle.create({ _id: id, count: 1, expiresAt: new Date(Date.now() + 3_600_000) });

/** A change stream sees a write, and a transaction commits: what only a replica set offers. */
async function expectReplicaSetFeatures(db: Database, id: string): Promise<void> {
  const stream = db.models.Throttle.watch([], { maxAwaitTimeMS: 200 });
  try {
    const next = stream.next();
    await db.transaction(async (session) => {
      await db.models.Throttle.create([{ _id: id, count: 2, expiresAt: new Date(Date.now() + 60_000) }], {
        session,
      });
    });
    const change = (await next) as { operationType: string; documentKey: { _id: string } };
    expect(change).toMatchObject({ operationType: 'insert', documentKey: { _id: id } });
  } finally {
    await stream.close();
  }
}

test('when the embedded database restarts, then the data written before is still there', async () => {
  const first = await start();
  expect(await first.ping()).toBe(true);
  await keep(first, 'survives-restart');
  await first.close();
  expect(fs.readdirSync(path.join(dataDir, 'mongodb')).length).toBeGreaterThan(0);
  const port = fs.readFileSync(path.join(dataDir, 'mongodb.port'), 'utf8').trim();

  const second = await start();
  try {
    expect(await second.models.Throttle.countDocuments({ _id: 'survives-restart' })).toBe(1);
    // Back on the port its replica-set config names, as a primary.
    expect(second.connection.getClient().options.hosts.map(String)).toEqual([`127.0.0.1:${port}`]);
    await expectReplicaSetFeatures(second, 'after-restart');
  } finally {
    await second.close();
  }
});

test('when the data was written by a standalone start, then the replica set keeps it', async () => {
  const dbPath = path.join(dataDir, 'mongodb');
  fs.mkdirSync(dbPath, { recursive: true });
  const standalone = await MongoMemoryServer.create({ instance: { dbPath, storageEngine: 'wiredTiger' } });
  const client = new (await import('mongoose')).mongo.MongoClient(standalone.getUri());
  try {
    await client
      .db('atrium')
      .collection('throttles')
      .insertOne({ _id: 'from-standalone' as never, count: 1 });
  } finally {
    await client.close();
    await standalone.stop({ doCleanup: true, force: false });
  }

  const db = await start();
  try {
    expect(await db.models.Throttle.countDocuments({ _id: 'from-standalone' })).toBe(1);
    await expectReplicaSetFeatures(db, 'after-upgrade');
  } finally {
    await db.close();
  }
});
