import { keyIdOf } from '../../src/auth/data-cipher';
import { startWebhooks, type Webhooks } from '../../src/webhooks';
import { comment, follow, publish } from '../support/content';
import { grantRole, signUp, type SignedUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { waitFor } from '../subscriptions/support';
import {
  CREATE_ENDPOINT,
  createEndpoint,
  deliveriesOf,
  ENDPOINTS,
  Receiver,
  REDELIVER,
  verifySignature,
} from './webhook-support';

let app: TestApp;
let webhooks: Webhooks;
let receiver: Receiver;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_MAX_ENDPOINTS_PER_USER: '3',
      EVENTS_MAX_AWAIT_MS: '100',
    },
  });
  receiver = await new Receiver().start();
  webhooks = await startWebhooks(app.deps);
});

afterAll(async () => {
  await webhooks.stop();
  await app.deps.events.stop();
  await receiver.close();
  await app.close();
});

beforeEach(() => {
  receiver.answer = () => ({ status: 200 });
});

/** The requests made to `path` so far. */
const at = (path: string) => receiver.received.filter((r) => r.path === path);

describe('delivery', () => {
  test('when an article is published, then its author’s endpoint gets a POST signed per Standard Webhooks with the public fields', async () => {
    const author = await signUp(app);
    const { secret } = await createEndpoint(app, author, `${receiver.url}/published`, ['ARTICLE_PUBLISHED']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const article = await publish(app, author, { title: 'Signed and sent' });

    await waitFor(() => at('/published').length === 1, 15_000, 'the delivery');
    const [request] = at('/published');
    expect(verifySignature(secret, request!.headers, request!.body)).toBe(true);
    // A signature under another secret, or over another body, does not verify.
    expect(
      verifySignature(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request!.headers, request!.body),
    ).toBe(false);
    expect(verifySignature(secret, request!.headers, `${request!.body} `)).toBe(false);
    const timestamp = Number(request!.headers['webhook-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(300);
    expect(request!.headers['webhook-id']).toMatch(/^evt_/);
    expect(request!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body);
    expect(body).toEqual({
      type: 'article.published',
      timestamp: expect.any(String),
      data: {
        article: {
          id: article.id,
          slug: article.slug,
          title: 'Signed and sent',
          author: { username: author.username },
        },
      },
    });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });

  test('when a comment is added and a user followed, then the comment and the follower are in `data`; other types are not sent', async () => {
    const author = await signUp(app);
    const reader = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/social`, [
      'COMMENT_ADDED',
      'USER_FOLLOWED',
    ]);
    const article = await publish(app, author);
    const added = await comment(app, reader, article.id, 'First!');
    await follow(app, reader, author);

    await waitFor(() => at('/social').length === 2, 15_000, 'two deliveries');
    const bodies = at('/social').map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(['comment.added', 'user.followed']);
    expect(bodies.find((b) => b.type === 'comment.added').data).toEqual({
      article: {
        id: article.id,
        slug: article.slug,
        title: article.title,
        author: { username: author.username },
      },
      comment: { id: added.id, body: 'First!', author: { username: reader.username } },
    });
    expect(bodies.find((b) => b.type === 'user.followed').data).toEqual({
      follower: { username: reader.username },
    });
    // The publication was not subscribed to: no delivery was recorded for it.
    await waitFor(async () => (await deliveriesOf(app, author, id)).every((d) => d.status === 'SUCCEEDED'));
    const deliveries = await deliveriesOf(app, author, id);
    expect(deliveries.map((d) => d.eventType).sort()).toEqual(['COMMENT_ADDED', 'USER_FOLLOWED']);
  });

  test("when someone else publishes, then a user's endpoint gets nothing, and an admin's gets it", async () => {
    const someone = await signUp(app);
    const bystander = await signUp(app);
    const admin = await signUp(app);
    await grantRole(app, admin.id, 'admin');
    const bystanders = await createEndpoint(app, bystander, `${receiver.url}/bystander`);
    const admins = await createEndpoint(app, admin, `${receiver.url}/admin`);
    const article = await publish(app, someone);

    await waitFor(
      () => at('/admin').some((r) => JSON.parse(r.body).data.article.id === article.id),
      15_000,
      "the admin's delivery",
    );
    expect(await deliveriesOf(app, bystander, bystanders.id)).toEqual([]);
    expect((await deliveriesOf(app, admin, admins.id)).length).toBeGreaterThan(0);
  });

  test('when the endpoint answers 500, then the delivery is retried with the same webhook-id and succeeds', async () => {
    const author = await signUp(app);
    const { id, secret } = await createEndpoint(app, author, `${receiver.url}/flaky`);
    let calls = 0;
    receiver.answer = (request) =>
      request.path === '/flaky' && calls++ === 0 ? { status: 500 } : { status: 200 };
    await publish(app, author);

    await waitFor(() => at('/flaky').length === 2, 15_000, 'the retry');
    const [first, second] = at('/flaky');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(verifySignature(secret, second!.headers, second!.body)).toBe(true);
    await waitFor(async () => (await deliveriesOf(app, author, id))[0]?.status === 'SUCCEEDED');
    const [delivery] = await deliveriesOf(app, author, id);
    expect(delivery).toMatchObject({
      eventId: first!.headers['webhook-id'],
      eventType: 'ARTICLE_PUBLISHED',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery!.deliveredAt).not.toBeNull();
  });

  test('when the endpoint redirects, then the redirect is not followed and the attempt fails', async () => {
    const author = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/moved`);
    receiver.answer = (request) =>
      request.path === '/moved'
        ? { status: 307, headers: { location: `${receiver.url}/elsewhere` } }
        : { status: 200 };
    await publish(app, author);

    // The schedule has one retry: two attempts, then FAILED.
    await waitFor(
      async () => (await deliveriesOf(app, author, id))[0]?.status === 'FAILED',
      15_000,
      'FAILED',
    );
    expect(at('/moved')).toHaveLength(2);
    expect(at('/elsewhere')).toHaveLength(0);
    const [delivery] = await deliveriesOf(app, author, id);
    expect(delivery).toMatchObject({
      attempts: 2,
      lastStatusCode: 307,
      nextAttemptAt: null,
      deliveredAt: null,
    });
    expect(delivery!.lastError).toContain('redirect');
  });

  test('when a failed delivery is redelivered, then it is sent again with the same webhook-id', async () => {
    const author = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/down`);
    let down = true;
    receiver.answer = (request) => (request.path === '/down' && down ? { status: 503 } : { status: 200 });
    await publish(app, author);
    await waitFor(
      async () => (await deliveriesOf(app, author, id))[0]?.status === 'FAILED',
      15_000,
      'FAILED',
    );
    const [failed] = await deliveriesOf(app, author, id);

    down = false;
    const result = await app.execute(REDELIVER, { as: author, variables: { id: failed!.id } });
    expect(result.data.redeliverWebhook).toMatchObject({
      delivery: { id: failed!.id, status: 'PENDING' },
      errors: [],
    });
    await waitFor(() => at('/down').length === 3, 15_000, 'the redelivery');
    expect(new Set(at('/down').map((r) => r.headers['webhook-id']))).toEqual(new Set([failed!.eventId]));
    await waitFor(async () => (await deliveriesOf(app, author, id))[0]?.status === 'SUCCEEDED');
    expect((await deliveriesOf(app, author, id))[0]).toMatchObject({ attempts: 3, lastStatusCode: 200 });

    // Someone else's delivery, or no delivery at all, is not found.
    const other = await signUp(app);
    expect(
      (await app.execute(REDELIVER, { as: other, variables: { id: failed!.id } })).errors?.[0]?.extensions?.[
        'code'
      ],
    ).toBe('NOT_FOUND');
    expect(
      (await app.execute(REDELIVER, { as: author, variables: { id: 'nope' } })).errors?.[0]?.extensions?.[
        'code'
      ],
    ).toBe('NOT_FOUND');
  });

  test('when the secret is rotated, then deliveries are signed under both secrets for 24 hours, then under the new one only', async () => {
    const author = await signUp(app);
    const { id, secret: oldSecret } = await createEndpoint(app, author, `${receiver.url}/rotated`);
    const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { endpoint { id } secret errors { message } } }`;
    const other = await signUp(app);
    const foreign = await app.execute(ROTATE, { as: other, variables: { id } });
    expect(foreign.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const rotated = await app.execute(ROTATE, { as: author, variables: { id } });
    const newSecret: string = rotated.data.rotateWebhookSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);

    await publish(app, author);
    await waitFor(() => at('/rotated').length === 1, 15_000, 'the delivery');
    const [during] = at('/rotated');
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifySignature(newSecret, during!.headers, during!.body)).toBe(true);
    expect(verifySignature(oldSecret, during!.headers, during!.body)).toBe(true);

    // 24 hours later.
    await app.deps.models.WebhookEndpoint.updateOne(
      { _id: id },
      { $set: { previousSecretExpiresAt: new Date(Date.now() - 1000) } },
    );
    await publish(app, author);
    await waitFor(() => at('/rotated').length === 2, 15_000, 'the second delivery');
    const after = at('/rotated')[1]!;
    expect(verifySignature(newSecret, after.headers, after.body)).toBe(true);
    expect(verifySignature(oldSecret, after.headers, after.body)).toBe(false);
    const raw = JSON.stringify(
      await app.deps.db.connection.db!.collection('webhook_endpoints').find({}).toArray(),
    );
    expect(raw).not.toContain(oldSecret.slice('whsec_'.length));
    expect(raw).not.toContain(newSecret.slice('whsec_'.length));
  });

  test('when articles are published one after another, then the stream position is stored at most once a second, not after each one', async () => {
    const author = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/paced`);
    const storedAt: number[] = [];
    const client = app.deps.db.connection.getClient();
    const count = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'update' && event.command['update'] === 'webhook_streams') {
        storedAt.push(Date.now());
      }
    };
    client.on('commandStarted', count);
    const started = Date.now();
    try {
      for (let i = 0; i < 10; i += 1) {
        await publish(app, author, { title: `Paced ${i}` });
        await waitFor(async () => (await deliveriesOf(app, author, id)).length === i + 1);
      }
    } finally {
      client.off('commandStarted', count);
    }
    // Ten batches, each recorded before the next article: one store per batch would be ten, a few
    // milliseconds apart. At most once a second holds however slow the machine is: the stores are a second
    // apart (less the time a command takes to leave, at most half of it here), and so no more than the
    // seconds elapsed.
    const stores = storedAt.length;
    expect(stores).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    for (let i = 1; i < stores; i += 1) expect(storedAt[i]! - storedAt[i - 1]!).toBeGreaterThanOrEqual(500);
  });

  test('when a batch of events is recorded, then the endpoints that may receive it are read in one command', async () => {
    const [first, second] = [await signUp(app), await signUp(app)];
    const { id } = await createEndpoint(app, first, `${receiver.url}/one-read`);
    const eventOf = (owner: SignedUp, n: number) => ({
      id: `evt_one_read_${id}_${n}`,
      type: 'article.published' as const,
      occurredAt: new Date(),
      ownerId: owner.id,
      data: { article: { id: 'a', slug: 's', title: 't', author: { username: owner.username } } },
    });
    const reads: string[] = [];
    const client = app.deps.db.connection.getClient();
    const watch = (event: { commandName: string; command: Record<string, unknown> }) => {
      const target = event.command[event.commandName];
      if (target === 'users' || target === 'webhook_endpoints') reads.push(`${event.commandName} ${target}`);
    };
    client.on('commandStarted', watch);
    try {
      const recorded = await webhooks.dispatcher.record([eventOf(first, 1), eventOf(second, 2)]);
      expect(recorded.inserted).toBeGreaterThanOrEqual(1);
    } finally {
      client.off('commandStarted', watch);
    }
    expect(reads).toEqual(['aggregate users']);
    await waitFor(async () => (await deliveriesOf(app, first, id))[0]?.status === 'SUCCEEDED');
    expect(await deliveriesOf(app, first, id)).toHaveLength(1);
  });

  test('when an event is larger than WEBHOOK_MAX_PAYLOAD_BYTES, then its delivery is FAILED unsent, and redelivering it is refused', async () => {
    const author = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/huge`);
    const title = 'x'.repeat(app.config.webhookMaxPayloadBytes);
    const event = {
      id: `evt_huge_${id}`,
      type: 'article.published' as const,
      occurredAt: new Date(),
      ownerId: author.id,
      data: { article: { id: 'a', slug: 's', title, author: { username: author.username } } },
    };
    expect((await webhooks.dispatcher.record([event])).inserted).toBeGreaterThanOrEqual(1);
    const [delivery] = await deliveriesOf(app, author, id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 0, nextAttemptAt: null });
    expect(delivery!.lastError).toContain('WEBHOOK_MAX_PAYLOAD_BYTES');

    const result = await app.execute(REDELIVER, { as: author, variables: { id: delivery!.id } });
    expect(result.data.redeliverWebhook.delivery).toBeNull();
    expect(result.data.redeliverWebhook.errors).toEqual([
      {
        path: 'deliveryId',
        message: `Its payload is larger than WEBHOOK_MAX_PAYLOAD_BYTES (${app.config.webhookMaxPayloadBytes}) and is never sent.`,
      },
    ]);
    expect((await deliveriesOf(app, author, id))[0]).toMatchObject({ status: 'FAILED', attempts: 0 });
    // The worker's next poll finds nothing to send.
    await new Promise((resolve) => setTimeout(resolve, 2 * app.config.webhookPollIntervalMs));
    expect(at('/huge')).toHaveLength(0);
  });

  test('when an event is recorded twice (a replayed stream), then it is delivered once', async () => {
    const author = await signUp(app);
    const { id } = await createEndpoint(app, author, `${receiver.url}/once`);
    const event = {
      id: `evt_replayed_${id}`,
      type: 'article.published' as const,
      occurredAt: new Date(),
      ownerId: author.id,
      data: { article: { id: 'a', slug: 's', title: 't', author: { username: author.username } } },
    };
    // One for this endpoint, and one for each admin's endpoint (an earlier test made an admin).
    expect((await webhooks.dispatcher.record([event])).inserted).toBeGreaterThanOrEqual(1);
    expect(await webhooks.dispatcher.record([event])).toEqual({ inserted: 0 });
    await waitFor(async () => (await deliveriesOf(app, author, id))[0]?.status === 'SUCCEEDED');
    expect(at('/once')).toHaveLength(1);
    expect(await deliveriesOf(app, author, id)).toHaveLength(1);
  });

  test('when the consumer is stopped while articles are published, then it delivers them once started again from its stored position', async () => {
    const author = await signUp(app);
    await createEndpoint(app, author, `${receiver.url}/resumed`);
    await webhooks.stop();
    const stored = await app.deps.models.WebhookStream.findById('webhooks').lean();
    expect(stored?.resumeToken).toEqual({ _data: expect.any(String) });
    const article = await publish(app, author, { title: 'Written while nobody listened' });
    webhooks = await startWebhooks(app.deps);
    await waitFor(() => at('/resumed').length === 1, 15_000, 'the delivery after the restart');
    expect(JSON.parse(at('/resumed')[0]!.body).data.article.id).toBe(article.id);
  });
});

