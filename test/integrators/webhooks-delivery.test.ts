import { openDatabase, type Database } from '../../src/db';
import type { AppDeps } from '../../src/deps';
import { Metrics } from '../../src/observability/metrics';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher';
import type { WebhookEvent } from '../../src/webhooks/events';
import { DeliveryWorker } from '../../src/webhooks/worker';
import { signUp, type SignedUp } from '../support/fixtures';
import { createTestApp, mongoUri, type TestApp } from '../support/harness';
import { waitFor } from '../subscriptions/support';
import { CREATE_ENDPOINT, createEndpoint, deliveriesOf, ENDPOINTS, Receiver } from './webhook-support';

let app: TestApp;
let receiver: Receiver;
const workers: DeliveryWorker[] = [];

beforeAll(async () => {
  app = await createTestApp({
    env: {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1',
      WEBHOOK_DISABLE_AFTER_SECONDS: '1',
      // A's held attempt must not time out (and be recorded) before the test has cut A off: far longer than that takes.
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
    },
  });
  receiver = await new Receiver().start();
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await receiver.close();
  await app.close();
});

let count = 0;
function eventFor(owner: SignedUp): WebhookEvent {
  count += 1;
  return {
    id: `evt_test_${owner.id}_${count}`,
    type: 'article.published',
    occurredAt: new Date(),
    ownerId: owner.id,
    data: {
      article: {
        id: `a${count}`,
        slug: `s${count}`,
        title: `t${count}`,
        author: { username: owner.username },
      },
    },
  };
}

function worker(
  deps: AppDeps,
  options: ConstructorParameters<typeof DeliveryWorker>[1] = {},
): DeliveryWorker {
  const created = new DeliveryWorker(deps, options);
  workers.push(created);
  return created;
}

test('when the instance making an attempt dies, then its lease expires and another instance delivers with the same webhook-id', async () => {
  const owner = await signUp(app);
  const { id } = await createEndpoint(app, owner, `${receiver.url}/takeover`);
  receiver.answer = (request) =>
    request.path === '/takeover' && receiver.received.filter((r) => r.path === '/takeover').length === 1
      ? 'hold'
      : { status: 200 };
  // Instance A: a connection of its own to the same database.
  const dbA: Database = await openDatabase(mongoUri(), app.deps.db.connection.name, { maxTimeMS: 10_000 });
  const a = worker({ ...app.deps, db: dbA, models: dbA.models });
  await new WebhookDispatcher(app.deps).record([eventFor(owner)]);
  a.start();
  await waitFor(() => receiver.received.some((r) => r.path === '/takeover'), 15_000, "A's attempt");
  const leased = await app.deps.models.WebhookDelivery.findOne({ endpointId: id }).lean();
  expect(leased).toMatchObject({ leaseOwner: a.instanceId, attempts: 0 });
  // A dies mid-attempt: its database connection is gone, so it can neither record the attempt nor give the
  // lease back.
  await dbA.close();
  await a.stop();
  expect(await app.deps.models.WebhookDelivery.findOne({ endpointId: id }).lean()).toMatchObject({
    leaseOwner: a.instanceId,
  });

  const metrics = new Metrics();
  const b = worker(app.deps, { metrics });
  b.start();
  await waitFor(async () => (await deliveriesOf(app, owner, id))[0]?.status === 'SUCCEEDED', 15_000, 'B');
  const requests = receiver.received.filter((r) => r.path === '/takeover');
  expect(requests).toHaveLength(2);
  expect(requests[1]!.headers['webhook-id']).toBe(requests[0]!.headers['webhook-id']);
  expect(requests[1]!.body).toBe(requests[0]!.body);
  // A's attempt was never recorded; B's was.
  expect((await deliveriesOf(app, owner, id))[0]).toMatchObject({ attempts: 1, lastStatusCode: 200 });
  expect((await metrics.render()).body).toMatch(/atrium_webhook_deliveries_total\{outcome="succeeded"\} 1\n/);
  await b.stop();
});

test('when every attempt fails for longer than WEBHOOK_DISABLE_AFTER_SECONDS, then the endpoint is disabled with a reason and gets no more deliveries', async () => {
  const owner = await signUp(app);
  const { id } = await createEndpoint(app, owner, `${receiver.url}/broken`);
  receiver.answer = (request) => (request.path === '/broken' ? { status: 500 } : { status: 200 });
  const metrics = new Metrics();
  const sender = worker(app.deps, { metrics });
  const dispatcher = new WebhookDispatcher(app.deps, () => sender.wake());
  await dispatcher.record([eventFor(owner)]);
  sender.start();

  const endpointOf = async () =>
    (await app.execute(ENDPOINTS, { as: owner })).data.viewer.webhookEndpoints.find(
      (e: { id: string }) => e.id === id,
    );
  await waitFor(async () => (await endpointOf()).enabled === false, 20_000, 'the endpoint disabled');
  const endpoint = await endpointOf();
  expect(endpoint.disabledReason).toContain('HTTP 500');
  // Its pending delivery ends FAILED without another attempt; new events record nothing for it.
  await waitFor(async () => (await deliveriesOf(app, owner, id))[0]?.status === 'FAILED', 20_000, 'FAILED');
  const sent = receiver.received.filter((r) => r.path === '/broken').length;
  expect(sent).toBeGreaterThanOrEqual(2);
  expect((await deliveriesOf(app, owner, id))[0]).toMatchObject({
    lastError: 'endpoint disabled',
    attempts: sent,
  });
  expect(await dispatcher.record([eventFor(owner)])).toEqual({ inserted: 0 });
  const rendered = (await metrics.render()).body;
  expect(rendered).toMatch(/atrium_webhook_deliveries_total\{outcome="retrying"\} [1-9]/);
  expect(rendered).toMatch(/atrium_webhook_deliveries_total\{outcome="failed"\} 1\n/);

  // Enabled again by its owner: it takes deliveries again, its failure cleared (redeliverWebhook sends the missed ones).
  const enabled = await app.execute(
    `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: true }) { endpoint { enabled disabledReason } } }`,
    { as: owner, variables: { id } },
  );
  expect(enabled.data.updateWebhookEndpoint.endpoint).toEqual({ enabled: true, disabledReason: null });
  await sender.stop();
});

