import { MongoMemoryReplSet } from 'mongodb-memory-server-core';

/**
 * A one-member replica set, as production runs (change streams and transactions need one), with test commands
 * enabled for fail points. The run's shared server is one; a test file that sets the failCommand fail point,
 * or stops MongoDB, starts one of its own.
 */
export function startMongo(): Promise<MongoMemoryReplSet> {
  return MongoMemoryReplSet.create({
    replSet: { count: 1, args: ['--setParameter', 'enableTestCommands=1'] },
  });
}
