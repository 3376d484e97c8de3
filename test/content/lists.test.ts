import { createTestApp, type TestApp } from '../support/harness';
import { favorite, follow, publish } from '../support/content';
import { signUp, unique } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const slugs = (conn: { nodes: { slug: string }[] }) => conn.nodes.map((n) => n.slug);

test('when filtering by tag, author and favouritedBy, then each filter and their combination hold', async () => {
  const tag = unique('tag');
  const alice = await signUp(app);
  const bob = await signUp(app);
  const fan = await signUp(app);
  const a1 = await publish(app, alice, { tagList: [tag] });
  const a2 = await publish(app, alice, { tagList: ['other'] });
  const b1 = await publish(app, bob, { tagList: [tag.toUpperCase()] });
  await favorite(app, fan, a1.id);
  await favorite(app, fan, b1.id);

  const q = `query($tag: String, $author: String, $fav: String) {
    articles(tag: $tag, author: $author, favoritedBy: $fav) { nodes { slug } totalCount }
  }`;
  const byTag = await app.execute(q, { variables: { tag: `  ${tag.toUpperCase()} ` } });
  expect(slugs(byTag.data.articles)).toEqual([b1.slug, a1.slug]);
  expect(byTag.data.articles.totalCount).toBe(2);
  const byAuthor = await app.execute(q, { variables: { author: alice.username.toUpperCase() } });
  expect(slugs(byAuthor.data.articles)).toEqual([a2.slug, a1.slug]);
  const byFan = await app.execute(q, { variables: { fav: fan.username } });
  expect(slugs(byFan.data.articles)).toEqual([b1.slug, a1.slug]);
  const combined = await app.execute(q, { variables: { tag, author: alice.username, fav: fan.username } });
  expect(slugs(combined.data.articles)).toEqual([a1.slug]);
  const nobody = await app.execute(q, { variables: { author: 'no-such-user' } });
  expect(nobody.data.articles).toEqual({ nodes: [], totalCount: 0 });
});

test('when a viewer follows authors, then the feed holds their articles only, newest first', async () => {
  const reader = await signUp(app);
  const followed = await signUp(app);
  const ignored = await signUp(app);
  const empty = await app.execute(`{ viewer { feed { nodes { slug } totalCount } } }`, { as: reader });
  expect(empty.data.viewer.feed).toEqual({ nodes: [], totalCount: 0 });

  const f1 = await publish(app, followed);
  await publish(app, ignored);
  const f2 = await publish(app, followed);
  await follow(app, reader, followed);
  const feed = await app.execute(
    `{ viewer { feed(first: 10) { nodes { slug author { username } } totalCount } } }`,
    {
      as: reader,
    },
  );
  expect(slugs(feed.data.viewer.feed)).toEqual([f2.slug, f1.slug]);
  expect(feed.data.viewer.feed.totalCount).toBe(2);
});

test("when a profile is shown, then the user's articles and favourites page with their totals", async () => {
  const author = await signUp(app);
  const fan = await signUp(app);
  const articles = [await publish(app, author), await publish(app, author), await publish(app, author)];
  await favorite(app, fan, articles[0]!.id);
  await favorite(app, fan, articles[2]!.id);
  const result = await app.execute(
    `query($u: String!, $f: String!) {
      author: user(username: $u) { articles(first: 2) { nodes { slug } totalCount pageInfo { hasNextPage } } }
      fan: user(username: $f) { favoriteArticles { nodes { slug } totalCount } }
    }`,
    { variables: { u: author.username, f: fan.username } },
  );
  expect(result.data.author.articles).toEqual({
    nodes: [{ slug: articles[2]!.slug }, { slug: articles[1]!.slug }],
    totalCount: 3,
    pageInfo: { hasNextPage: true },
  });
  expect(result.data.fan.favoriteArticles).toEqual({
    nodes: [{ slug: articles[2]!.slug }, { slug: articles[0]!.slug }],
    totalCount: 2,
  });
});

test('when tags are listed, then the most used come first, ties alphabetically', async () => {
  const author = await signUp(app);
  const [x, y, z] = [unique('zz'), unique('yy'), unique('xx')];
  await publish(app, author, { tagList: [x, y, z] });
  await publish(app, author, { tagList: [x, y] });
  await publish(app, author, { tagList: [x] });
  const result = await app.execute(`{ tags }`);
  const ours = (result.data.tags as string[]).filter((t) => [x, y, z].includes(t));
  expect(ours).toEqual([x, y, z]);
  const counts = new Map<string, number>();
  for (const doc of await app.deps.models.Article.find().lean()) {
    for (const t of doc.tagList) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const uses = (result.data.tags as string[]).map((t) => counts.get(t) ?? 0);
  expect(uses).toEqual([...uses].sort((a, b) => b - a));
});

test('when the viewer looks at profiles, then emails show only to their owner', async () => {
  const alice = await signUp(app);
  const bob = await signUp(app);
  const q = `query($u: String!) { user(username: $u) { username email followedByViewer } }`;
  const own = await app.execute(q, { as: alice, variables: { u: alice.username } });
  expect(own.data.user.email).toBe(alice.email);
  const other = await app.execute(q, { as: bob, variables: { u: alice.username } });
  expect(other.data.user).toEqual({ username: alice.username, email: null, followedByViewer: false });
});
