// npm run bench [-- --quick] [-- --rounds N] [-- --markdown] [-- --fanout] [-- --webhooks] [-- --scale]
//
// Measures Atrium against a bare node:http ceiling and against other Node.js GraphQL stacks serving the
// same schema over the same data, on six workloads (see BENCHMARKS.md). Everything runs on 127.0.0.1:
// servers pinned to CPU 0, wrk and MongoDB to CPU 1. The primary figure is the server's CPU time per
// request relative to the bare server's in the same round. Bounded: a fixed number of rounds of fixed
// windows, then every process it started is stopped.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongod, locateMongod } from './lib/mongod.mjs';
import { cpuSeconds, freePort, sleep, spawnPinned, stopAll, waitForHttp } from './lib/procs.mjs';
import {
  summarize,
  renderMarkdown,
  renderScaleMarkdown,
  updateBenchmarksMd,
  SCALE_MARKERS,
} from './lib/report.mjs';
import { seedScale, SIZES } from './lib/scale-seed.mjs';
import { runWrk, wrkVersion } from './lib/wrk.mjs';
import * as W from './lib/workloads.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const SERVER_CPU = 0;
const LOAD_CPU = 1;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const roundsArg = argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : quick ? 1 : 5;
const onlyArg = argv.indexOf('--only');
const ONLY = onlyArg >= 0 ? argv[onlyArg + 1].split(',') : null;
// --profile: instead of the rounds, run Atrium under node --cpu-prof on W1-W5 (or those of --only) and summarise;
// with --jit, with the compiled executor (GRAPHQL_JIT=true).
const PROFILE = argv.includes('--profile');
// --scale: W3, W4, tags and feed on the scale data set and on one of the default size, in the same run
// (bench/lib/scale-seed.mjs); CPU per request at both sizes, commands per request, documents examined.
const SCALE = argv.includes('--scale');
// --monitor-experiment: adds `monitored` (graphql-js with the driver's command monitoring on) to W3-W5.
const MONITOR_EXPERIMENT = argv.includes('--monitor-experiment');
// Window lengths in whole seconds (wrk's resolution). Servers stay up for the whole run: the first round
// warms each one up on each workload, later rounds re-warm it briefly, since the workloads in between
// (other queries, other code paths) leave V8's optimised code for this one partly discarded. A full run
// of 5 rounds takes about 22 minutes; a quick one about 3 (one round, no one-connection window for W3-W6,
// commands counted over 3 requests).
const WINDOWS = quick
  ? { warm: 0, rewarm: 0, loaded: 1, single: 1, slowWarm: 0, slowLoaded: 2, slowSingle: 1 }
  : { warm: 3, rewarm: 1, loaded: 2, single: 1, slowWarm: 2, slowLoaded: 2, slowSingle: 1 };
const CONNECTIONS = 50;
// W3-W5 are bound by the database (the JavaScript emulator serves tens of requests per second): at 50
// connections the extra ones would only queue there, p50 would be 50 ÷ its throughput, and each window
// would leave seconds of backlog to drain. 10 connections keep it saturated.
const DB_CONNECTIONS = 10;
// Sign-in is bcrypt-bound (a few per second per core): fewer connections, so that latency stays inside
// wrk's timeout, and as many as libuv's default thread pool runs hashes at once.
const SIGNIN_CONNECTIONS = 4;
const BCRYPT_ROUNDS = Number(process.env.BCRYPT_ROUNDS ?? 12);

const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const PEERS = ['apollo', 'apollo-express', 'yoga', 'mercurius', 'mercurius-jit', 'graphql-js'];
const WORKLOADS = {
  W1: { variants: ['bare', 'atrium', 'atrium-jit', ...PEERS], slow: false },
  W2: { variants: ['bare', 'atrium-w2', 'atrium-w2-jit', ...PEERS], slow: false },
  W3: { variants: ['bare', 'atrium', 'atrium-jit', ...PEERS, 'naive'], slow: false, db: true },
  W4: { variants: ['bare', 'atrium', 'atrium-jit', ...PEERS, 'naive'], slow: false, db: true },
  W5: { variants: ['bare', 'atrium', 'atrium-jit', ...PEERS, 'naive'], slow: false, db: true },
  // Every stack spends the same bcrypt time here; one peer is enough to show the stack's share.
  W6: { variants: ['bare', 'atrium', 'graphql-js'], slow: true },
};
if (MONITOR_EXPERIMENT) for (const w of ['W3', 'W4', 'W5']) WORKLOADS[w].variants.push('monitored');