test('when a host name is resolved for an attempt, then the connection goes to the address resolved and checked', async () => {
  const owner = await signUp(app);
  const port = new URL(receiver.url).port;
  // Not a name the system resolves: only the given resolver knows it.
  const { id } = await createEndpoint(app, owner, `http://receiver.atrium.test:${port}/pinned`);
  const asked: string[] = [];
  const sender = worker(app.deps, {
    resolver: async (hostname) => {
      asked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    },
  });
  receiver.answer = () => ({ status: 200 });
  await new WebhookDispatcher(app.deps, () => sender.wake()).record([eventFor(owner)]);
  sender.start();
  await waitFor(
    async () => (await deliveriesOf(app, owner, id))[0]?.status === 'SUCCEEDED',
    15_000,
    'delivery',
  );
  expect(asked).toEqual(['receiver.atrium.test']);
  const request = receiver.received.find((r) => r.path === '/pinned');
  expect(request?.headers.host).toBe(`receiver.atrium.test:${port}`);
  await sender.stop();
});

test('when the signing secret cannot be decrypted, then nothing is sent and the attempt fails saying why', async () => {
  const owner = await signUp(app);
  const { id } = await createEndpoint(app, owner, `${receiver.url}/unsigned`);
  // As if it had been encrypted under a key no longer configured.
  await app.deps.models.WebhookEndpoint.updateOne(
    { _id: id },
    { $set: { 'secret.keyId': '0000000000000000' } },
  );
  const sender = worker(app.deps);
  await new WebhookDispatcher(app.deps, () => sender.wake()).record([eventFor(owner)]);
  sender.start();
  await waitFor(async () => (await deliveriesOf(app, owner, id))[0]?.attempts === 1, 15_000, 'the attempt');
  expect((await deliveriesOf(app, owner, id))[0]).toMatchObject({
    status: 'RETRYING',
    lastStatusCode: null,
    lastError: 'the signing secret cannot be decrypted with the configured DATA_ENCRYPTION_KEY',
  });
  expect(receiver.received.filter((r) => r.path === '/unsigned')).toEqual([]);
  await sender.stop();
});

describe('in production', () => {
  let prod: TestApp;
  beforeAll(async () => {
    prod = await createTestApp({
      production: true,
      env: { WEBHOOK_RETRY_SCHEDULE: '0', WEBHOOK_POLL_INTERVAL_MS: '50' },
    });
  });
  afterAll(() => prod.close());

  test('when the URL is plain http, names this machine or has a non-public address, then creating it is refused', async () => {
    const owner = await signUp(prod);
    const refused = [
      'http://hooks.example.com/x',
      'https://localhost/x',
      'https://api.localhost/x',
      'https://127.0.0.1/x',
      'https://0x7f.1/x',
      'https://2130706433/x',
      'https://10.1.2.3/x',
      'https://172.16.0.1/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://224.0.0.1/x',
      'https://[::1]/x',
      'https://[::]/x',
      'https://[fe80::1]/x',
      'https://[fd00:ec2::254]/x',
      'https://[ff02::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[64:ff9b::a9fe:a9fe]/x',
    ];
    for (const url of refused) {
      const result = await prod.execute(CREATE_ENDPOINT, {
        as: owner,
        variables: { input: { url, events: ['ARTICLE_PUBLISHED'] } },
      });
      expect({
        url,
        errors: result.data.createWebhookEndpoint.errors.map((e: { path: string }) => e.path),
      }).toEqual({
        url,
        errors: ['url'],
      });
    }
    // A public name is accepted; its addresses are checked at every attempt.
    const accepted = await prod.execute(CREATE_ENDPOINT, {
      as: owner,
      variables: { input: { url: 'https://hooks.example.com/x', events: ['ARTICLE_PUBLISHED'] } },
    });
    expect(accepted.data.createWebhookEndpoint.errors).toEqual([]);
  });

  test('when a host name resolves to a private address, then every attempt is refused before connecting', async () => {
    const owner = await signUp(prod);
    const { id } = await createEndpoint(prod, owner, 'https://internal.example.com/hook');
    const asked: string[] = [];
    const sender = worker(prod.deps, {
      resolver: async (hostname) => {
        asked.push(hostname);
        return [
          { address: '10.0.0.5', family: 4 },
          { address: '::ffff:192.168.0.1', family: 6 },
        ];
      },
    });
    await new WebhookDispatcher(prod.deps, () => sender.wake()).record([eventFor(owner)]);
    sender.start();
    await waitFor(
      async () => (await deliveriesOf(prod, owner, id))[0]?.status === 'FAILED',
      15_000,
      'FAILED',
    );
    // Checked again at the retry: two attempts, two resolutions.
    expect(asked).toEqual(['internal.example.com', 'internal.example.com']);
    expect((await deliveriesOf(prod, owner, id))[0]).toMatchObject({
      attempts: 2,
      lastStatusCode: null,
      lastError: 'The host internal.example.com resolves only to addresses that are not public.',
    });
    await sender.stop();
  });
});
