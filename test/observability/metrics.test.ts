import fs from 'node:fs';
import path from 'node:path';
import { Metrics } from '../../src/observability/metrics';
import { QUERY_TAGS } from '../../src/observability/query-tags';
import { publish } from '../support/content';
import { CREATE_USER, SIGN_IN, signUp, userInput, type SignedUp } from '../support/fixtures';
import { createTestApp, type HttpResult, type TestApp } from '../support/harness';
import { parsePrometheusText, sampleValue, type Family } from '../support/prometheus';

/** Each caller's bucket of cost points, and what one operation may cost. */
const POINTS = 100;

let app: TestApp;
let alice: SignedUp;
let bob: SignedUp;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      METRICS_PORT: '0',
      // One proxy in front: each group of requests below comes from an address of its own.
      TRUST_PROXY: '1',
      RATE_LIMIT_ENABLED: 'true',
      MAX_QUERY_COST: String(POINTS),
      RATE_LIMIT_MAX_POINTS: String(POINTS),
      RATE_LIMIT_RESTORE_RATE: '1',
      SIGNIN_MAX_FAILURES: '1',
    },
    listen: true,
  });
  // In-process requests do not pass the HTTP edge: they are not counted.
  alice = await signUp(app);
  bob = await signUp(app);
  await publish(app, alice);
  await publish(app, bob);
});
afterAll(async () => {
  await app.close();
});

