import { parse } from 'graphql';
import { ANONYMOUS, type Viewer } from '../../src/auth/viewer';
import { resultGroupOf } from '../../src/subscriptions/multiplex';
import { createTestApp, type TestApp } from '../support/harness';
import { signUp, newSession } from '../support/fixtures';
import { comment, favorite, publish } from '../support/content';
import {
  connect,
  subscribe,
  subscriptionsOpen,
  waitFor,
  type Connection,
  type Subscription,
} from './support';

const EVENTS = `subscription($slug: String!) { articleEvents(slug: $slug) {
  kind article { title viewerHasFavorited favoritesCount author { username followedByViewer } }
  comment { body author { username } } } }`;

describe('resultGroupOf', () => {
  const document = parse(EVENTS);
  const user = (id: string, sessionId: string, role: 'user' | 'admin' = 'user'): Viewer => ({
    kind: 'user',
    id,
    role,
    sessionId,
  });
  const key = (viewer: Viewer, variables: Record<string, unknown> = { slug: 'a' }, doc = document) =>
    resultGroupOf({ document: doc, operationName: null, variableValues: variables, viewer });

  test('anonymous callers of one document and variables are one group', () => {
    expect(key(ANONYMOUS)).toBe(key({ kind: 'anonymous' }));
  });

  test("one user's sessions are one group; another user, another role, another variable or document are not", () => {
    expect(key(user('u1', 's1'))).toBe(key(user('u1', 's2')));
    expect(key(user('u1', 's1'))).not.toBe(key(user('u2', 's1')));
    expect(key(user('u1', 's1'))).not.toBe(key(user('u1', 's1', 'admin')));
    expect(key(user('u1', 's1'))).not.toBe(key(ANONYMOUS));
    expect(key(ANONYMOUS)).not.toBe(key(ANONYMOUS, { slug: 'b' }));
    expect(key(ANONYMOUS)).not.toBe(key(ANONYMOUS, { slug: 'a' }, parse(EVENTS)));
  });

  test('API keys are grouped by owner, role and scopes, not by key', () => {
    const apiKey = (keyId: string, scopes: string[]): Viewer =>
      ({ kind: 'apiKey', id: 'u1', role: 'user', keyId, scopes }) as Viewer;
    expect(key(apiKey('k1', ['read', 'write']))).toBe(key(apiKey('k2', ['write', 'read'])));
    expect(key(apiKey('k1', ['read']))).not.toBe(key(apiKey('k1', ['read', 'write'])));
    expect(key(apiKey('k1', ['read']))).not.toBe(key(user('u1', 's1')));
  });
});

describe('shared executions', () => {
  let app: TestApp;
  const connections: Connection[] = [];

  beforeAll(async () => {
    app = await createTestApp({ listen: true, env: { METRICS_PORT: '0' } });
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.dispose()));
    await app.close();
  });

  const executions = async (): Promise<number> => {
    const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('atrium_graphql_subscription_executions_total '));
    return Number(line?.split(' ')[1] ?? NaN);
  };

  test('identical anonymous subscribers share one execution; two signed-in viewers never share a result', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const other = await signUp(app);
    const article = await publish(app, author);
    await favorite(app, fan, article.id);
    const fanSecondSession = await newSession(app, fan);

    const open = (authorization?: string) => {
      const connection = connect(app, authorization ? { authorization: `Token ${authorization}` } : {});
      connections.push(connection);
      return [0, 1].map(() => subscribe(connection, EVENTS, { slug: article.slug }));
    };
    const anonymous: Subscription[] = [...open(), ...open(), ...open()];
    const fans: Subscription[] = [...open(fan.token), ...open(fanSecondSession.token)];
    const others: Subscription[] = open(other.token);
    const all = [...anonymous, ...fans, ...others];
    await subscriptionsOpen(app, all.length);

    const before = await executions();
    await comment(app, author, article.id, 'Shared');
    await waitFor(() => all.every((s) => s.results.length >= 1), 30_000, 'every subscriber');

    // Three groups: the anonymous callers, the fan (both sessions), the other user.
    expect((await executions()) - before).toBe(3);
    const event = (s: Subscription) => s.results[0]!.data.articleEvents;
    for (const s of all) expect(event(s).comment.body).toBe('Shared');
    for (const s of anonymous) expect(event(s).article.viewerHasFavorited).toBe(false);
    for (const s of fans) expect(event(s).article.viewerHasFavorited).toBe(true);
    for (const s of others) expect(event(s).article.viewerHasFavorited).toBe(false);
    for (const s of anonymous) expect(s.results[0]).toEqual(anonymous[0]!.results[0]);
  }, 60_000);
});
