import { MongoMemoryServer } from 'mongodb-memory-server-core';

/** One MongoDB per test run; each test file works in a database of its own. */
export default async function globalSetup(): Promise<void> {
  const args = ['--setParameter', 'enableTestCommands=1'];
  const server = await MongoMemoryServer.create({ instance: { args } });
  (globalThis as { __MONGOD__?: MongoMemoryServer }).__MONGOD__ = server;
  process.env['ATRIUM_TEST_MONGODB_URI'] = server.getUri();
}
