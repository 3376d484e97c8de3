import { MongoMemoryReplSet } from 'mongodb-memory-server-core';

/**
 * One MongoDB per test run, a one-member replica set as in production (change streams and transactions
 * need one); each test file works in a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  const args = ['--setParameter', 'enableTestCommands=1'];
  const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, args } });
  (globalThis as { __MONGOD__?: MongoMemoryReplSet }).__MONGOD__ = replSet;
  process.env['ATRIUM_TEST_MONGODB_URI'] = replSet.getUri();
}
