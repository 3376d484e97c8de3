import WebSocket from 'ws';
import { TokenService } from '../../src/auth/tokens';
import { createTestApp, type TestApp } from '../support/harness';
import { signUp } from '../support/fixtures';
import { articleInput, publish } from '../support/content';
import { bearer, createKey } from '../integrators/keys';
import { connect, errorCodes, subscribe, subscriptionsOpen, waitFor, type Connection } from './support';

const PUBLISHED = `subscription { articlePublished { cursor kind article { id } } }`;

describe('WebSocket limits', () => {
  let app: TestApp;
  const connections: Connection[] = [];
  const open = (options: Parameters<typeof connect>[1] = {}) => {
    const connection = connect(app, options);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    app = await createTestApp({
      listen: true,
      env: {
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        WS_MAX_CONNECTIONS_PER_CALLER: '2',
        WS_MAX_MESSAGE_BYTES: '2048',
        WS_CONNECTION_INIT_TIMEOUT_MS: '300',
        WS_MAX_BUFFERED_BYTES: '1024',
        MAX_QUERY_DEPTH: '4',
        // The slow-consumer test reads the warning.
        LOG_LEVEL: 'warn',
        METRICS_PORT: '0',
      },
    });
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
    await waitFor(() => app.server.realtime.connections === 0, 15_000, 'connections to close');
  });

  afterAll(async () => {
    await app.close();
  });

  test('a connection holds WS_MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions; one more is FORBIDDEN', async () => {
    const connection = open();
    subscribe(connection, PUBLISHED);
    subscribe(connection, PUBLISHED);
    await subscriptionsOpen(app, 2);
    const third = subscribe(connection, PUBLISHED);
    await third.completed;
    expect(errorCodes(third)).toEqual(['FORBIDDEN']);
    expect(app.server.realtime.hub.size).toBe(2);
    const gauge = async () =>
      /^atrium_graphql_subscriptions_open (\d+)$/m.exec((await app.server.metrics!.render()).body)?.[1];
    expect(await gauge()).toBe('2');
    await connection.dispose();
    await waitFor(async () => (await gauge()) === '0', 15_000, 'the gauge to fall');
  });

  test('a caller holds WS_MAX_CONNECTIONS_PER_CALLER connections; one more is closed with 4429', async () => {
    const user = await signUp(app);
    const auth = { authorization: `Token ${user.token}` };
    await open(auth).acked;
    await open(auth).acked;
    expect(await open(auth).closed).toMatchObject({ code: 4429 });
    // Anonymous callers count per client address.
    await open().acked;
    await open().acked;
    expect(await open().closed).toMatchObject({ code: 4429 });
    await waitFor(() => app.server.realtime.connections === 4, 15_000, 'the refused connections to close');
  });

  test('a message over WS_MAX_MESSAGE_BYTES closes the connection (1009)', async () => {
    const connection = open();
    await connection.acked;
    subscribe(connection, `subscription { articlePublished(tag: "${'x'.repeat(4096)}") { kind } }`);
    expect((await connection.closed).code).toBe(1009);
  });

  test('no connection_init within WS_CONNECTION_INIT_TIMEOUT_MS closes with 4408', async () => {
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });

  test('subscription documents go through the document limits and the cost rules', async () => {
    const connection = open();
    const deep = subscribe(
      connection,
      `subscription { articlePublished { article { author { articles { edges { node { id } } } } } } }`,
    );
    await deep.completed;
    expect(errorCodes(deep)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const broken = subscribe(connection, `subscription { articlePublished {`);
    await broken.completed;
    expect(errorCodes(broken)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(app.server.realtime.hub.size).toBe(0);
  });

  test('a client that stops reading is disconnected once its unsent data passes WS_MAX_BUFFERED_BYTES', async () => {
    const author = await signUp(app);
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((resolve) => socket.once('message', resolve));
    const aliases = Array.from({ length: 20 }, (_, i) => `b${i}: body`).join(' ');
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `subscription { articlePublished { article { ${aliases} } } }` },
      }),
    );
    await subscriptionsOpen(app, 1);
    // Stop reading: the kernel's buffers fill, then the server's.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let done = false;
    void closed.then(() => (done = true));
    const body = 'x'.repeat(60_000);
    for (let i = 0; i < 200 && app.server.realtime.connections > 0; i += 1) {
      await publish(app, author, { ...articleInput(), body });
    }
    await waitFor(() => app.server.realtime.connections === 0, 15_000, 'the slow client to be dropped');
    expect(app.logs.some((line) => line['msg'] === 'WebSocket client does not read; disconnecting')).toBe(
      true,
    );
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    socket.terminate();
    void done;
  });

  test('a connection is closed with 4403 when its access token expires', async () => {
    const user = await signUp(app);
    const session = await app.deps.models.Session.findOne({ userId: user.id }).lean();
    const shortLived = new TokenService(app.config.tokenSecret!, 3);
    const { token } = await shortLived.signAccessToken({
      userId: user.id,
      sessionId: session!._id.toHexString(),
    });
    const connection = open({ authorization: `Token ${token}` });
    expect(await connection.acked).toBeUndefined();
    expect(await connection.closed).toMatchObject({ code: 4403 });
  });

  test('a connection is closed with 4403 when its API key expires', async () => {
    const user = await signUp(app);
    const key = await createKey(app, user.token, ['READ'], { expiresInDays: 1 });
    // The key's end brought to a few seconds from now.
    await app.deps.models.ApiKey.updateOne(
      { _id: key.id },
      { $set: { expiresAt: new Date(Date.now() + 2_000) } },
    );
    const connection = open({ authorization: bearer(key.secret) });
    expect(await connection.acked).toBeUndefined();
    expect(await connection.closed).toMatchObject({ code: 4403 });
  });
});

describe('WebSocket origins in production', () => {
  test('an upgrade from an origin outside CORS_ORIGINS is refused; a listed one is served', async () => {
    const app = await createTestApp({
      listen: true,
      production: true,
      env: { CORS_ORIGINS: 'https://app.example.com' },
    });
    try {
      const refused = connect(app, { headers: { origin: 'https://evil.example.com' } });
      expect((await refused.closed).code).not.toBe(1000);
      expect(app.server.realtime.connections).toBe(0);
      const allowed = connect(app, { headers: { origin: 'https://app.example.com' } });
      expect(await allowed.acked).toBeUndefined();
      await allowed.dispose();
      await refused.dispose();
    } finally {
      await app.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('open sockets get the events already taken, then close with 1001; new ones are refused', async () => {
    const app = await createTestApp({ listen: true });
    const author = await signUp(app);
    const connection = connect(app);
    const s = subscribe(connection, PUBLISHED);
    await subscriptionsOpen(app, 1);
    const article = await publish(app, author);
    await waitFor(() => s.results.length >= 1);
    await app.server.stopSubscriptions();
    expect(await connection.closed).toMatchObject({ code: 1001 });
    expect(s.results.map((r) => r.data.articlePublished.article.id)).toEqual([article.id]);
    const late = connect(app);
    expect((await late.closed).code).not.toBe(1000);
    await late.dispose();
    await connection.dispose();
    await app.close();
  });
});
