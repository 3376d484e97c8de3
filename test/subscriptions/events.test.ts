import { createTestApp, type TestApp } from '../support/harness';
import { SIGN_OUT, signUp } from '../support/fixtures';
import { comment, favorite, follow, publish } from '../support/content';
import { EventHistoryLostError, type DomainEvent, type ResumeToken } from '../../src/events';
import { waitFor } from './support';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
});

afterAll(async () => {
  await app.deps.events.stop();
  await app.close();
});

const UPDATE = `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { id } } }`;
const DELETE_ARTICLE = `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`;
const DELETE_COMMENT = `mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id } } }`;
const UNFAVORITE = `mutation($id: ID!) { unfavoriteArticle(input: { id: $id }) { article { id } } }`;

/** Listens to the live stream from now on. */
async function listen(): Promise<{ events: DomainEvent[]; stop: () => void }> {
  const events: DomainEvent[] = [];
  const stop = app.deps.events.subscribe((event) => events.push(event));
  await app.deps.events.start();
  return { events, stop };
}

describe('event source', () => {
  test('every kind of change becomes its typed event, with the article, comment and users it names', async () => {
    const { events, stop } = await listen();
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author, { tagList: ['rust', 'news'] });
    const said = await comment(app, fan, article.id, 'First!');
    await favorite(app, fan, article.id);
    await app.execute(UNFAVORITE, { as: fan, variables: { id: article.id } });
    await follow(app, fan, author);
    await app.execute(UPDATE, {
      as: author,
      variables: {
        input: { id: article.id, title: 'Renamed', description: 'd', body: 'b', tagList: ['rust'] },
      },
    });
    await app.execute(DELETE_COMMENT, { as: fan, variables: { id: said.id } });
    await app.execute(DELETE_ARTICLE, { as: author, variables: { id: article.id } });

    await waitFor(() => events.some((e) => e.type === 'article.deleted'));
    stop();
    const ref = { id: article.id, slug: article.slug, authorId: author.id };
    expect(events.map((e) => e.type)).toEqual([
      'article.published',
      'comment.added',
      'article.favorited',
      'article.unfavorited',
      'user.followed',
      'article.updated',
      'comment.deleted',
      'article.deleted',
    ]);
    const [published, added, favorited, unfavorited, followed, updated, removed, deleted] = events as any[];
    expect(published.article).toEqual({ ...ref, title: article.title, tags: ['rust', 'news'] });
    expect(added.comment).toMatchObject({ id: said.id, authorId: fan.id, body: 'First!' });
    expect(added.comment.createdAt).toBeInstanceOf(Date);
    expect(added.article).toMatchObject(ref);
    expect(favorited).toMatchObject({ actorId: fan.id, article: ref });
    expect(unfavorited).toMatchObject({ actorId: fan.id, article: ref });
    expect(followed).toMatchObject({ actorId: fan.id, followeeId: author.id });
    expect(updated.article).toEqual({ ...ref, title: 'Renamed', tags: ['rust'] });
    expect(removed.comment).toEqual(added.comment);
    // From the pre-image: the article is gone when the event is read.
    expect(deleted.article).toEqual({ ...ref, title: 'Renamed', tags: ['rust'] });
    for (const event of events) {
      expect(event.id).toMatch(/^evt_[\w-]{27}$/);
      expect(event.occurredAt).toBeInstanceOf(Date);
      expect(typeof event.token._data).toBe('string');
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('a deleted article takes its comments and favourites without an event of their own; counters make none', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const { events, stop } = await listen();
    const article = await publish(app, author);
    await comment(app, fan, article.id);
    await favorite(app, fan, article.id);
    await app.execute(DELETE_ARTICLE, { as: author, variables: { id: article.id } });
    await waitFor(() => events.some((e) => e.type === 'article.deleted'));
    // A later write, so that anything the deletion made has been read by now.
    const other = await publish(app, author);
    await waitFor(() => events.some((e) => e.type === 'article.published'));
    stop();
    expect(events.map((e) => e.type)).toEqual([
      'article.published',
      'comment.added',
      'article.favorited',
      'article.deleted',
      'article.published',
    ]);
    expect((events[4] as any).article.id).toBe(other.id);
  });

  test('a replay from an event gives every later event in order with the same ids, then the live ones', async () => {
    const { events, stop } = await listen();
    const author = await signUp(app);
    const first = await publish(app, author);
    const second = await publish(app, author);
    const third = await publish(app, author);
    await waitFor(() => events.length >= 3);
    stop();

    const replayed: DomainEvent[] = [];
    const replay = app.deps.events.replay(
      events[0]!.token,
      (event) => replayed.push(event),
      () => undefined,
    );
    await replay.started;
    await waitFor(() => replayed.length >= 2);
    const fourth = await publish(app, author);
    await waitFor(() => replayed.length >= 3);
    const fifth = await publish(app, author);
    await waitFor(() => replayed.length >= 4);
    replay.stop();
    const ids = (list: DomainEvent[]) => list.map((e) => (e as any).article.id);
    expect(ids(events)).toEqual([first.id, second.id, third.id]);
    expect(ids(replayed)).toEqual([second.id, third.id, fourth.id, fifth.id]);
    expect(replayed.slice(0, 2).map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));
  });

  test('a replay from a position MongoDB does not hold fails with EventHistoryLostError', async () => {
    const forged: ResumeToken = { _data: '82' + '0'.repeat(40) };
    const replay = app.deps.events.replay(
      forged,
      () => undefined,
      () => undefined,
    );
    await expect(replay.started).rejects.toBeInstanceOf(EventHistoryLostError);
  });

  test('a durable consumer gets every batch from its stored checkpoint, and a batch it fails on again', async () => {
    const author = await signUp(app);
    const { events, stop } = await listen();
    const before = await publish(app, author);
    await waitFor(() => events.length >= 1);
    stop();
    const stored: ResumeToken[] = [events[0]!.token];
    const seen: string[] = [];
    let failOnce = true;
    const consumer = app.deps.events.consume(stored[0], async (batch, checkpoint) => {
      if (batch.length > 0 && failOnce) {
        failOnce = false;
        throw new Error('the delivery store is down');
      }
      for (const event of batch) seen.push(event.id);
      stored.push(checkpoint);
    });
    const after = await publish(app, author);
    await waitFor(() => seen.length >= 1);
    await consumer.stop();
    expect(before.id).not.toBe(after.id);
    // Once, despite the failed first attempt; and from the stored position, so the earlier article is not seen.
    expect(seen).toHaveLength(1);
    const again: DomainEvent[] = [];
    const replay = app.deps.events.replay(
      events[0]!.token,
      (event) => again.push(event),
      () => undefined,
    );
    await waitFor(() => again.length >= 1);
    replay.stop();
    expect(seen).toEqual([again[0]!.id]);
    expect(stored.length).toBeGreaterThan(1);
  });

  test('ended sessions are reported', async () => {
    const ended: string[] = [];
    const off = app.deps.events.onSessionEnded((id) => ended.push(id));
    await app.deps.events.start();
    const user = await signUp(app);
    const session = await app.deps.models.Session.findOne({ userId: user.id }).lean();
    await app.execute(SIGN_OUT, { as: user, variables: { input: {} } });
    await waitFor(() => ended.includes(session!._id.toHexString()));
    off();
  });
});
