import { EventHistoryLostError } from '../../src/events';
import { createTestApp, type TestApp } from '../support/harness';
import { SIGN_OUT, signUp, type SignedUp } from '../support/fixtures';
import { comment, favorite, follow, publish } from '../support/content';
import { connect, errorCodes, subscribe, subscriptionsOpen, waitFor, type Connection } from './support';

let app: TestApp;
const connections: Connection[] = [];

beforeAll(async () => {
  app = await createTestApp({ listen: true });
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.dispose()));
  await waitFor(() => app.server.realtime.hub.size === 0, 15_000, 'subscriptions to end');
});

afterAll(async () => {
  await app.close();
});

function open(options: Parameters<typeof connect>[1] = {}): Connection {
  const connection = connect(app, options);
  connections.push(connection);
  return connection;
}

const as = (user: SignedUp) => ({ authorization: `Token ${user.token}` });

const EVENT = `cursor kind occurredAt
  article { id slug title viewerHasFavorited viewerCanUpdate favoritesCount author { username email followedByViewer } }
  comment { id body author { username } }`;
const PUBLISHED = `subscription($tag: String, $author: String, $after: String) {
  articlePublished(tag: $tag, author: $author, after: $after) { ${EVENT} } }`;
const ARTICLE_EVENTS = `subscription($slug: String!, $after: String) { articleEvents(slug: $slug, after: $after) { ${EVENT} } }`;
const FEED = `subscription($after: String) { feedPublished(after: $after) { ${EVENT} } }`;
const UPDATE = `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { id } } }`;
const DELETE_ARTICLE = `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`;
const DELETE_COMMENT = `mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id } } }`;
const UNFAVORITE = `mutation($id: ID!) { unfavoriteArticle(input: { id: $id }) { article { id } } }`;

describe('articlePublished', () => {
  test('an anonymous subscriber gets new articles, filtered by tag and author', async () => {
    const author = await signUp(app);
    const other = await signUp(app);
    const connection = open();
    const all = subscribe(connection, PUBLISHED);
    const tagged = subscribe(connection, PUBLISHED, { tag: 'Rust' });
    const byAuthor = subscribe(connection, PUBLISHED, { author: author.username });
    const nobody = subscribe(connection, PUBLISHED, { author: 'no-such-user-at-all' });
    await subscriptionsOpen(app, 4);
    const first = await publish(app, author, { tagList: ['rust'] });
    const second = await publish(app, other, { tagList: ['go'] });
    await waitFor(() => all.results.length >= 2);
    await waitFor(() => tagged.results.length >= 1 && byAuthor.results.length >= 1);
    // A later article by the author, so that anything the filters let through has arrived.
    const third = await publish(app, author, { tagList: ['go'] });
    await waitFor(() => byAuthor.results.length >= 2);
    const ids = (s: typeof all) => s.results.map((r) => r.data.articlePublished.article.id);
    expect(ids(all)).toEqual([first.id, second.id, third.id]);
    expect(ids(tagged)).toEqual([first.id]);
    expect(ids(byAuthor)).toEqual([first.id, third.id]);
    expect(nobody.results).toEqual([]);
    const event = all.results[0]!.data.articlePublished;
    expect(event).toMatchObject({
      kind: 'PUBLISHED',
      comment: null,
      article: {
        id: first.id,
        slug: first.slug,
        viewerHasFavorited: false,
        viewerCanUpdate: false,
        author: { username: author.username, email: null, followedByViewer: false },
      },
    });
    expect(typeof event.cursor).toBe('string');
    expect(new Date(event.occurredAt).getTime()).not.toBeNaN();
  });
});

describe('articleEvents', () => {
  test('every kind of event of one article reaches its subscribers, each resolved for its viewer', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author);
    const other = await publish(app, author);
    const mine = subscribe(open(as(author)), ARTICLE_EVENTS, { slug: article.slug });
    const theirs = subscribe(open(as(fan)), ARTICLE_EVENTS, { slug: article.slug });
    const anonymous = subscribe(open(), ARTICLE_EVENTS, { slug: article.slug });
    await subscriptionsOpen(app, 3);

    await app.execute(UPDATE, {
      as: author,
      variables: { input: { id: article.id, title: 'Edited', description: 'd', body: 'b', tagList: [] } },
    });
    await favorite(app, fan, article.id);
    await favorite(app, fan, other.id);
    await follow(app, fan, author);
    const said = await comment(app, fan, article.id, 'Hello');
    await app.execute(DELETE_COMMENT, { as: fan, variables: { id: said.id } });
    await app.execute(UNFAVORITE, { as: fan, variables: { id: article.id } });
    await app.execute(DELETE_ARTICLE, { as: author, variables: { id: article.id } });
    for (const s of [mine, theirs, anonymous]) await waitFor(() => s.results.length >= 6);

    const events = (s: typeof mine) => s.results.map((r) => r.data.articleEvents);
    expect(events(anonymous).map((e) => e.kind)).toEqual([
      'UPDATED',
      'FAVORITES_CHANGED',
      'COMMENT_ADDED',
      'COMMENT_DELETED',
      'FAVORITES_CHANGED',
      'DELETED',
    ]);
    const [updated, favourited, added, removed, , deleted] = events(theirs);
    expect(updated.article.title).toBe('Edited');
    // The fan's own view: they favourited it; the author's: they did not, and may edit it.
    expect(favourited.article).toMatchObject({ viewerHasFavorited: true, viewerCanUpdate: false });
    expect(events(mine)[1].article).toMatchObject({ viewerHasFavorited: false, viewerCanUpdate: true });
    expect(events(anonymous)[1].article).toMatchObject({ viewerHasFavorited: false, viewerCanUpdate: false });
    // Email: the author sees their own; others see none.
    expect(events(mine)[0].article.author.email).toBe(author.email);
    expect(updated.article.author.email).toBeNull();
    expect(added.article.author.followedByViewer).toBe(true);
    expect(added.comment).toEqual({ id: said.id, body: 'Hello', author: { username: fan.username } });
    expect(removed.comment).toEqual(added.comment);
    expect(deleted).toMatchObject({ kind: 'DELETED', article: null, comment: null });
    const cursors = events(theirs).map((e) => e.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
  });

  test('an unknown slug is NOT_FOUND on that subscription', async () => {
    const s = subscribe(open(), ARTICLE_EVENTS, { slug: 'no-such-article' });
    await s.completed;
    expect(errorCodes(s)).toEqual(['NOT_FOUND']);
  });
});

