import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { startMongo } from './mongo';

/**
 * One MongoDB per test run, a one-member replica set as in production (change streams and transactions
 * need one); each test file works in a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  const replSet = await startMongo();
  (globalThis as { __MONGOD__?: MongoMemoryReplSet }).__MONGOD__ = replSet;
  process.env['ATRIUM_TEST_MONGODB_URI'] = replSet.getUri();
}
