import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __MONGOD__?: MongoMemoryReplSet }).__MONGOD__?.stop();
}