async function main() {
  // --fanout: the subscription fan-out workload alone (bench/fanout.mjs), not the rounds.
  if (argv.includes('--fanout')) {
    const { runFanout } = await import('./fanout.mjs');
    await runFanout();
    return;
  }
  // --webhooks: webhook delivery throughput and the write's added cost (bench/webhooks.mjs), not the rounds.
  if (argv.includes('--webhooks')) {
    const { runWebhooks } = await import('./webhooks.mjs');
    await runWebhooks(argv);
    return;
  }
  const renderArg = argv.indexOf('--render');
  if (renderArg >= 0) {
    // Re-renders the markdown of a saved result (e.g. after a change to the report's layout).
    const { meta, commands, samples } = JSON.parse(fs.readFileSync(argv[renderArg + 1], 'utf8'));
    const markdown = renderMarkdown(summarize(samples), commands, meta);
    console.log(markdown);
    if (argv.includes('--markdown')) updateBenchmarksMd(path.join(ROOT, 'BENCHMARKS.md'), markdown);
    return;
  }
  const started = Date.now();
  ensureTools();
  const workDir = path.join(BENCH, '.work', new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(path.join(workDir, 'req'), { recursive: true });
  log(`work directory ${path.relative(ROOT, workDir)}; ${ROUNDS} round(s)${quick ? ', quick' : ''}`);

  log('building Atrium');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) log('warning: the build reported errors; measuring the emitted dist as it is');

  const mongod = await startMongod({ binary: locateMongod(ROOT), cpu: LOAD_CPU, workDir });
  const mongodbUri = mongod.uri('bench');
  log(`MongoDB on port ${mongod.port}`);

  const tokenSecret = crypto.randomBytes(48).toString('base64');
  if (SCALE) {
    // Each Atrium of the scale run is given the URI of its own database.
    return runScale({ baseEnv: makeBaseEnv(mongodbUri, tokenSecret), mongod, workDir, started });
  }
  const baseEnv = makeBaseEnv(mongodbUri, tokenSecret);

  const seededWith = await seed(baseEnv, workDir);

  // Servers: all started once, pinned to the server CPU; idle ones cost nothing measurable.
  const servers = {};
  const start = async (name, args, env = {}) => {
    const port = await freePort();
    const child = spawnPinned(SERVER_CPU, process.execPath, args, {
      cwd: ROOT,
      env: { ...baseEnv, ...env, PORT: String(port) },
      logFile: path.join(workDir, `${name}.log`),
    });
    servers[name] = { name, child, port, url: `http://127.0.0.1:${port}/graphql` };
    return servers[name];
  };
  await start('atrium', ['dist/src/main.js']);
  await start('atrium-w2', ['bench/servers/atrium-w2.mjs']);
  // The same stack with the compiled executor switched on.
  await start('atrium-jit', ['dist/src/main.js'], { GRAPHQL_JIT: 'true' });
  await start('atrium-w2-jit', ['bench/servers/atrium-w2.mjs'], { GRAPHQL_JIT: 'true' });
  for (const peer of [...PEERS, 'naive', ...(MONITOR_EXPERIMENT ? ['monitored'] : [])]) {
    await start(peer, ['bench/servers/peer.mjs', peer]);
  }
  for (const s of Object.values(servers)) await waitForHttp(`http://127.0.0.1:${s.port}/`, s.child);
  log(`servers up: ${Object.keys(servers).join(', ')}`);

  const { MongoClient } = await import('mongodb');
  const client = await MongoClient.connect(mongodbUri);
  const db = client.db();

  // Accounts, made through Atrium's API: the viewer of W3-W5, and a second account that W6 signs in to and
  // that never sends an authenticated request (the emulator's $lookup+$project drops passwordHash from the
  // stored user once a session lookup has read it; a real mongod does not).
  const newAccount = async (username) => {
    const account = {
      username,
      email: `${username}@example.com`,
      password: `bench-${crypto.randomBytes(9).toString('base64url')}`,
    };
    const created = await gql(
      servers.atrium.url,
      `mutation($input: CreateUserInput!) {
      createUser(input: $input) { token errors { message path } } }`,
      { input: account },
    );
    if (!created.data?.createUser?.token) throw new Error(`createUser: ${JSON.stringify(created)}`);
    return account;
  };
  // The product's seed names a demo account, with its follows and favourites; the fallback seed has none,
  // so the bench makes an account and gives it some.
  let benchUser =
    seededWith === 'product' ? { email: 'demo2@conduit.example', password: 'conduit-demo-password' } : null;
  if (
    !benchUser ||
    !(await gql(servers.atrium.url, W.W6_QUERY, { input: benchUser })).data?.signInUser?.token
  ) {
    benchUser = await newAccount('benchreader');
    const created = await db.collection('users').findOne({ username: benchUser.username });
    await giveViewerAHistory(db, created._id);
  }
  const signer = await newAccount('benchsigner');
  const viewer = await db.collection('users').findOne({ emailKey: benchUser.email });
  benchUser.username = viewer.username;
  const signIn = await gql(servers.atrium.url, W.W6_QUERY, {
    input: { email: benchUser.email, password: benchUser.password },
  });
  const token = signIn.data?.signInUser?.token;
  if (!token) throw new Error(`signInUser: ${JSON.stringify(signIn)}`);
  const auth = `Token ${token}`;

  const w4Slug = (
    await db
      .collection('comments')
      .aggregate([
        { $group: { _id: '$articleId', n: { $sum: 1 } } },
        { $sort: { n: -1, _id: 1 } },
        { $limit: 1 },
      ])
      .toArray()
  )[0]?._id;
  const w4Article = w4Slug ? await db.collection('articles').findOne({ _id: w4Slug }) : null;

  const requests = {
    W1: { body: { query: '{ __typename }' } },
    W2: { body: { query: '{ items { id name email age active score createdAt } }' } },
    W3: { body: { query: W.W3_QUERY }, auth, ref: await W.referenceW3(db, viewer._id) },
    W4: {
      body: { query: W.W4_QUERY, variables: { slug: w4Article?.slug } },
      auth,
      ref: w4Article ? await W.referenceW4(db, w4Article.slug, viewer._id) : null,
    },
    W5: { body: { query: W.W5_QUERY, variables: { input: W.W5_INPUT } }, auth, ref: benchUser },
    W6: {
      body: { query: W.W6_QUERY, variables: { input: { email: signer.email, password: signer.password } } },
      ref: signer,
    },
  };

  // Probe every (workload, variant) once: it must be right before it is measured, and its bytes become
  // the expected response that wrk compares every later response against.
  const plan = {};
  const bareDir = path.join(workDir, 'bare');
  fs.mkdirSync(bareDir);
  for (const [w, spec] of Object.entries(WORKLOADS)) {
    if (ONLY && !ONLY.includes(w)) continue;
    const req = requests[w];
    const bodyFile = path.join(workDir, 'req', `${w}.json`);
    fs.writeFileSync(bodyFile, JSON.stringify(req.body));
    plan[w] = { bodyFile, auth: req.auth, variants: {} };
    for (const v of spec.variants) {
      if (v === 'bare') continue;
      const { status, text } = await post(servers[v].url, req.body, req.auth);
      try {
        if (status !== 200) throw new Error(`HTTP ${status}`);
        const markers = W.verify(w, JSON.parse(text), req.ref);
        plan[w].variants[v] = check(workDir, w, v, text, markers);
        if (v === 'atrium' || v === 'atrium-w2') fs.writeFileSync(path.join(bareDir, `${w}.json`), text);
      } catch (error) {
        log(
          `${w} ${v}: wrong response, not measured: ${error.message.split('\n')[0]}\n    ${text.slice(0, 300)}`,
        );
        plan[w].variants[v] = { failed: error.message.split('\n')[0] };
      }
    }
    if (w === 'W5') await cleanW5(db);
  }
  await start('bare', ['bench/servers/bare.mjs'], { BARE_RESPONSES_DIR: bareDir });
  await waitForHttp(`http://127.0.0.1:${servers.bare.port}/`, servers.bare.child);
  for (const w of Object.keys(plan)) {
    const file = path.join(bareDir, `${w}.json`);
    if (!fs.existsSync(file)) {
      plan[w].variants.bare = { failed: 'no Atrium response to replay' };
      continue;
    }
    servers.bare.url = `http://127.0.0.1:${servers.bare.port}/${w}`;
    plan[w].variants.bare = {
      ...check(workDir, w, 'bare', fs.readFileSync(file, 'utf8'), null),
      path: `/${w}`,
    };
  }

  // MongoDB commands per request, counted by the server itself (serverStatus), 10 requests each.
  const commands = {};
  for (const w of ['W3', 'W4', 'W5', 'W6']) {
    if (!plan[w]) continue;
    commands[w] = {};
    for (const [v, p] of Object.entries(plan[w].variants)) {
      if (v === 'bare' || p.failed) continue;
      commands[w][v] = await countCommands(db, servers[v].url, requests[w], quick ? 3 : 10);
    }
    if (w === 'W5') await cleanW5(db);
  }
  log('MongoDB commands per request', JSON.stringify(commands));

  // bcrypt alone, measured again in every round (beside W6), so that it sees the same machine conditions.
  const bcryptSamples = [measureBcrypt()];
  log(`bcrypt.compare alone at cost ${BCRYPT_ROUNDS}: ${(bcryptSamples[0] * 1000).toFixed(1)} ms CPU`);

  if (PROFILE) {
    await profileAtrium({ start, plan, servers, workDir, mongod, db });
    return;
  }

  // The rounds. Within each, every workload, with its variants in an order rotated by the round.
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [w, spec] of Object.entries(WORKLOADS)) {
      if (!plan[w]) continue;
      if (w === 'W6') bcryptSamples.push(measureBcrypt());
      const variants = spec.variants.filter((v) => !plan[w].variants[v].failed);
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const v of order) {
        const sample = await measure({ w, v, round, spec, plan, servers, mongod, db });
        samples.push(sample);
        log(
          `round ${round + 1}/${ROUNDS} ${w} ${v.padEnd(14)} ${String(Math.round(sample.rps)).padStart(6)} req/s`,
          `cpu ${sample.cpuUsPerReq.toFixed(1)} µs/req  p50 ${(sample.p50Us / 1000).toFixed(2)} ms` +
            `  p50@1 ${(sample.p50SingleUs / 1000).toFixed(3)} ms${sample.valid ? '' : `  INVALID: ${sample.problem}`}`,
        );
      }
    }
  }

  const meta = {
    date: new Date().toISOString(),
    quick,
    rounds: ROUNDS,
    windows: WINDOWS,
    connections: CONNECTIONS,
    dbConnections: DB_CONNECTIONS,
    signInConnections: SIGNIN_CONNECTIONS,
    bcryptRounds: BCRYPT_ROUNDS,
    node: process.version,
    cpus: os.cpus().map((c) => c.model)[0],
    cpuCount: os.cpus().length,
    wrk: await wrkVersion(),
    mongod: execFileSync(locateMongod(ROOT), ['--version']).toString().split('\n')[0],
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
    versions: versions(),
    failedProbes: Object.fromEntries(
      Object.entries(plan).flatMap(([w, p]) =>
        Object.entries(p.variants)
          .filter(([, x]) => x.failed)
          .map(([v, x]) => [`${w} ${v}`, x.failed]),
      ),
    ),
    bcryptAloneMs: median(bcryptSamples) * 1000,
    bcryptAloneSamplesMs: bcryptSamples.map((x) => x * 1000),
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
  const summary = summarize(samples, commands, meta);
  const resultsDir = path.join(BENCH, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const resultFile = path.join(
    resultsDir,
    `${meta.date.slice(0, 19).replace(/:/g, '-')}${quick ? '-quick' : ''}.json`,
  );
  fs.writeFileSync(resultFile, `${JSON.stringify({ meta, summary, commands, samples }, null, 2)}\n`);
  const markdown = renderMarkdown(summary, commands, meta);
  console.log(`\n${markdown}`);
  log(`results in ${path.relative(ROOT, resultFile)}`);
  if (!quick || argv.includes('--markdown')) {
    updateBenchmarksMd(path.join(ROOT, 'BENCHMARKS.md'), markdown);
    log('BENCHMARKS.md updated');
  }
  await client.close();
}

/** The environment of every server of a run. */
function makeBaseEnv(mongodbUri, tokenSecret) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'production',
    MONGODB_URI: mongodbUri,
    TOKEN_SECRET: tokenSecret,
    DATA_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    BCRYPT_ROUNDS: String(BCRYPT_ROUNDS),
    // Tokens must outlive the run; the sign-in throttle counts failures only, but keep it out of the way.
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    SIGNIN_MAX_FAILURES: '1000',
    ...generousLimits(),
  };
}