async function scrape(target: TestApp = app): Promise<Map<string, Family>> {
  const response = await fetch(`${target.metricsUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await response.text());
}

function from(address: string, init: { body: string; headers?: Record<string, string> }): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...init.headers },
    body: init.body,
  };
}

const gql = (address: string, query: string, variables: Record<string, unknown> = {}) =>
  app.request('/graphql', from(address, { body: JSON.stringify({ query, variables }) }));

const code = (result: HttpResult): unknown => result.json?.errors?.[0]?.extensions?.code;

const HOME = '{ articles(first: 10) { nodes { slug author { username } } } }';
/** Costs the whole bucket: 1 for the connection and 1 per article of a page of 99. */
const WHOLE_BUCKET = '{ articles(first: 99) { nodes { slug } } }';

describe('GET /metrics on METRICS_PORT', () => {
  test('when a query, a mutation, malformed requests, a rate-limited request and a throttled sign-in are sent, then the metrics move by exactly those', async () => {
    const before = await scrape();
    const sent: HttpResult[] = [];
    const send = async (result: Promise<HttpResult>, status: number) => {
      const done = await result;
      expect(done.status).toBe(status);
      sent.push(done);
      return done;
    };

    const query = await send(gql('198.51.100.1', HOME), 200);
    expect(query.json.data.articles.nodes).toHaveLength(2);
    // A mutation, then a query costing the whole bucket from the same address: the mutation's points are
    // not back for many seconds.
    const mutation = await send(gql('198.51.100.2', CREATE_USER, { input: userInput() }), 200);
    expect(mutation.json.data.createUser.errors).toEqual([]);
    const limited = await send(gql('198.51.100.2', WHOLE_BUCKET), 429);
    expect(code(limited)).toBe('RATE_LIMITED');
    expect(limited.json.extensions.cost.requestedQueryCost).toBe(POINTS);
    const notJson = await send(app.request('/graphql', from('198.51.100.3', { body: '{"query": ' })), 400);
    expect(code(notJson)).toBe('BAD_REQUEST');
    const unparsable = await send(gql('198.51.100.3', '{ articles('), 400);
    expect(code(unparsable)).toBe('GRAPHQL_PARSE_FAILED');
    // One failure is allowed; the next attempt is refused, even with the right password.
    const failed = await send(
      gql('198.51.100.4', SIGN_IN, { input: { email: bob.email, password: 'not it!' } }),
      200,
    );
    expect(failed.json.data.signInUser.errors).toHaveLength(1);
    const throttled = await send(
      gql('198.51.100.4', SIGN_IN, { input: { email: bob.email, password: bob.password } }),
      429,
    );
    expect(code(throttled)).toBe('RATE_LIMITED');
    await send(app.request('/health/live'), 200);
    await send(app.request('/no/such/path'), 404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    const requests = 'atrium_http_request_duration_seconds_count';
    expect(delta(requests, { route: '/graphql', status: '200' })).toBe(3);
    expect(delta(requests, { route: '/graphql', status: '400' })).toBe(2);
    expect(delta(requests, { route: '/graphql', status: '429' })).toBe(2);
    expect(delta(requests, { route: '/health/live', status: '200' })).toBe(1);
    expect(delta(requests, { route: 'other', status: '404' })).toBe(1);
    expect(sum(after, requests) - sum(before, requests)).toBe(sent.length);

    // The body that is not JSON never reached GraphQL: six operations, not seven.
    const operations = 'atrium_graphql_operations_total';
    const op = (type: string, outcome: string) => delta(operations, { type, operation: 'adhoc', outcome });
    expect(op('query', 'ok')).toBe(1);
    expect(op('mutation', 'ok')).toBe(2);
    expect(op('query', 'RATE_LIMITED')).toBe(1);
    expect(op('mutation', 'RATE_LIMITED')).toBe(1);
    expect(op('unknown', 'GRAPHQL_PARSE_FAILED')).toBe(1);
    expect(sum(after, operations) - sum(before, operations)).toBe(6);

    const refusals = 'atrium_rate_limit_refusals_total';
    expect(delta(refusals, { limit: 'cost' })).toBe(1);
    expect(delta(refusals, { limit: 'sign_in' })).toBe(1);

    // Every priced operation reports its cost; the refused one never ran, so has no actual cost.
    const costs = sent.map((r) => r.json?.extensions?.cost).filter(Boolean);
    expect(costs).toHaveLength(5);
    const ran = sent
      .filter((r) => r !== limited)
      .map((r) => r.json?.extensions?.cost)
      .filter(Boolean);
    const cost = 'atrium_graphql_cost_points';
    expect(delta(`${cost}_count`, { measure: 'requested' })).toBe(5);
    expect(delta(`${cost}_sum`, { measure: 'requested' })).toBe(
      costs.reduce((n, c) => n + c.requestedQueryCost, 0),
    );
    expect(delta(`${cost}_count`, { measure: 'actual' })).toBe(4);
    expect(delta(`${cost}_sum`, { measure: 'actual' })).toBe(ran.reduce((n, c) => n + c.actualQueryCost, 0));

    // MongoDB: the commands each response reported, by tag where the test knows them.
    const commands = 'atrium_mongodb_command_duration_seconds_count';
    const reported = sent.reduce((n, r) => n + (r.json?.extensions?.diagnostics?.mongoCommands ?? 0), 0);
    expect(reported).toBeGreaterThan(0);
    expect(sum(after, commands) - sum(before, commands)).toBe(reported);
    expect(delta(commands, { tag: 'articles.page' })).toBe(1);
    expect(delta(commands, { tag: 'users.byId' })).toBe(1);
    // Three counters (account and address, address, account) per sign-in attempt.
    expect(delta(commands, { tag: 'throttle.reserve' })).toBe(6);
    expect(delta(commands, { tag: 'other' })).toBe(0);

    // The page's two authors in one batch.
    const batches = 'atrium_dataloader_batch_size';
    expect(delta(`${batches}_count`, { loader: 'users.byId' })).toBe(1);
    expect(delta(`${batches}_sum`, { loader: 'users.byId' })).toBe(2);
    expect(delta(`${batches}_count`, { loader: 'articles.page' })).toBe(1);
    expect(delta(`${batches}_sum`, { loader: 'articles.page' })).toBe(1);
  });

  test('when /metrics is scraped, then the process figures and event loop lag are there too', async () => {
    const metrics = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(metrics.has(name)).toBe(true);
    }
    expect(metrics.get('atrium_http_request_duration_seconds')?.type).toBe('histogram');
    expect(metrics.get('atrium_graphql_operations_total')?.type).toBe('counter');
    // Refusals are rare: their series exist from the start, so that a rate over them starts at zero.
    const limits = metrics.get('atrium_rate_limit_refusals_total')!.samples.map((s) => s.labels['limit']);
    expect(limits.sort()).toEqual(['account_mail', 'cost', 'sign_in']);
  });

  test('when the public port is asked for /metrics, then it is a JSON 404 and no figures', async () => {
    const res = await app.request('/metrics');
    expect(res.status).toBe(404);
    expect(res.json.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(res.text).not.toContain('atrium_');
  });

  test('when the metrics listener is asked for anything but GET /metrics, then it refuses', async () => {
    expect((await fetch(`${app.metricsUrl}/graphql`)).status).toBe(404);
    const post = await fetch(`${app.metricsUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('one registry per server', () => {
  test('when two apps run in one process, then each counts its own requests, whatever the log level', async () => {
    const other = await createTestApp({ env: { METRICS_PORT: '0', LOG_LEVEL: 'silent' }, listen: true });
    try {
      const mine = 'atrium_http_request_duration_seconds_count';
      const labels = { route: '/health/live', status: '200' };
      const [appBefore, otherBefore] = [await scrape(app), await scrape(other)];
      await other.request('/health/live');
      await other.request('/health/live');
      await app.request('/health/live');
      const [appAfter, otherAfter] = [await scrape(app), await scrape(other)];
      expect(sampleValue(otherAfter, mine, labels) - sampleValue(otherBefore, mine, labels)).toBe(2);
      expect(sampleValue(appAfter, mine, labels) - sampleValue(appBefore, mine, labels)).toBe(1);
    } finally {
      await other.close();
    }
  });

  test('when METRICS_PORT is unset, then nothing is kept and no listener can start', async () => {
    const plain = await createTestApp();
    try {
      expect(plain.server.metrics).toBeUndefined();
      await expect(plain.server.listenMetrics(0)).rejects.toThrow('METRICS_PORT');
    } finally {
      await plain.close();
    }
  });
});

describe('bounded labels', () => {
  test('when tags, codes or routes are unknown, then they are counted as other', async () => {
    const metrics = new Metrics();
    metrics.mongoCommand('made.up', 0.001);
    metrics.mongoCommand(`users.${'x'.repeat(100)}`, 0.001);
    metrics.loaderBatch('not.a.loader', 3);
    metrics.graphqlOperation('query', ['SOMETHING_NEW']);
    const families = parsePrometheusText((await metrics.render()).body);
    expect(sampleValue(families, 'atrium_mongodb_command_duration_seconds_count', { tag: 'other' })).toBe(2);
    expect(sampleValue(families, 'atrium_dataloader_batch_size_sum', { loader: 'other' })).toBe(3);
    expect(
      sampleValue(families, 'atrium_graphql_operations_total', {
        type: 'query',
        operation: 'adhoc',
        outcome: 'OTHER',
      }),
    ).toBe(1);
    const tags = families.get('atrium_mongodb_command_duration_seconds')!.samples.map((s) => s.labels['tag']);
    expect(new Set(tags)).toEqual(new Set(['other']));
  });

  test('when the code tags a MongoDB command with a literal, then the metrics know that tag', () => {
    const root = path.join(__dirname, '..', '..', 'src');
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts') && !file.endsWith('query-tags.ts')) {
          const text = fs.readFileSync(file, 'utf8');
          // Tags name a collection (or a transaction) and what is asked of it: 'articles.byId'.
          for (const match of text.matchAll(
            /'((?:articles|comments|favorites|follows|users|sessions|tags|throttle|rateLimit|auth|transaction|apiKeys|persistedQueries|webhooks)\.[A-Za-z.]+)'/g,
          ))
            used.add(match[1]!);
        }
      }
    };
    walk(root);
    // The counters moved inside a write's transaction, tagged with a template literal.
    used.add('articles.count.commentsCount').add('articles.count.favoritesCount');
    expect([...used].sort()).toEqual([...QUERY_TAGS].sort());
  });
});