describe('endpoints', () => {
  test('when an endpoint is created, then its secret is stored only encrypted, under the configured key, bound to the endpoint', async () => {
    const owner = await signUp(app);
    const { id, secret } = await createEndpoint(app, owner, `${receiver.url}/secret`);
    const key = secret.slice('whsec_'.length);
    const raw = await app.deps.db.connection.db!.collection('webhook_endpoints').findOne({});
    const all = JSON.stringify(
      await app.deps.db.connection.db!.collection('webhook_endpoints').find({}).toArray(),
    );
    expect(raw).not.toBeNull();
    expect(all).not.toContain(key);
    expect(all).not.toContain(Buffer.from(key, 'base64').toString('hex'));
    const doc = await app.deps.db.connection
      .db!.collection('webhook_endpoints')
      .findOne({ url: `${receiver.url}/secret` });
    expect(doc!['secret'].keyId).toBe(keyIdOf(app.config.dataEncryptionKeys![0]!));
    expect(app.deps.cipher.open(doc!['secret'], `webhook_endpoint:${id}`).toString('base64')).toBe(key);
    // Bound to its endpoint: the same ciphertext does not open as another endpoint's.
    expect(() => app.deps.cipher.open(doc!['secret'], 'webhook_endpoint:000000000000000000000000')).toThrow();
    // And never shown again.
    const listed = await app.execute(ENDPOINTS, { as: owner });
    expect(JSON.stringify(listed.data)).not.toContain(key);
  });

  test('when the input is bad, then the payload names the field and nothing is created', async () => {
    const owner = await signUp(app);
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'not a url', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: 'ftp://example.com/hook', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: 'https://user:pw@example.com/hook', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: `https://example.com/${'x'.repeat(2100)}`, events: ['ARTICLE_PUBLISHED'] }, 'url'],
      // The parser would read these as https://example.com/… and drop the tab: refused as written.
      [{ url: 'https:example.com/hook', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: 'https://example.com/ho\tok', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: 'https://example.com/hook#part', events: ['ARTICLE_PUBLISHED'] }, 'url'],
      [{ url: 'https://example.com/hook', events: [] }, 'events'],
    ];
    for (const [input, path] of cases) {
      const result = await app.execute(CREATE_ENDPOINT, { as: owner, variables: { input } });
      expect(result.data.createWebhookEndpoint).toMatchObject({ endpoint: null, secret: null });
      expect(result.data.createWebhookEndpoint.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
    const listed = await app.execute(ENDPOINTS, { as: owner });
    expect(listed.data.viewer.webhookEndpoints).toEqual([]);
  });

  test('when a user has the most endpoints allowed, then another is refused', async () => {
    const owner = await signUp(app);
    for (let i = 0; i < 3; i += 1) await createEndpoint(app, owner, `${receiver.url}/many/${i}`);
    const result = await app.execute(CREATE_ENDPOINT, {
      as: owner,
      variables: { input: { url: `${receiver.url}/many/4`, events: ['ARTICLE_PUBLISHED'] } },
    });
    expect(result.data.createWebhookEndpoint.errors[0].message).toContain('at most 3');
    expect((await app.execute(ENDPOINTS, { as: owner })).data.viewer.webhookEndpoints).toHaveLength(3);
  });

  test('when anonymous, then every webhook mutation is UNAUTHENTICATED', async () => {
    const result = await app.execute(CREATE_ENDPOINT, {
      variables: { input: { url: `${receiver.url}/x`, events: ['ARTICLE_PUBLISHED'] } },
    });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  test("when an endpoint is updated or deleted, then only by its owner; someone else's is NOT_FOUND", async () => {
    const owner = await signUp(app);
    const other = await signUp(app);
    const { id } = await createEndpoint(app, owner, `${receiver.url}/mine`);
    const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) {
      updateWebhookEndpoint(input: $input) { endpoint { id url events enabled disabledReason } errors { message path } }
    }`;
    const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id url } } }`;
    const foreign = await app.execute(UPDATE, { as: other, variables: { input: { id, enabled: false } } });
    expect(foreign.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(
      (await app.execute(DELETE, { as: other, variables: { id } })).errors?.[0]?.extensions?.['code'],
    ).toBe('NOT_FOUND');

    const updated = await app.execute(UPDATE, {
      as: owner,
      variables: {
        input: {
          id,
          url: `${receiver.url}/moved-here`,
          events: ['COMMENT_ADDED', 'COMMENT_ADDED'],
          enabled: false,
        },
      },
    });
    expect(updated.data.updateWebhookEndpoint).toEqual({
      endpoint: {
        id,
        url: `${receiver.url}/moved-here`,
        events: ['COMMENT_ADDED'],
        enabled: false,
        disabledReason: 'Disabled by its owner.',
      },
      errors: [],
    });
    const enabled = await app.execute(UPDATE, { as: owner, variables: { input: { id, enabled: true } } });
    expect(enabled.data.updateWebhookEndpoint.endpoint).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
    const bad = await app.execute(UPDATE, { as: owner, variables: { input: { id, url: 'nope' } } });
    expect(bad.data.updateWebhookEndpoint.errors[0].path).toBe('url');

    const deleted = await app.execute(DELETE, { as: owner, variables: { id } });
    expect(deleted.data.deleteWebhookEndpoint.endpoint).toEqual({ id, url: `${receiver.url}/moved-here` });
    expect((await app.execute(ENDPOINTS, { as: owner })).data.viewer.webhookEndpoints).toEqual([]);
    const audit = await app.deps.models.AuditEvent.find({ target: `webhook:${id}` }).lean();
    expect(audit.map((e) => e.action).sort()).toEqual([
      'WEBHOOK_ENDPOINT_CREATED',
      'WEBHOOK_ENDPOINT_DELETED',
      'WEBHOOK_ENDPOINT_UPDATED',
      'WEBHOOK_ENDPOINT_UPDATED',
    ]);
  });

  test('when deliveries are paged, then pages follow one another and a forged cursor is BAD_USER_INPUT', async () => {
    const owner = await signUp(app);
    const { id } = await createEndpoint(app, owner, `${receiver.url}/paged`);
    const events = [1, 2, 3].map((n) => ({
      id: `evt_paged_${id}_${n}`,
      type: 'article.published' as const,
      occurredAt: new Date(),
      ownerId: owner.id,
      data: { article: { id: `a${n}`, slug: `s${n}`, title: `t${n}`, author: { username: owner.username } } },
    }));
    for (const event of events) await webhooks.dispatcher.record([event]);
    const PAGE = `query($after: String) { viewer { webhookEndpoints { id deliveries(first: 2, after: $after) {
      edges { cursor node { eventId } } pageInfo { hasNextPage endCursor } } } } }`;
    const page = async (after: string | null) => {
      const result = await app.execute(PAGE, { as: owner, variables: { after } });
      return result;
    };
    const first = (await page(null)).data.viewer.webhookEndpoints[0].deliveries;
    expect(first.edges.map((e: { node: { eventId: string } }) => e.node.eventId)).toEqual([
      events[2]!.id,
      events[1]!.id,
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.pageInfo.endCursor)).data.viewer.webhookEndpoints[0].deliveries;
    expect(second.edges.map((e: { node: { eventId: string } }) => e.node.eventId)).toEqual([events[0]!.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const forged = await page(`${first.pageInfo.endCursor}x`);
    expect(forged.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