const SCALE_WORKLOADS = ['W3', 'W4', 'tags', 'feed'];
const SCALE_SIZES = ['default', 'scale'];
/** W4 shows an article with this many comments at both sizes, so that the page is the same work. */
const W4_COMMENTS = 10;

/**
 * `--scale`: the same four pages over two data sets of one seeder (bench/lib/scale-seed.mjs), the default
 * size and the scale size, each in its own database of the same MongoDB and served by its own Atrium. Per
 * round, each workload on the bare server and both Atriums in rotated order; then the commands per request
 * (serverStatus) and, from a third Atrium with command monitoring on, every command it sends, explained.
 */
async function runScale({ baseEnv, mongod, workDir, started }) {
  const { MongoClient } = await import('mongodb');
  const loadAverages = [{ at: new Date().toISOString(), load: os.loadavg() }];
  const uriOf = (size) => mongod.uri(`bench_${size}`);
  const client = await MongoClient.connect(uriOf('default'));
  const dbs = Object.fromEntries(SCALE_SIZES.map((size) => [size, client.db(`bench_${size}`)]));

  const seeding = {};
  for (const size of SCALE_SIZES) {
    log(`seeding ${size}: ${JSON.stringify(SIZES[size])}`);
    const result = await seedScale(dbs[size], SIZES[size], {
      indexes: true,
      log: (line) => log(`  ${line}`),
    });
    seeding[size] = { size: SIZES[size], ...result, load: os.loadavg() };
    log(
      `seeded ${size} in ${result.seconds.toFixed(1)} s (load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')})`,
    );
  }

  const servers = {};
  const start = async (name, args, env) => {
    const port = await freePort();
    const child = spawnPinned(SERVER_CPU, process.execPath, args, {
      cwd: ROOT,
      env: { ...baseEnv, ...env, PORT: String(port) },
      logFile: path.join(workDir, `${name}.log`),
    });
    servers[name] = { name, child, port, url: `http://127.0.0.1:${port}/graphql` };
    return servers[name];
  };
  for (const size of SCALE_SIZES) {
    await start(`atrium-${size}`, ['dist/src/main.js'], { MONGODB_URI: uriOf(size) });
  }
  // Atrium builds its indexes (found already there) and runs its backfills (nothing to do) before it listens.
  for (const s of Object.values(servers)) await waitForHttp(`http://127.0.0.1:${s.port}/`, s.child, 600_000);
  log(`servers up: ${Object.keys(servers).join(', ')}`);

  // The viewer of each size, made and given its follows and favourites through Atrium's API, as a user would.
  const requests = {};
  for (const size of SCALE_SIZES) {
    const url = servers[`atrium-${size}`].url;
    const db = dbs[size];
    const account = {
      username: 'scalereader',
      email: 'scalereader@example.com',
      password: `bench-${crypto.randomBytes(9).toString('base64url')}`,
    };
    const created = await gql(
      url,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { token errors { message path } } }`,
      { input: account },
    );
    const token = created.data?.createUser?.token;
    if (!token) throw new Error(`createUser: ${JSON.stringify(created)}`);
    const auth = `Token ${token}`;
    const newest = await gql(
      url,
      `{ articles(first: 40) { edges { node { id author { id } } } } }`,
      {},
      auth,
    );
    const nodes = newest.data.articles.edges.map((e) => e.node);
    const authors = [...new Set(nodes.map((n) => n.author.id))].slice(0, 8);
    for (const id of authors) {
      const r = await gql(
        url,
        `mutation($id: ID!) { followUser(input: { id: $id }) { user { id } } }`,
        { id },
        auth,
      );
      if (!r.data?.followUser?.user) throw new Error(`followUser: ${JSON.stringify(r)}`);
    }
    for (const { id } of nodes.slice(0, 20).filter((_, i) => i % 3 === 0)) {
      const r = await gql(
        url,
        `mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { id } } }`,
        { id },
        auth,
      );
      if (!r.data?.favoriteArticle?.article) throw new Error(`favoriteArticle: ${JSON.stringify(r)}`);
    }
    const viewer = await db.collection('users').findOne({ emailKey: account.email });
    const w4 = await db
      .collection('articles')
      .find({ commentsCount: W4_COMMENTS })
      .sort({ createdAt: -1, _id: -1 })
      .limit(1)
      .next();
    if (!w4) throw new Error(`no article of the ${size} data set has ${W4_COMMENTS} comments`);
    requests[size] = {
      W3: { body: { query: W.W3_QUERY }, auth, ref: await W.referenceW3(db, viewer._id) },
      W4: {
        body: { query: W.W4_QUERY, variables: { slug: w4.slug } },
        auth,
        ref: await W.referenceW4(db, w4.slug, viewer._id),
      },
      tags: { body: { query: W.TAGS_QUERY }, auth, ref: await W.referenceTags(db) },
      feed: { body: { query: W.FEED_QUERY }, auth, ref: await W.referenceFeed(db, viewer._id) },
    };
  }

  // Probes: each answer checked against the database's own, then kept as the bytes wrk compares with.
  const plan = {};
  const bareDir = path.join(workDir, 'bare');
  fs.mkdirSync(bareDir);
  for (const w of SCALE_WORKLOADS) {
    for (const size of SCALE_SIZES) {
      const key = `${w}-${size}`;
      const v = `atrium-${size}`;
      const req = requests[size][w];
      const bodyFile = path.join(workDir, 'req', `${key}.json`);
      fs.writeFileSync(bodyFile, JSON.stringify(req.body));
      const { status, text } = await post(servers[v].url, req.body, req.auth);
      if (status !== 200) throw new Error(`${key}: HTTP ${status} ${text.slice(0, 300)}`);
      W.verify(w, JSON.parse(text), req.ref);
      fs.writeFileSync(path.join(bareDir, `${key}.json`), text);
      plan[key] = { bodyFile, auth: req.auth, variants: { [v]: check(workDir, key, v, text, null) } };
    }
  }
  await start('bare', ['bench/servers/bare.mjs'], { BARE_RESPONSES_DIR: bareDir });
  await waitForHttp(`http://127.0.0.1:${servers.bare.port}/`, servers.bare.child);
  for (const key of Object.keys(plan)) {
    const text = fs.readFileSync(path.join(bareDir, `${key}.json`), 'utf8');
    plan[key].variants.bare = { ...check(workDir, key, 'bare', text, null), path: `/${key}` };
  }

  const commands = {};
  for (const w of SCALE_WORKLOADS) {
    commands[w] = {};
    for (const size of SCALE_SIZES) {
      commands[w][size] = await countCommands(
        dbs[size],
        servers[`atrium-${size}`].url,
        requests[size][w],
        10,
      );
    }
  }
  log('MongoDB commands per request', JSON.stringify(commands));

  const explained = {};
  for (const size of SCALE_SIZES) {
    const file = path.join(workDir, `explain-${size}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(
        SCALE_WORKLOADS.map((w) => ({ name: w, body: requests[size][w].body, auth: requests[size][w].auth })),
      ),
    );
    const out = spawnSync(process.execPath, ['bench/servers/atrium-explain.mjs', file], {
      cwd: ROOT,
      env: { ...baseEnv, MONGODB_URI: uriOf(size) },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (out.status !== 0) throw new Error(`explain (${size}) failed:\n${out.stderr.slice(-2000)}`);
    explained[size] = JSON.parse(out.stdout.trim().split('\n').at(-1));
  }
  log(
    `explained: ${SCALE_SIZES.map((size) => `${size} ${Object.values(explained[size]).flat().length} commands`).join(', ')}`,
  );

  const spec = { slow: false, db: true };
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    // What each Atrium burns with no request at all (timers, the driver's monitoring, the webhook worker's
    // polls), per second: at the scale size the emulator serves fewer requests per second, so this weighs
    // more per request there. Measured on both at once, idle, once per round.
    const atriums = SCALE_SIZES.map((size) => servers[`atrium-${size}`]);
    await settle([...atriums.map((s) => s.child.pid), mongod.child.pid]);
    const idle0 = atriums.map((s) => cpuSeconds(s.child.pid));
    const idleStart = performance.now();
    await sleep(3000);
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const idleRate = Object.fromEntries(
      atriums.map((s, i) => [s.name, (cpuSeconds(s.child.pid) - idle0[i]) / idleSeconds]),
    );
    for (const w of SCALE_WORKLOADS) {
      const slots = [
        ...SCALE_SIZES.map((size) => [`${w}-${size}`, `atrium-${size}`]),
        ...SCALE_SIZES.map((size) => [`${w}-${size}`, 'bare']),
      ];
      const order = slots.map((_, i) => slots[(i + round) % slots.length]);
      for (const [key, v] of order) {
        const sample = await measure({ w: key, v, round, spec, plan, servers, mongod, db: dbs.default });
        if (idleRate[v] !== undefined) {
          sample.idleCpuPerSecond = idleRate[v];
          sample.netCpuUsPerReq =
            ((sample.cpuSeconds - idleRate[v] * sample.cpuWallSeconds) / sample.served) * 1e6;
        }
        samples.push(sample);
        log(
          `round ${round + 1}/${ROUNDS} ${key.padEnd(13)} ${v.padEnd(14)} ${String(Math.round(sample.rps)).padStart(6)} req/s`,
          `cpu ${sample.cpuUsPerReq.toFixed(1)} µs/req${sample.valid ? '' : `  INVALID: ${sample.problem}`}`,
        );
      }
    }
    loadAverages.push({ at: new Date().toISOString(), load: os.loadavg() });
  }

  const meta = {
    date: new Date().toISOString(),
    quick,
    rounds: ROUNDS,
    windows: WINDOWS,
    dbConnections: DB_CONNECTIONS,
    node: process.version,
    cpus: os.cpus().map((c) => c.model)[0],
    cpuCount: os.cpus().length,
    wrk: await wrkVersion(),
    mongod: execFileSync(locateMongod(ROOT), ['--version']).toString().split('\n')[0],
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
    w4Comments: W4_COMMENTS,
    seeding,
    loadAverages,
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
  const summary = summarize(samples);
  const resultsDir = path.join(BENCH, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const resultFile = path.join(
    resultsDir,
    `${meta.date.slice(0, 19).replace(/:/g, '-')}-scale${quick ? '-quick' : ''}.json`,
  );
  fs.writeFileSync(
    resultFile,
    `${JSON.stringify({ meta, summary, commands, explained, samples }, null, 2)}\n`,
  );
  const markdown = renderScaleMarkdown({ summary, samples, commands, explained, meta });
  console.log(`\n${markdown}`);
  log(`results in ${path.relative(ROOT, resultFile)}`);
  if (!quick || argv.includes('--markdown')) {
    updateBenchmarksMd(path.join(ROOT, 'BENCHMARKS.md'), markdown, SCALE_MARKERS);
    log('BENCHMARKS.md updated');
  }
  await client.close();
}

/**
 * Atrium under load with V8's sampling profiler, one fresh process per workload (15 s after a 3 s warm-up), then the self time by function and by package. The profiler slows the process
 * down, so these runs are never used for the figures.
 */
async function profileAtrium({ start, plan, servers, workDir, mongod, db }) {
  const { summarizeProfile } = await import('./lib/profile-summary.mjs');
  const out = {};
  for (const w of ['W1', 'W2', 'W3', 'W4', 'W5']) {
    if (!plan[w]) continue;
    const dir = path.join(workDir, `profile-${w}`);
    const entry = w === 'W2' ? 'bench/servers/atrium-w2.mjs' : 'dist/src/main.js';
    // --jit: the compiled executor's profile instead of the interpreter's.
    const server = await start(
      `atrium-profile-${w}`,
      ['--cpu-prof', '--cpu-prof-dir', dir, entry],
      argv.includes('--jit') ? { GRAPHQL_JIT: 'true' } : {},
    );
    await waitForHttp(`http://127.0.0.1:${server.port}/`, server.child);
    const variant = w === 'W2' ? 'atrium-w2' : 'atrium';
    const connections = WORKLOADS[w].db ? DB_CONNECTIONS : CONNECTIONS;
    const common = {
      cpu: LOAD_CPU,
      url: server.url,
      bodyFile: plan[w].bodyFile,
      auth: plan[w].auth,
      check: plan[w].variants[variant],
      connections,
    };
    await runWrk({ ...common, seconds: 3 });
    await settle([server.child.pid, mongod.child.pid]);
    const result = await runWrk({ ...common, seconds: 15 });
    await settle([server.child.pid, mongod.child.pid]);
    if (w === 'W5') await cleanW5(db);
    await new Promise((resolve) => {
      server.child.once('exit', resolve);
      server.child.kill('SIGTERM');
    });
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    out[w] = { requests: result.good, bad: result.bad, ...summarizeProfile(path.join(dir, file), 30) };
    log(
      `${w}: ${result.good} requests (${result.bad} wrong) under the profiler; profile ${path.relative(ROOT, path.join(dir, file))}`,
    );
    const line = (r) =>
      `${String(r.ms).padStart(7)} ms ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`;
    console.log(`-- ${w} by category\n${out[w].categories.map(line).join('\n')}`);
    console.log(`-- ${w} self time by function\n${out[w].functions.slice(0, 25).map(line).join('\n')}`);
    console.log(`-- ${w} by package / file\n${out[w].packages.slice(0, 20).map(line).join('\n')}`);
    delete servers[`atrium-profile-${w}`];
  }
  const resultsDir = path.join(BENCH, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(
    resultsDir,
    `profile-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`,
  );
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`profile summary in ${path.relative(ROOT, file)}`);
}