describe('the reader of the text format', () => {
  test('when the text breaks the format, then it is refused', () => {
    const family = '# TYPE a counter\n';
    for (const text of [
      'a 1\n', // no TYPE
      `${family}a 1`, // no final newline
      `${family}a{x="1"} 1\na{x="1"} 2\n`, // one series twice
      `${family}a{x=1} 1\n`, // unquoted label value
      `${family}a one\n`,
      `${family}b 1\n`, // outside its family
      `${family}a 1\n# TYPE b gauge\nb 1\n# TYPE a counter\n`, // a family split in two
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf bucket
    ]) {
      expect(() => parsePrometheusText(text)).toThrow();
    }
    const read = parsePrometheusText(
      `# HELP a A \\ help\n${family}a{x="q\\"uote"} Nan\na{x=""} +Inf 1700000000\n`,
    );
    expect(read.get('a')).toMatchObject({ type: 'counter', help: 'A \\ help' });
    expect(sampleValue(read, 'a', { x: 'q"uote' })).toBeNaN();
    expect(sampleValue(read, 'a', { x: '' })).toBe(Infinity);
  });
});

/** The sum of a sample over all its series. */
function sum(families: Map<string, Family>, name: string): number {
  const family = families.get(name.replace(/_(count|sum|bucket)$/, '')) ?? families.get(name);
  return (family?.samples ?? []).filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
}