describe('feedPublished', () => {
  test('needs a signed-in viewer, and gives the articles of the users they follow', async () => {
    const refused = subscribe(open(), FEED);
    await refused.completed;
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);

    const reader = await signUp(app);
    const followed = await signUp(app);
    const stranger = await signUp(app);
    await follow(app, reader, followed);
    const feed = subscribe(open(as(reader)), FEED);
    await subscriptionsOpen(app, 1);
    await publish(app, stranger);
    const wanted = await publish(app, followed);
    await waitFor(() => feed.results.length >= 1);
    const later = await publish(app, followed);
    await waitFor(() => feed.results.length >= 2);
    expect(feed.results.map((r) => r.data.feedPublished.article.id)).toEqual([wanted.id, later.id]);
    expect(feed.results[0]!.data.feedPublished.article.author.followedByViewer).toBe(true);
  });
});

describe('after', () => {
  test('replays the matching events after a cursor in order, without duplicates, then live ones', async () => {
    const author = await signUp(app);
    const live = subscribe(open(), PUBLISHED, { author: author.username });
    await subscriptionsOpen(app, 1);
    const a = await publish(app, author);
    const b = await publish(app, author);
    const c = await publish(app, author);
    await waitFor(() => live.results.length >= 3);
    const cursor = live.results[0]!.data.articlePublished.cursor;

    const resumed = subscribe(open(), PUBLISHED, { author: author.username, after: cursor });
    await waitFor(() => resumed.results.length >= 2);
    const d = await publish(app, author);
    await waitFor(() => resumed.results.length >= 3);
    const ids = resumed.results.map((r) => r.data.articlePublished.article.id);
    expect(ids).toEqual([b.id, c.id, d.id]);
    expect(a.id).not.toBe(b.id);
  });

  test('a forged or altered cursor is BAD_USER_INPUT', async () => {
    for (const after of ['nonsense', 'ZXZlbnQ6ODI.abc']) {
      const s = subscribe(open(), PUBLISHED, { after });
      await s.completed;
      expect(errorCodes(s)).toEqual(['BAD_USER_INPUT']);
      expect(s.results[0]!.errors![0]!.extensions).toMatchObject({ field: 'after' });
    }
  });
});

describe('history lost during a replay', () => {
  afterEach(() => jest.restoreAllMocks());

  test('ends the subscription with BAD_USER_INPUT after the events the history gave', async () => {
    const author = await signUp(app);
    const live = subscribe(open(), PUBLISHED, { author: author.username });
    await subscriptionsOpen(app, 1);
    await publish(app, author);
    const b = await publish(app, author);
    const c = await publish(app, author);
    await waitFor(() => live.results.length >= 3);
    const cursor = live.results[0]!.data.articlePublished.cursor;

    // MongoDB drops the history while it is read: the event source reports it after the replay started.
    const events = app.deps.events;
    const replay = events.replay.bind(events);
    let lose: ((error: EventHistoryLostError) => void) | undefined;
    jest.spyOn(events, 'replay').mockImplementation((after, listener, onLost) => {
      lose = onLost;
      return replay(after, listener, onLost);
    });
    const resumed = subscribe(open(), PUBLISHED, { author: author.username, after: cursor });
    await waitFor(() => resumed.results.length >= 2);
    lose!(new EventHistoryLostError(new Error('history dropped')));
    await resumed.completed;

    expect(resumed.results.map((r) => r.data.articlePublished.article.id)).toEqual([b.id, c.id]);
    expect(errorCodes(resumed)).toEqual(['BAD_USER_INPUT']);
    expect((resumed.failed[0] as any[])[0].extensions).toMatchObject({ field: 'after' });
    await waitFor(() => app.server.realtime.hub.size === 1, 15_000, 'the replay to end');
  });
});

describe('authentication', () => {
  test('a bad token acknowledges as anonymous with the reason, as HTTP says it', async () => {
    const bad = open({ authorization: 'Token not-a-token' });
    expect(await bad.acked).toEqual({ authentication: { error: 'TOKEN_INVALID' } });
    const http = await app.gql('{ viewer { role } }', { as: 'not-a-token' });
    expect(http.json.extensions.authentication).toEqual({ error: 'TOKEN_INVALID' });
    const user = await signUp(app);
    const viaHeader = open({ headers: { authorization: `Token ${user.token}` } });
    expect(await viaHeader.acked).toBeUndefined();
    const feed = subscribe(viaHeader, FEED);
    await subscriptionsOpen(app, 1);
    expect(feed.failed).toEqual([]);
  });

  test('signing out closes the connections of the session with 4403', async () => {
    const user = await signUp(app);
    const connection = open(as(user));
    await connection.acked;
    subscribe(connection, FEED);
    await app.execute(SIGN_OUT, { as: user, variables: { input: {} } });
    expect(await connection.closed).toMatchObject({ code: 4403 });
  });
});