/** One (workload, variant) slot of a round: warm-up, then a loaded window and a single-connection window. */
async function measure({ w, v, round, spec, plan, servers, mongod, db }) {
  const p = plan[w];
  const server = servers[v];
  const url = v === 'bare' ? `http://127.0.0.1:${server.port}${p.variants.bare.path}` : server.url;
  const common = {
    cpu: LOAD_CPU,
    url,
    bodyFile: p.bodyFile,
    auth: v === 'bare' ? undefined : p.auth,
    check: p.variants[v],
  };
  const connections = spec.slow ? SIGNIN_CONNECTIONS : spec.db ? DB_CONNECTIONS : CONNECTIONS;
  const timeoutSeconds = spec.slow ? 30 : 10;
  const pids = [server.child.pid, mongod.child.pid];
  // Sign-in is bcrypt-bound: its stack is warm after the first round's window.
  const warm = spec.slow ? (round > 0 ? 0 : WINDOWS.slowWarm) : round > 0 ? WINDOWS.rewarm : WINDOWS.warm;
  if (warm > 0) await runWrk({ ...common, connections, seconds: warm, timeoutSeconds });
  // Each measured window starts idle and its CPU is read once the server has finished what it received:
  // when wrk stops, every connection still has one request in flight, which the server completes (and
  // pays for) though wrk no longer reads the answer. Those count as requests served; on the slow,
  // database-bound workloads (tens of requests per second) they are a large share of a window.
  await settle(pids);
  const cpu0 = cpuSeconds(server.child.pid);
  const wall0 = performance.now();
  const mcpu0 = cpuSeconds(mongod.child.pid);
  const loaded = await runWrk({
    ...common,
    connections,
    seconds: spec.slow ? WINDOWS.slowLoaded : WINDOWS.loaded,
    timeoutSeconds,
  });
  await settle(pids);
  const cpu = cpuSeconds(server.child.pid) - cpu0;
  const cpuWallSeconds = (performance.now() - wall0) / 1000;
  const mongoCpu = cpuSeconds(mongod.child.pid) - mcpu0;
  const served = loaded.good + connections;
  // A quick run keeps the one-connection window for W1/W2 only, whose latency targets it checks.
  const singleCpu0 = cpuSeconds(server.child.pid);
  const single =
    quick && (spec.db || spec.slow)
      ? { good: 1, bad: 0, socketErrors: 0, timeouts: 0, p50: NaN, durationUs: NaN }
      : await runWrk({
          ...common,
          connections: 1,
          seconds: spec.slow ? WINDOWS.slowSingle : WINDOWS.single,
          timeoutSeconds,
        });
  await settle(pids);
  // One request at a time: the server never has a second request to share an event-loop turn with.
  const singleCpu = cpuSeconds(server.child.pid) - singleCpu0;
  if (w === 'W5') await cleanW5(db);
  const problems = [];
  for (const [name, r] of [
    ['loaded', loaded],
    ['single', single],
  ]) {
    if (r.bad > 0) problems.push(`${name}: ${r.bad} wrong responses, e.g. ${r.sample}`);
    if (r.socketErrors > 0 || r.timeouts > 0)
      problems.push(`${name}: ${r.socketErrors} socket errors, ${r.timeouts} timeouts`);
    if (r.good === 0) problems.push(`${name}: no responses`);
  }
  return {
    workload: w,
    variant: v,
    round,
    connections,
    requests: loaded.good,
    rps: loaded.good / (loaded.durationUs / 1e6),
    cpuSeconds: cpu,
    cpuWallSeconds,
    served,
    cpuUsPerReq: (cpu / served) * 1e6,
    mongoCpuUsPerReq: (mongoCpu / served) * 1e6,
    p50Us: loaded.p50,
    p99Us: loaded.p99,
    p50SingleUs: single.p50,
    cpuUsPerReqSingle: Number.isFinite(single.durationUs) ? (singleCpu / (single.good + 1)) * 1e6 : NaN,
    singleRps: single.good / (single.durationUs / 1e6),
    valid: problems.length === 0,
    problem: problems.join('; ') || undefined,
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Waits (at most 15 s) until the processes have used no CPU for 150 ms: the backlog is done. */
async function settle(pids) {
  const total = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const deadline = Date.now() + 15_000;
  let last = total();
  while (Date.now() < deadline) {
    await sleep(150);
    const now = total();
    // One clock tick of slack: timers and the driver's heartbeats.
    if (now - last <= 0.011) return;
    last = now;
  }
}

/** The expected-response file (or marker file) wrk checks against, for one variant. */
function check(workDir, w, v, text, markers) {
  const file = path.join(workDir, 'req', `${w}.${v}.${markers ? 'contains' : 'expect'}`);
  if (markers) {
    fs.writeFileSync(file, `${markers.join('\n')}\n`);
    return { containsFile: file };
  }
  // Extensions may carry figures that change with every request (Atrium's rate-limit budget): then the
  // data must match byte for byte and whatever follows it is not compared.
  const { data, extensions } = JSON.parse(text);
  const prefix = `{"data":${JSON.stringify(data)}`;
  if (extensions !== undefined && text.startsWith(prefix)) {
    fs.writeFileSync(file, prefix);
    return { expectFile: file, prefix: true };
  }
  fs.writeFileSync(file, text);
  return { expectFile: file };
}

let postCounter = 0;
async function post(url, body, auth) {
  postCounter += 1;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body).replaceAll('@@N@@', `0-${postCounter}`),
  });
  return { status: res.status, text: await res.text() };
}

