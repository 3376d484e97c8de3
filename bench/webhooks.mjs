// npm run bench -- --webhooks [--writes 2000] [--concurrency 8,32] [--endpoints 10] [--rounds 5] [--seconds 3]
//
// Webhook delivery, against a receiver in this process that answers 200 at once and Atrium from its build
// (dist/src/main.js, NODE_ENV=production, WEBHOOK_ALLOW_PRIVATE_TARGETS=true so that it may post to
// 127.0.0.1), pinned to CPU 0, MongoDB and wrk to CPU 1. Two parts:
//
// 1. Throughput: `--writes` comments written straight into MongoDB (batches of 100) on an article whose author
//    has one endpoint subscribed to comment.added; deliveries per second from the first write to the last
//    delivery received, for each WEBHOOK_CONCURRENCY of `--concurrency` (one Atrium process each).
// 2. The write's added cost: `addComment` under wrk (10 connections, then 1) with no endpoint enabled versus
//    `--endpoints` endpoints of the article's author and one admin endpoint receiving every event, in rounds
//    whose order rotates. Per window: p50/p99 latency and Atrium's CPU per request, over the window alone (per
//    response received in it) and until every delivery the window caused has been received (per comment
//    written: the asynchronous dispatch included).
//
// Every delivery's Standard Webhooks signature is checked against its endpoint's secret, and each (endpoint,
// webhook-id) must arrive exactly once: duplicates and missing deliveries are counted and fail the run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';
import { locateMongod, startMongod } from './lib/mongod.mjs';
import { cpuSeconds, freePort, sleep, spawnPinned, stopAll, waitForHttp } from './lib/procs.mjs';
import { runWrk } from './lib/wrk.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const WRITE_BATCH = 100;
const LOADED_CONNECTIONS = 10;
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

/** WEBHOOK_CONCURRENCY's default, read from src/config.ts, where it is declared. */
export function defaultConcurrency(configSource = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8')) {
  const match = configSource.match(/^\s+WEBHOOK_CONCURRENCY:\s*setting\(int\([^)]*\),\s*([\d_]+)\)/m);
  if (!match) throw new Error('could not read the default of WEBHOOK_CONCURRENCY from src/config.ts');
  return Number(match[1].replace(/_/g, ''));
}

