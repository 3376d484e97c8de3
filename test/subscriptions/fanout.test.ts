import { createTestApp, type TestApp } from '../support/harness';
import { signUp, type SignedUp } from '../support/fixtures';
import { comment, favorite, publish } from '../support/content';
import {
  connect,
  subscribe,
  subscriptionsOpen,
  waitFor,
  type Connection,
  type Subscription,
} from './support';

/** Instance A serves the subscribers; instance B, on the same database, takes the writes. */
let a: TestApp;
let b: TestApp;
const connections: Connection[] = [];

beforeAll(async () => {
  a = await createTestApp({ listen: true, env: { WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '100' } });
  b = await createTestApp({ sameDatabaseAs: a });
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.dispose()));
  await waitFor(() => a.server.realtime.hub.size === 0, 15_000, 'subscriptions to end');
});

afterAll(async () => {
  await b.close();
  await a.close();
});

const EVENTS = `subscription($slug: String!) { articleEvents(slug: $slug) {
  kind article { title viewerHasFavorited favoritesCount author { username followedByViewer } }
  comment { body author { username } } } }`;

interface Sent {
  name: string;
  comment: string | undefined;
  command: Record<string, any>;
}

/** Every command instance A sends from now on, but the change stream's reads (getMore). */
function watchCommands(app: TestApp): { sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const client = app.deps.db.connection.getClient();
  const listener = (event: { commandName: string; command: Record<string, any> }) => {
    if (event.commandName === 'getMore') return;
    const tag = event.command['comment'];
    sent.push({
      name: event.commandName,
      comment: typeof tag === 'string' ? tag : undefined,
      command: event.command,
    });
  };
  client.on('commandStarted', listener);
  return { sent, stop: () => client.off('commandStarted', listener) };
}

/** `count` subscriptions to one article's events, spread over the viewers' connections (one each). */
async function subscribers(viewers: SignedUp[], slug: string, count: number): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  const perViewer = Math.ceil(count / viewers.length);
  for (const viewer of viewers) {
    if (subscriptions.length >= count) break;
    const connection = connect(a, { authorization: `Token ${viewer.token}` });
    connections.push(connection);
    for (let i = 0; i < perViewer && subscriptions.length < count; i += 1) {
      subscriptions.push(subscribe(connection, EVENTS, { slug }));
    }
  }
  await subscriptionsOpen(a, count);
  return subscriptions;
}

/** The commands A sends to deliver one new comment to every subscriber, by tag. */
async function commandsForOneComment(
  subscriptions: Subscription[],
  author: SignedUp,
  articleId: string,
): Promise<{ byTag: Record<string, number>; sent: Sent[] }> {
  const watch = watchCommands(a);
  await comment(b, author, articleId, 'Counted');
  await waitFor(() => subscriptions.every((s) => s.results.length >= 1), 30_000, 'every subscriber');
  watch.stop();
  const byTag: Record<string, number> = {};
  for (const { name, comment: tag } of watch.sent) byTag[tag ?? name] = (byTag[tag ?? name] ?? 0) + 1;
  return { byTag, sent: watch.sent };
}

describe('two instances on one database', () => {
  test('a write through one instance reaches the subscribers of the other', async () => {
    const author = await signUp(b);
    const connection = connect(a);
    connections.push(connection);
    const s = subscribe(connection, `subscription { articlePublished { kind article { id title } } }`);
    await subscriptionsOpen(a, 1);
    const article = await publish(b, author);
    await waitFor(() => s.results.length >= 1);
    expect(s.results[0]!.data).toEqual({
      articlePublished: { kind: 'PUBLISHED', article: { id: article.id, title: article.title } },
    });
  });
});

describe('fan-out cost', () => {
  test('a new comment costs the same MongoDB commands for 1 subscriber as for 1,000; viewer facts in one $in', async () => {
    const author = await signUp(b);
    const viewers: SignedUp[] = [];
    for (let i = 0; i < 20; i += 1) viewers.push(await signUp(b));
    const article = await publish(b, author);
    // Half the viewers favourited it: each subscriber sees its own answer.
    for (const viewer of viewers.slice(0, 10)) await favorite(b, viewer, article.id);

    const one = await subscribers(viewers.slice(0, 1), article.slug, 1);
    const single = await commandsForOneComment(one, author, article.id);
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
    await waitFor(() => a.server.realtime.hub.size === 0, 15_000, 'subscriptions to end');

    const many = await subscribers(viewers, article.slug, 1000);
    const thousand = await commandsForOneComment(many, author, article.id);

    expect(thousand.byTag).toEqual(single.byTag);
    // The event's article read by the event source, then per event: the article, the users, the viewers'
    // favourites and follows.
    expect(thousand.byTag).toEqual({
      'articles.forEvents': 1,
      'articles.byId': 1,
      'users.byId': expect.any(Number),
      'favorites.byViewer': 1,
      'follows.byViewer': 1,
    });
    expect(thousand.byTag['users.byId']).toBeLessThanOrEqual(2);
    const favourites = thousand.sent.find((c) => c.comment === 'favorites.byViewer')!;
    expect(favourites.command['filter'].userId.$in).toHaveLength(20);

    const answers = new Map<string, boolean>();
    for (const s of many) {
      const event = s.results[0]!.data.articleEvents;
      expect(event.kind).toBe('COMMENT_ADDED');
      expect(event.comment.body).toBe('Counted');
      answers.set(event.article.viewerHasFavorited ? 'yes' : 'no', true);
    }
    expect([...answers.keys()].sort()).toEqual(['no', 'yes']);
    for (const [index, viewer] of viewers.entries()) {
      const theirs = many.filter((_, i) => Math.floor(i / 50) === index);
      for (const s of theirs) {
        expect(s.results[0]!.data.articleEvents.article.viewerHasFavorited).toBe(index < 10);
      }
      void viewer;
    }
    // Figures for the report.
    process.stdout.write(
      `fan-out commands per event: 1 subscriber ${JSON.stringify(single.byTag)}, 1000 ${JSON.stringify(thousand.byTag)}\n`,
    );
  }, 120_000);
});