async function gql(url, query, variables, auth) {
  const { text } = await post(url, { query, variables }, auth);
  return JSON.parse(text);
}

// Commands a request causes; connection upkeep (hello, ping) and the counting itself are left out.
const UPKEEP = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'serverStatus',
  'endSessions',
  'buildInfo',
  'saslStart',
  'saslContinue',
]);
async function commandTotal(db) {
  const status = await db.admin().command({ serverStatus: 1 });
  let total = 0;
  for (const [name, c] of Object.entries(status.metrics?.commands ?? {})) {
    if (!UPKEEP.has(name) && typeof c?.total === 'number') total += c.total;
  }
  return total;
}

async function countCommands(db, url, req, n) {
  const before = await commandTotal(db);
  for (let i = 0; i < n; i++) await post(url, req.body, req.auth);
  return ((await commandTotal(db)) - before) / n;
}

async function cleanW5(db) {
  await db.collection('articles').deleteMany({ tagList: W.W5_TAG });
}

/**
 * The bench viewer follows a few authors and favourites a few recent articles (documents as Atrium's
 * models define them), so that W3/W4's viewer fields are a mix of true and false, not all false.
 */
async function giveViewerAHistory(db, viewerId) {
  const now = new Date();
  const authors = await db
    .collection('users')
    .find({ _id: { $ne: viewerId } })
    .limit(10)
    .toArray();
  for (const a of authors.filter((_, i) => i % 2 === 0)) {
    await db
      .collection('follows')
      .updateOne(
        { followerId: viewerId, followeeId: a._id },
        { $setOnInsert: { createdAt: now } },
        { upsert: true },
      );
  }
  const recent = await db
    .collection('articles')
    .find({})
    .sort({ createdAt: -1, _id: -1 })
    .limit(20)
    .toArray();
  for (const a of recent.filter((_, i) => i % 3 === 0)) {
    await db
      .collection('favorites')
      .updateOne(
        { userId: viewerId, articleId: a._id },
        { $setOnInsert: { createdAt: now } },
        { upsert: true },
      );
  }
}