/** The mode's arguments; a bad one is an error naming it, before anything starts. */
export function webhookOptions(argv, concurrencyDefault = defaultConcurrency()) {
  const option = (name, fallback) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : fallback;
  };
  const positive = (name, text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, not ${text}`);
    return value;
  };
  const concurrency = option('--concurrency', `${concurrencyDefault},${concurrencyDefault * 4}`)
    .split(',')
    .map((text) => positive('--concurrency', text));
  for (const value of concurrency) {
    if (value > 256) throw new Error(`--concurrency must be at most 256 (WEBHOOK_CONCURRENCY), not ${value}`);
  }
  const endpoints = positive('--endpoints', option('--endpoints', '10'));
  // WEBHOOK_MAX_ENDPOINTS_PER_USER is set to this for the run; the admin's endpoint is one more.
  if (endpoints > 1000) throw new Error(`--endpoints must be at most 1000, not ${endpoints}`);
  return {
    writes: positive('--writes', option('--writes', '2000')),
    concurrency,
    endpoints,
    rounds: positive('--rounds', option('--rounds', '5')),
    seconds: positive('--seconds', option('--seconds', '3')),
    // Atrium of the throughput part under node --cpu-prof (slower: its figures are not the run's).
    profile: argv.includes('--profile'),
  };
}

/**
 * Atrium's environment (PORT and WEBHOOK_CONCURRENCY aside): production, webhooks allowed to the receiver on
 * 127.0.0.1, room for `endpoints` endpoints per user, rate limiting off (both sides of a comparison alike).
 */
export function atriumEnv({ uri, workDir, endpoints }) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    MONGODB_URI: uri,
    TOKEN_SECRET: crypto.randomBytes(48).toString('base64'),
    DATA_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    DATA_DIR: workDir,
    LOG_LEVEL: 'warn',
    BCRYPT_ROUNDS: '4',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_MAX_ENDPOINTS_PER_USER: String(endpoints),
  };
}

/** The operations the bench sends (a test validates them against the emitted schema). */
export const OPERATIONS = {
  createUser: `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id username } token errors { message path } } }`,
  createArticle: `mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id slug } errors { message path } } }`,
  createEndpoint: `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id enabled } secret errors { message path } } }`,
  updateEndpoint: `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { id enabled } errors { message path } } }`,
  addComment: `mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id body } errors { message path } } }`,
};

const ALL_EVENTS = [
  'ARTICLE_PUBLISHED',
  'ARTICLE_UPDATED',
  'ARTICLE_DELETED',
  'ARTICLE_FAVORITED',
  'COMMENT_ADDED',
  'COMMENT_DELETED',
  'USER_FOLLOWED',
];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function gql(url, query, variables, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = await response.json();
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  const payload = Object.values(json.data)[0];
  if (payload.errors?.length) throw new Error(JSON.stringify(payload.errors));
  return payload;
}

/**
 * The receiver: `POST /hook/<n>` for endpoint n, answered 200 at once. It keeps, per endpoint, the
 * webhook-ids it has seen, and counts bad signatures and duplicates.
 */
function startReceiver() {
  const keys = new Map(); // endpoint n → HMAC key
  const seen = new Map(); // endpoint n → Set of webhook-id
  const state = { received: 0, duplicates: 0, badSignatures: 0, unknown: 0, lastAt: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200).end();
      const n = req.url.startsWith('/hook/') ? req.url.slice('/hook/'.length) : '';
      const key = keys.get(n);
      if (!key) {
        state.unknown += 1;
        return;
      }
      const id = req.headers['webhook-id'];
      const timestamp = req.headers['webhook-timestamp'];
      const expected = crypto
        .createHmac('sha256', key)
        .update(`${id}.${timestamp}.${Buffer.concat(chunks).toString('utf8')}`)
        .digest();
      const signed = String(req.headers['webhook-signature'] ?? '')
        .split(' ')
        .some((sig) => {
          const given = Buffer.from(sig.replace(/^v1,/, ''), 'base64');
          return given.length === expected.length && crypto.timingSafeEqual(given, expected);
        });
      if (!signed) state.badSignatures += 1;
      const ids = seen.get(n);
      if (ids.has(id)) state.duplicates += 1;
      else ids.add(id);
      state.received += 1;
      state.lastAt = performance.now();
    });
  });
  return {
    state,
    listen: () =>
      new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))),
    register(n, secret) {
      keys.set(String(n), Buffer.from(secret.replace(/^whsec_/, ''), 'base64'));
      seen.set(String(n), new Set());
    },
    distinct: () => [...seen.values()].reduce((sum, ids) => sum + ids.size, 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Waits until the receiver holds `count` distinct deliveries (or fails after `timeoutMs` without progress). */
async function awaitDeliveries(receiver, count, timeoutMs = 60_000) {
  let last = receiver.distinct();
  let lastChange = Date.now();
  while (receiver.distinct() < count) {
    if (Date.now() - lastChange > timeoutMs)
      throw new Error(`only ${receiver.distinct()} of ${count} deliveries arrived`);
    await sleep(20);
    if (receiver.distinct() !== last) {
      last = receiver.distinct();
      lastChange = Date.now();
    }
  }
}

// Connection upkeep and the counting itself, left out of the commands Atrium sends.
const UPKEEP = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'serverStatus', 'endSessions', 'buildInfo']);

/** The commands MongoDB has served so far, upkeep aside. */
async function commandTotal(db) {
  const status = await db.admin().command({ serverStatus: 1 });
  let total = 0;
  for (const [name, figures] of Object.entries(status.metrics?.commands ?? {}))
    if (!UPKEEP.has(name) && typeof figures?.total === 'number') total += figures.total;
  return total;
}

/** Waits (at most 15 s) until the processes have used no CPU for 150 ms. */
async function settle(pids) {
  const total = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const deadline = Date.now() + 15_000;
  let last = total();
  while (Date.now() < deadline) {
    await sleep(150);
    const now = total();
    if (now - last <= 0.011) return;
    last = now;
  }
}

async function printProfile(dir) {
  const { summarizeProfile } = await import('./lib/profile-summary.mjs');
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const summary = summarizeProfile(path.join(dir, file), 30);
  const line = (r) => `${String(r.ms).padStart(7)} ms ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`;
  console.log(`-- by category\n${summary.categories.map(line).join('\n')}`);
  console.log(`-- self time by function\n${summary.functions.slice(0, 30).map(line).join('\n')}`);
  console.log(`-- by package / file\n${summary.packages.slice(0, 20).map(line).join('\n')}`);
  log(`profile ${path.relative(ROOT, path.join(dir, file))}`);
}

export async function runWebhooks(argv = process.argv.slice(2)) {
  const options = webhookOptions(argv);
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('run `npm run build` first');
  const started = Date.now();
  // The machine is shared: its load at the start and at the end go with the figures.
  const uptimeAtStart = execFileSync('uptime').toString().trim();
  const workDir = path.join(BENCH, '.work', `webhooks-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(path.join(workDir, 'req'), { recursive: true });
  const mongod = await startMongod({ binary: locateMongod(ROOT), cpu: LOAD_CPU, workDir });
  const uri = mongod.uri('atrium_webhooks');
  const receiver = startReceiver();
  const receiverPort = await receiver.listen();
  const baseEnv = atriumEnv({ uri, workDir, endpoints: options.endpoints });
  let atrium;
  const profileDir = (concurrency) => path.join(workDir, `profile-${concurrency}`);
  const startAtrium = async (concurrency, profiled = false) => {
    const port = await freePort();
    const args = profiled ? ['--cpu-prof', '--cpu-prof-dir', profileDir(concurrency)] : [];
    const child = spawnPinned(SERVER_CPU, process.execPath, [...args, 'dist/src/main.js'], {
      cwd: ROOT,
      env: { ...baseEnv, PORT: String(port), WEBHOOK_CONCURRENCY: String(concurrency) },
      logFile: path.join(workDir, `atrium-${concurrency}.log`),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health/ready`, child);
    atrium = { child, url };
    return atrium;
  };
  const stopAtrium = () =>
    new Promise((resolve) => {
      if (atrium.child.exitCode !== null) return resolve();
      atrium.child.once('exit', resolve);
      atrium.child.kill('SIGTERM');
    });
  const mongo = new MongoClient(uri);
  const db = mongo.db();
  const result = { options, throughput: [], latency: [] };
  let endpointCount = 0;
  const hookUrl = (n) => `http://127.0.0.1:${receiverPort}/hook/${n}`;
  const newEndpoint = async (token, events) => {
    endpointCount += 1;
    const created = await gql(
      atrium.url,
      OPERATIONS.createEndpoint,
      { input: { url: hookUrl(endpointCount), events } },
      token,
    );
    receiver.register(endpointCount, created.secret);
    return created.endpoint.id;
  };
  const newUser = async (name) => {
    const username = `${name}${crypto.randomBytes(3).toString('hex')}`;
    const made = await gql(atrium.url, OPERATIONS.createUser, {
      input: { username, email: `${username}@example.com`, password: 'correct horse battery' },
    });
    return { id: made.user.id, username, token: made.token };
  };
  const newArticle = async (author, title) =>
    (
      await gql(
        atrium.url,
        OPERATIONS.createArticle,
        { input: { title, description: 'd', body: 'b', tagList: ['bench'] } },
        author.token,
      )
    ).article;

  try {
    // 1. Throughput, one Atrium process per WEBHOOK_CONCURRENCY.
    for (const concurrency of options.concurrency) {
      await startAtrium(concurrency, options.profile);
      const author = await newUser('hookauthor');
      const article = await newArticle(author, `Webhook throughput ${concurrency}`);
      await newEndpoint(author.token, ['COMMENT_ADDED']);
      await settle([atrium.child.pid, mongod.child.pid]);
      const before = { ...receiver.state, distinct: receiver.distinct() };
      const cpu0 = cpuSeconds(atrium.child.pid);
      const commands0 = await commandTotal(db);
      const t0 = performance.now();
      for (let i = 0; i < options.writes; i += WRITE_BATCH) {
        const now = new Date();
        const docs = [];
        for (let j = i; j < Math.min(options.writes, i + WRITE_BATCH); j += 1) {
          docs.push({
            _id: new ObjectId(),
            articleId: new ObjectId(article.id),
            authorId: new ObjectId(author.id),
            body: `throughput ${concurrency} ${j}`,
            createdAt: now,
            updatedAt: now,
          });
        }
        await db.collection('comments').insertMany(docs);
      }
      const written = performance.now();
      await awaitDeliveries(receiver, before.distinct + options.writes);
      await settle([atrium.child.pid]);
      // Less the bench's own inserts of the comments.
      const commands = (await commandTotal(db)) - commands0 - Math.ceil(options.writes / WRITE_BATCH);
      const seconds = (receiver.state.lastAt - t0) / 1000;
      const figures = {
        concurrency,
        deliveries: receiver.state.received - before.received,
        duplicates: receiver.state.duplicates - before.duplicates,
        badSignatures: receiver.state.badSignatures - before.badSignatures,
        writeSeconds: Number(((written - t0) / 1000).toFixed(2)),
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(options.writes / seconds),
        mongoCommandsPerDelivery: Number((commands / options.writes).toFixed(2)),
        atriumCpuUsPerDelivery: Math.round(((cpuSeconds(atrium.child.pid) - cpu0) / options.writes) * 1e6),
      };
      log('throughput', JSON.stringify(figures));
      result.throughput.push(figures);
      await stopAtrium();
      if (options.profile) await printProfile(profileDir(concurrency));
    }
    if (options.profile) return;

    // 2. The write's added cost, at the default concurrency.
    await startAtrium(defaultConcurrency());
    const author = await newUser('hookwriter');
    const commenter = await newUser('hookreader');
    const admin = await newUser('hookadmin');
    await db.collection('users').updateOne({ username: admin.username }, { $set: { role: 'admin' } });
    const article = await newArticle(author, 'Webhook write latency');
    const endpoints = [];
    for (let e = 0; e < options.endpoints; e += 1)
      endpoints.push({ id: await newEndpoint(author.token, ['COMMENT_ADDED']), token: author.token });
    endpoints.push({ id: await newEndpoint(admin.token, ALL_EVENTS), token: admin.token });
    const enableAll = async (enabled) => {
      for (const endpoint of endpoints)
        await gql(
          atrium.url,
          OPERATIONS.updateEndpoint,
          { input: { id: endpoint.id, enabled } },
          endpoint.token,
        );
    };
    const bodyFile = path.join(workDir, 'req', 'addComment.json');
    fs.writeFileSync(
      bodyFile,
      JSON.stringify({
        query: OPERATIONS.addComment,
        variables: { input: { articleId: article.id, body: 'Bench comment @@N@@' } },
      }),
    );
    const containsFile = path.join(workDir, 'req', 'addComment.contains');
    fs.writeFileSync(containsFile, `"errors":[]\n"body":"Bench comment \n`);
    const wrk = (connections, seconds) =>
      runWrk({
        cpu: LOAD_CPU,
        url: `${atrium.url}/graphql`,
        bodyFile,
        auth: `Token ${commenter.token}`,
        check: { containsFile },
        connections,
        seconds,
      });
    // When wrk stops, each connection still has a request in flight that Atrium completes: the comments
    // written are counted once their number has stayed the same for a second.
    const comments = async () => {
      const count = () => db.collection('comments').countDocuments({ articleId: new ObjectId(article.id) });
      let last = await count();
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        await sleep(1_000);
        const now = await count();
        if (now === last) return now;
        last = now;
      }
      throw new Error('comments were still being written 30 s after the window');
    };
    const pids = [atrium.child.pid, mongod.child.pid];
    let enabled = true;
    const conditions = ['none', 'endpoints'];
    for (let round = 0; round < options.rounds; round += 1) {
      const order = conditions.map((_, i) => conditions[(i + round) % conditions.length]);
      for (const condition of order) {
        const wanted = condition === 'endpoints';
        if (enabled !== wanted) await enableAll(wanted);
        enabled = wanted;
        const perComment = wanted ? endpoints.length : 0;
        const commentsBefore = await comments();
        const deliveriesBefore = receiver.distinct();
        const stateBefore = { ...receiver.state };
        await wrk(LOADED_CONNECTIONS, 1);
        await awaitDeliveries(
          receiver,
          deliveriesBefore + ((await comments()) - commentsBefore) * perComment,
        );
        await settle(pids);
        const windowStart = await comments();
        const cpu0 = cpuSeconds(atrium.child.pid);
        const loaded = await wrk(LOADED_CONNECTIONS, options.seconds);
        const cpuWindow = cpuSeconds(atrium.child.pid) - cpu0;
        const windowEnd = await comments();
        await awaitDeliveries(receiver, deliveriesBefore + (windowEnd - commentsBefore) * perComment);
        await settle(pids);
        const cpuAll = cpuSeconds(atrium.child.pid) - cpu0;
        const served = windowEnd - windowStart;
        const single = await wrk(1, Math.max(1, Math.round(options.seconds / 2)));
        const commentsAfter = await comments();
        await awaitDeliveries(receiver, deliveriesBefore + (commentsAfter - commentsBefore) * perComment);
        await settle(pids);
        const problems = [];
        for (const [name, r] of [
          ['loaded', loaded],
          ['single', single],
        ]) {
          if (r.bad > 0) problems.push(`${name}: ${r.bad} wrong responses, e.g. ${r.sample}`);
          if (r.socketErrors > 0 || r.timeouts > 0)
            problems.push(`${name}: ${r.socketErrors} socket errors, ${r.timeouts} timeouts`);
        }
        const sample = {
          round,
          condition,
          endpoints: perComment,
          requests: served,
          rps: Number((loaded.good / (loaded.durationUs / 1e6)).toFixed(1)),
          p50Ms: loaded.p50 / 1000,
          p99Ms: loaded.p99 / 1000,
          p50SingleMs: single.p50 / 1000,
          p99SingleMs: single.p99 / 1000,
          cpuUsPerReqWindow: Math.round((cpuWindow / loaded.good) * 1e6),
          cpuUsPerReqWithDispatch: Math.round((cpuAll / served) * 1e6),
          deliveries: receiver.distinct() - deliveriesBefore,
          expectedDeliveries: (commentsAfter - commentsBefore) * perComment,
          duplicates: receiver.state.duplicates - stateBefore.duplicates,
          badSignatures: receiver.state.badSignatures - stateBefore.badSignatures,
          problem: problems.join('; ') || undefined,
        };
        log(`round ${round + 1}/${options.rounds}`, JSON.stringify(sample));
        result.latency.push(sample);
      }
    }
    await stopAtrium();

    const failures = [
      ...result.throughput.filter((t) => t.duplicates || t.badSignatures || t.deliveries !== options.writes),
      ...result.latency.filter(
        (s) => s.problem || s.duplicates || s.badSignatures || s.deliveries !== s.expectedDeliveries,
      ),
    ];
    if (receiver.state.unknown > 0) failures.push({ unknownEndpoint: receiver.state.unknown });
    const summary = {};
    for (const condition of conditions) {
      const of = result.latency.filter((s) => s.condition === condition);
      summary[condition] = Object.fromEntries(
        [
          'rps',
          'p50Ms',
          'p99Ms',
          'p50SingleMs',
          'p99SingleMs',
          'cpuUsPerReqWindow',
          'cpuUsPerReqWithDispatch',
        ].map((key) => [key, median(of.map((s) => s[key]))]),
      );
    }
    const ratio = (key) => Number((summary.endpoints[key] / summary.none[key]).toFixed(3));
    summary.ratios = Object.fromEntries(Object.keys(summary.none).map((key) => [key, ratio(key)]));
    result.summary = summary;
    result.meta = {
      date: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
      node: process.version,
      uptimeAtStart,
      uptime: execFileSync('uptime').toString().trim(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    log('summary', JSON.stringify(summary));
    fs.mkdirSync(path.join(BENCH, 'results'), { recursive: true });
    const file = path.join(
      BENCH,
      'results',
      `webhooks-${result.meta.date.slice(0, 19).replace(/:/g, '-')}.json`,
    );
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`written ${path.relative(ROOT, file)}; ${result.meta.uptime}`);
    if (failures.length > 0) throw new Error(`deliveries wrong: ${JSON.stringify(failures)}`);
  } finally {
    await mongo.close();
    await receiver.close();
    await stopAll();
  }
}

// Run directly (node bench/webhooks.mjs) as well as through run.mjs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWebhooks().catch(async (error) => {
    console.error(error);
    await stopAll();
    process.exit(1);
  });
}
