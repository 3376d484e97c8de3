import type { MongoMemoryServer } from 'mongodb-memory-server-core';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __MONGOD__?: MongoMemoryServer }).__MONGOD__?.stop();
}