/** The product's seed when it exists (it is what the bench should measure on), else the bench's own. */
async function seed(env, workDir) {
  const productSeed = path.join(ROOT, 'dist/src/cli/seed.js');
  const script = fs.existsSync(productSeed) ? productSeed : path.join(BENCH, 'lib/seed.mjs');
  log(`seeding with ${path.relative(ROOT, script)}`);
  const out = spawnSync(process.execPath, [script], {
    cwd: ROOT,
    env: { ...env, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  fs.writeFileSync(path.join(workDir, 'seed.log'), `${out.stdout}\n${out.stderr}`);
  if (out.status !== 0) throw new Error(`seed failed (see ${workDir}/seed.log):\n${out.stderr.slice(-2000)}`);
  return script === productSeed ? 'product' : 'bench';
}

/** CPU time of bcrypt.compare at the configured cost, in its own process on the server CPU. */
function measureBcrypt() {
  const code = `
    const bcrypt = require('bcrypt');
    const hash = bcrypt.hashSync('correct horse battery', ${BCRYPT_ROUNDS});
    bcrypt.compareSync('correct horse battery', hash);
    const n = ${quick ? 3 : 8};
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) bcrypt.compareSync('correct horse battery', hash);
    const t = process.cpuUsage(t0);
    process.stdout.write(String((t.user + t.system) / 1e6 / n));`;
  const out = execFileSync('taskset', ['-c', String(SERVER_CPU), process.execPath, '-e', code], {
    cwd: ROOT,
  });
  return Number(out.toString());
}

/**
 * Rate limits as generous as the configuration allows (the largest value of each numeric RATE_LIMIT_* key),
 * so that the bench is never throttled while the limiter still runs, as it does in production.
 */
function generousLimits() {
  const source = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8');
  const env = {};
  for (const [, key, max] of source.matchAll(
    /^\s+(RATE_LIMIT_[A-Z0-9_]+):\s*(?:setting\()?int\(\s*[\d_]+\s*,\s*([\d_* ]+)\)/gm,
  )) {
    env[key] = String(Function(`return ${max.replace(/_/g, '')}`)());
  }
  // Loudly, rather than measuring 429s: the bench must keep up with how config.ts declares its keys.
  for (const key of ['RATE_LIMIT_MAX_POINTS', 'RATE_LIMIT_RESTORE_RATE']) {
    if (!(key in env)) throw new Error(`could not read the upper bound of ${key} from src/config.ts`);
  }
  return env;
}

function versions() {
  const read = (dir, name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8'))
        .version;
    } catch {
      return null;
    }
  };
  return {
    atrium: {
      '@apollo/server': read(ROOT, '@apollo/server'),
      'type-graphql': read(ROOT, 'type-graphql'),
      graphql: read(ROOT, 'graphql'),
      mongoose: read(ROOT, 'mongoose'),
      dataloader: read(ROOT, 'dataloader'),
    },
    peers: Object.fromEntries(
      [
        '@apollo/server',
        '@as-integrations/express5',
        'express',
        'graphql-yoga',
        'mercurius',
        'fastify',
        'graphql-jit',
        'graphql',
        'dataloader',
        'mongodb',
      ].map((n) => [n, read(BENCH, n)]),
    ),
  };
}

/** The bench installs what it needs: wrk (Debian package) and its own node_modules. */
function ensureTools() {
  if (spawnSync('which', ['wrk']).status !== 0) {
    log('installing wrk');
    const asRoot = (args) =>
      process.getuid() === 0
        ? spawnSync(args[0], args.slice(1), { stdio: 'inherit' })
        : spawnSync('sudo', args, { stdio: 'inherit' });
    asRoot(['apt-get', 'update', '-qq']);
    if (asRoot(['apt-get', 'install', '-y', '-qq', 'wrk']).status !== 0)
      throw new Error('could not install wrk');
  }
  if (!fs.existsSync(path.join(BENCH, 'node_modules', 'mercurius'))) {
    log('installing the bench dependencies');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: BENCH, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm ci in bench/ failed');
  }
}

let exiting = false;
async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  await stopAll();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

main().then(
  () => shutdown(0),
  (error) => {
    console.error(error);
    return shutdown(1);
  },
);
