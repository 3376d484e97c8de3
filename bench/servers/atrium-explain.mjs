// The MongoDB commands Atrium sends for each request of a workload, and what MongoDB does for each: Atrium's
// own stack (dist/src: config, openDatabase, deps, createServer) with the driver's command monitoring on, as
// the tests run it. Each request is sent twice; the commands of the second are captured as they went on the
// wire and then explained one by one (`explain` with executionStats), on a connection of their own.
//   node bench/servers/atrium-explain.mjs REQUESTS.json  (same environment as dist/src/main.js)
// REQUESTS.json: [{ "name", "body", "auth" }]. Prints one JSON line: { name: [{ command, tag, ... }] }.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
require('reflect-metadata');
const { loadConfig } = require('./dist/src/config.js');
const { createLogger } = require('./dist/src/observability/logger.js');
const { openDatabase } = require('./dist/src/db.js');
const { createDeps } = require('./dist/src/deps.js');
const { createServer } = require('./dist/src/server.js');

/** Connection upkeep, and commands with nothing to plan. */
const NOT_EXPLAINED = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'endSessions',
  'buildInfo',
  'saslStart',
  'saslContinue',
  'insert',
  'getMore',
  'killCursors',
  'commitTransaction',
  'abortTransaction',
]);
/** What the driver adds to a command for its session and cluster, which an explained command must not carry. */
const SESSION_FIELDS = [
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  '$clusterTime',
  '$db',
  'readConcern',
  'writeConcern',
  '$readPreference',
  'apiVersion',
];

const requests = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const config = loadConfig(process.env);
const logger = createLogger(config);
const db = await openDatabase(config.mongodbUri, undefined, {
  maxTimeMS: config.requestTimeoutMs,
  monitorCommands: true,
});
let capturing = null;
db.connection.getClient().on('commandStarted', (event) => {
  capturing?.push({
    name: event.commandName,
    databaseName: event.databaseName,
    command: event.command,
    requestId: event.requestId,
  });
});
// How long MongoDB took to answer each, as the driver saw it (one request at a time, nothing else running).
db.connection.getClient().on('commandSucceeded', (event) => {
  const sent = capturing?.find((c) => c.requestId === event.requestId);
  if (sent) sent.ms = event.duration;
});
const deps = await createDeps(config, logger, db);
const server = await createServer(deps);
const port = await server.listen(0, '127.0.0.1');

const send = async ({ body, auth }) => {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200 || json.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json)}`);
};

/** Every `totalDocsExamined` and `totalKeysExamined` in an explain output (its $lookup stages included). */
function totals(node, out = { docs: 0, keys: 0, returned: null, plans: new Set() }) {
  if (Array.isArray(node)) {
    for (const item of node) totals(item, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'totalDocsExamined' && typeof value === 'number') out.docs += value;
      else if (key === 'totalKeysExamined' && typeof value === 'number') out.keys += value;
      else if (key === 'nReturned' && typeof value === 'number' && out.returned === null)
        out.returned = value;
      else if (key === 'stage' && typeof value === 'string') out.plans.add(value);
      else totals(value, out);
    }
  }
  return out;
}

const explainer = db.connection.getClient();
const out = {};
for (const request of requests) {
  await send(request);
  capturing = [];
  await send(request);
  const sent = capturing.filter(
    (c) => !['hello', 'ismaster', 'isMaster', 'ping', 'endSessions'].includes(c.name),
  );
  capturing = null;
  out[request.name] = [];
  for (const { name, databaseName, command, ms } of sent) {
    const tag = typeof command.comment === 'string' ? command.comment : null;
    const entry = { command: name, tag, collection: String(command[name]), ms };
    if (NOT_EXPLAINED.has(name)) {
      out[request.name].push({ ...entry, explained: false });
      continue;
    }
    const inner = { ...command };
    for (const field of SESSION_FIELDS) delete inner[field];
    try {
      const explained = await explainer
        .db(databaseName)
        .command({ explain: inner, verbosity: 'executionStats' });
      const t = totals(explained);
      out[request.name].push({
        ...entry,
        explained: true,
        totalDocsExamined: t.docs,
        totalKeysExamined: t.keys,
        nReturned: t.returned,
        stages: [...t.plans],
      });
    } catch (error) {
      out[request.name].push({ ...entry, explained: false, error: error.message });
    }
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
await server.stop();
await deps.db.close();
process.exit(0);
