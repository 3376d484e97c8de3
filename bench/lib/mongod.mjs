// MongoDB for the run: the binary named by MONGOD_BINARY, else the MongoDB-compatible emulator kept beside
// the repository (../shared/mongod-emu). Started on a free port with a fresh data directory, pinned to the
// load generator's CPU so that the server under test has its core to itself. A one-member replica set, as
// Atrium requires (its multi-document writes are transactions).
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { spawnPinned, sleep } from './procs.mjs';

const REPLICA_SET = 'bench';

export function locateMongod(repoRoot) {
  const candidates = [process.env.MONGOD_BINARY, path.resolve(repoRoot, '../shared/mongod-emu/bin/mongod')];
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) throw new Error('No mongod: set MONGOD_BINARY to a mongod (or compatible) binary.');
  return found;
}

export async function startMongod({ binary, cpu, workDir }) {
  const dbpath = path.join(workDir, 'db');
  fs.mkdirSync(dbpath, { recursive: true });
  const logFile = path.join(workDir, 'mongod.log');
  const args = ['--port', '0', '--dbpath', dbpath, '--bind_ip', '127.0.0.1', '--replSet', REPLICA_SET];
  const child = spawnPinned(cpu, binary, args, {
    env: process.env,
    logFile,
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mongod exited with ${child.exitCode}; see ${logFile}`);
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    for (const line of log.split('\n')) {
      if (!line.includes('Waiting for connections')) continue;
      const port = JSON.parse(line).attr?.port;
      if (port) {
        await initiate(port);
        return { child, port, uri: (db) => `mongodb://127.0.0.1:${port}/${db}?replicaSet=${REPLICA_SET}` };
      }
    }
    await sleep(100);
  }
  throw new Error(`mongod did not start; see ${logFile}`);
}

/** Makes the member the primary of its one-member replica set, and waits until it takes writes. */
async function initiate(port) {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
  try {
    const admin = client.db('admin');
    await admin.command({
      replSetInitiate: { _id: REPLICA_SET, members: [{ _id: 0, host: `127.0.0.1:${port}` }] },
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const hello = await admin.command({ hello: 1 });
      if (hello.isWritablePrimary) return;
      await sleep(100);
    }
    throw new Error('the replica set has no primary after 30 s');
  } finally {
    await client.close();
  }
}
