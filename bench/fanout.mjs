// npm run bench -- --fanout [--subscribers 1000,5000] [--events 20]
//
// The subscription fan-out: N WebSocket subscribers of one article's events on one Atrium process (the
// build, dist/src/main.js), comments written straight into MongoDB. Reports, per N: the latency from the
// write's acknowledgement to each subscriber's message (p50, p99), the MongoDB commands Atrium sends per event
// (serverStatus `metrics.commands`, less the writer's own), and the heap each idle subscription holds.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from 'graphql-ws';
import { MongoClient, ObjectId } from 'mongodb';
import WebSocket from 'ws';
import { locateMongod, startMongod } from './lib/mongod.mjs';
import { freePort, sleep, spawnPinned, stopAll, waitForHttp } from './lib/procs.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
};
const COUNTS = option('--subscribers', '1000,5000').split(',').map(Number);
const EVENTS = Number(option('--events', '20'));
const PER_CONNECTION = 100;
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function gql(url, query, variables, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = await response.json();
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data;
}

async function metric(metricsUrl, name) {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** Atrium's commands so far, as MongoDB counts them by name. */
async function commandTotals(db) {
  const status = await db.admin().command({ serverStatus: 1 });
  const totals = {};
  for (const [name, figures] of Object.entries(status.metrics?.commands ?? {}))
    totals[name] = figures.total ?? 0;
  return totals;
}

export async function runFanout() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('run `npm run build` first');
  const workDir = path.join(BENCH, '.work', `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(workDir, { recursive: true });
  const mongod = await startMongod({ binary: locateMongod(ROOT), cpu: 1, workDir });
  const port = await freePort();
  const metricsPort = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
    MONGODB_URI: mongod.uri('atrium_fanout'),
    TOKEN_SECRET: crypto.randomBytes(48).toString('base64'),
    DATA_DIR: workDir,
    LOG_LEVEL: 'warn',
    BCRYPT_ROUNDS: '4',
    RATE_LIMIT_ENABLED: 'false',
    WS_MAX_CONNECTIONS_PER_CALLER: '100000',
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(PER_CONNECTION),
    WS_MAX_BUFFERED_BYTES: String(64 * 1024 * 1024),
  };
  const child = spawnPinned(0, process.execPath, ['dist/src/main.js'], {
    env,
    cwd: ROOT,
    logFile: path.join(workDir, 'atrium.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await waitForHttp(`${url}/health/ready`, child);
  const mongo = new MongoClient(mongod.uri('atrium_fanout'));
  const db = mongo.db();
  const results = [];
  try {
    const name = `fan${crypto.randomBytes(3).toString('hex')}`;
    const signUp = await gql(
      url,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } token } }`,
      { input: { username: name, email: `${name}@example.com`, password: 'correct horse battery' } },
    );
    const author = signUp.createUser;
    const created = await gql(
      url,
      `mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id slug } } }`,
      { input: { title: `Fan-out ${name}`, description: 'd', body: 'b', tagList: ['bench'] } },
      author.token,
    );
    const article = created.createArticle.article;
    const query = `subscription($slug: String!) { articleEvents(slug: $slug) {
      kind article { title favoritesCount viewerHasFavorited author { username followedByViewer } } comment { body author { username } } } }`;

    for (const count of COUNTS) {
      log(`${count} subscribers`);
      const heapBefore = await metric(metricsUrl, 'nodejs_heap_size_used_bytes');
      const clients = [];
      const received = new Map();
      let open = 0;
      for (let c = 0; c < Math.ceil(count / PER_CONNECTION); c += 1) {
        const client = createClient({
          url: `ws://127.0.0.1:${port}/graphql`,
          webSocketImpl: WebSocket,
          lazy: false,
          retryAttempts: 0,
        });
        clients.push(client);
        for (let s = 0; s < PER_CONNECTION && open < count; s += 1, open += 1) {
          client.subscribe(
            { query, variables: { slug: article.slug } },
            {
              next: (message) => {
                const body = message.data?.articleEvents?.comment?.body;
                if (body) received.get(body)?.push(performance.now());
              },
              error: () => undefined,
              complete: () => undefined,
            },
          );
        }
      }
      while ((await metric(metricsUrl, 'atrium_graphql_subscriptions_open')) < count) await sleep(100);
      await sleep(1_000);
      const heapAfter = await metric(metricsUrl, 'nodejs_heap_size_used_bytes');
      const latencies = [];
      let commands = 0;
      for (let e = 0; e < EVENTS; e += 1) {
        const body = `event ${count} ${e}`;
        const times = [];
        received.set(body, times);
        const before = await commandTotals(db);
        const now = new Date();
        const comment = {
          _id: new ObjectId(),
          articleId: new ObjectId(article.id),
          authorId: new ObjectId(author.user.id),
          body,
          createdAt: now,
          updatedAt: now,
        };
        await db.collection('comments').insertOne(comment);
        const acked = performance.now();
        await db.collection('articles').updateOne({ _id: comment.articleId }, { $inc: { commentsCount: 1 } });
        const deadline = Date.now() + 60_000;
        while (times.length < count && Date.now() < deadline) await sleep(5);
        if (times.length < count)
          throw new Error(`only ${times.length} of ${count} subscribers got event ${e}`);
        const after = await commandTotals(db);
        // Atrium's reads for the event; the writer's insert/update, serverStatus and the stream's getMore aside.
        for (const [cmd, total] of Object.entries(after)) {
          if (
            ['insert', 'update', 'serverStatus', 'getMore', 'hello', 'isMaster', 'ismaster', 'ping'].includes(
              cmd,
            )
          )
            continue;
          commands += total - (before[cmd] ?? 0);
        }
        for (const t of times) latencies.push(t - acked);
      }
      latencies.sort((x, y) => x - y);
      const figures = {
        subscribers: count,
        p50Ms: Number(percentile(latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(latencies, 99).toFixed(1)),
        commandsPerEvent: commands / EVENTS,
        heapBytesPerIdleSubscription: Math.round((heapAfter - heapBefore) / count),
      };
      log(JSON.stringify(figures));
      results.push(figures);
      await Promise.all(clients.map((client) => client.dispose()));
      while ((await metric(metricsUrl, 'atrium_graphql_subscriptions_open')) > 0) await sleep(100);
    }
    fs.mkdirSync(path.join(BENCH, 'results'), { recursive: true });
    const file = path.join(BENCH, 'results', `fanout-${new Date().toISOString().slice(0, 10)}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ events: EVENTS, results }, null, 2)}\n`);
    log(`written ${path.relative(ROOT, file)}`);
  } finally {
    await mongo.close();
    await stopAll();
  }
}

// Run directly (node bench/fanout.mjs) as well as through run.mjs.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFanout().catch(async (error) => {
    console.error(error);
    await stopAll();
    process.exit(1);
  });
}
