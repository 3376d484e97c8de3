import { createTestApp, type TestApp } from '../support/harness';
import { comment, favorite, follow, publish } from '../support/content';
import { signUp, type SignedUp } from '../support/fixtures';

/**
 * Round trips are a contract: the pages a RealWorld client shows cost a small constant number of MongoDB
 * commands, whatever their size. `commands.total` counts every command the operation sent; the session
 * check of a signed-in request is one of them.
 */

const SESSION_CHECK = 1;

let app: TestApp;
let viewer: SignedUp;
let tag: string;

beforeAll(async () => {
  app = await createTestApp();
  viewer = await signUp(app);
  tag = `rt${Date.now()}`;
  const authors: SignedUp[] = [];
  for (let i = 0; i < 6; i += 1) authors.push(await signUp(app));
  for (let i = 0; i < 30; i += 1) {
    const author = authors[i % authors.length]!;
    const article = await publish(app, author, { tagList: [tag, `t${i % 4}`] });
    if (i % 3 === 0) await favorite(app, viewer, article.id);
    if (i % 2 === 0) await favorite(app, authors[(i + 1) % authors.length]!, article.id);
    if (i % 5 === 0) await comment(app, authors[(i + 2) % authors.length]!, article.id);
  }
  for (const author of authors.slice(0, 3)) await follow(app, viewer, author);
});
afterAll(async () => {
  await app.close();
});

const HOME = `query Home($tag: String, $first: Int) {
  articles(tag: $tag, first: $first) {
    edges { node {
      slug title description tagList createdAt favoritesCount viewerHasFavorited
      author { username image followedByViewer }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

test.each([5, 20, 30])(
  'when the home page shows %i articles, then it costs the same few commands',
  async (first) => {
    const result = await app.execute(HOME, { as: viewer, variables: { tag, first } });
    expect(result.errors).toBeUndefined();
    expect(result.data.articles.edges).toHaveLength(first);
    expect(result.commands.byTag).toEqual({
      'auth.session': 1,
      'articles.page': 1,
      'users.byId': 1,
      'follows.byViewer': 1,
      'favorites.byViewer': 1,
    });
    expect(result.commands.total - SESSION_CHECK).toBe(4);
    // Atrium's own count is what the driver put on the wire: nothing bypasses it, nothing is fetched twice.
    expect(result.commands.wireTotal).toBe(result.commands.total);
  },
);

test('when anonymous, then the home page skips the per-viewer flags', async () => {
  const result = await app.execute(HOME, { variables: { tag, first: 20 } });
  expect(result.errors).toBeUndefined();
  // The page and its authors: favourite counts are on the articles, and nobody's favourites are asked for.
  expect(result.commands.byTag).toEqual({ 'articles.page': 1, 'users.byId': 1 });
});

const ARTICLE_PAGE = `query ArticlePage($slug: String!) {
  article(slug: $slug) {
    slug title body tagList createdAt favoritesCount viewerHasFavorited viewerCanUpdate viewerCanDelete
    author { username bio image followedByViewer }
    comments { id body createdAt viewerCanDelete author { username image } }
  }
}`;

test('when the article page shows an article with many comments, then it costs a constant', async () => {
  const author = await signUp(app);
  const article = await publish(app, author);
  const costs: number[] = [];
  for (const total of [1, 8, 25]) {
    while ((await app.deps.models.Comment.countDocuments({ articleId: article.id })) < total) {
      await comment(app, await signUp(app), article.id);
    }
    const result = await app.execute(ARTICLE_PAGE, { as: viewer, variables: { slug: article.slug } });
    expect(result.errors).toBeUndefined();
    expect(result.data.article.comments).toHaveLength(total);
    expect(result.commands.wireTotal).toBe(result.commands.total);
    costs.push(result.commands.total - SESSION_CHECK);
  }
  expect(new Set(costs).size).toBe(1);
  // articles.bySlug, users.byId, comments.byArticle (with their authors), favorites.byViewer, follows.byViewer
  expect(costs[0]).toBe(5);
});

test('when a nested query walks articles, authors and their followers, then the cost does not grow with the page', async () => {
  const NESTED = `query($tag: String, $first: Int) {
    articles(tag: $tag, first: $first) { nodes {
      author { username followedByViewer followers(first: 3) { totalCount } }
      comments { author { username } }
      favoritesCount
    } }
  }`;
  const small = await app.execute(NESTED, { as: viewer, variables: { tag, first: 2 } });
  const large = await app.execute(NESTED, { as: viewer, variables: { tag, first: 15 } });
  expect(small.errors).toBeUndefined();
  expect(large.errors).toBeUndefined();
  expect(large.data.articles.nodes).toHaveLength(15);
  // Every author's followers page comes from one command, like the totals, flags, comments and users.
  expect(large.commands.byTag).toEqual(small.commands.byTag);
  expect(large.commands.total).toBe(small.commands.total);
  expect(large.commands.wireTotal).toBe(large.commands.total);
});

test('when a batch reads more than a first reply holds (101 documents), then it is still one command', async () => {
  const author = await signUp(app);
  const article = await publish(app, author);
  const commenter = await signUp(app);
  await app.deps.models.Comment.insertMany(
    Array.from({ length: 150 }, (_, i) => ({ articleId: article.id, authorId: commenter.id, body: `c${i}` })),
  );
  const result = await app.execute(
    `query($s: String!) { article(slug: $s) { comments { id author { username } } } }`,
    {
      variables: { s: article.slug },
    },
  );
  expect(result.data.article.comments).toHaveLength(150);
  expect(result.commands.byTag['comments.byArticle']).toBe(1);
  expect(result.commands.wire['getMore']).toBeUndefined();
  expect(result.commands.wireTotal).toBe(result.commands.total);
  const nested = await app.execute(
    `query($tag: String) { articles(tag: $tag, first: 12) { nodes { author { articles(first: 12) { nodes { id } } } } } }`,
    { variables: { tag } },
  );
  expect(nested.errors).toBeUndefined();
  expect(nested.commands.byTag['articles.page']).toBe(2);
  expect(nested.commands.wire['getMore']).toBeUndefined();
  expect(nested.commands.wireTotal).toBe(nested.commands.total);
});

test('when the feed and the tag list are read, then each costs one or two commands', async () => {
  const feed = await app.execute(`{ viewer { feed(first: 20) { nodes { slug author { username } } } } }`, {
    as: viewer,
  });
  expect(feed.errors).toBeUndefined();
  expect(feed.data.viewer.feed.nodes.length).toBeGreaterThan(0);
  // follows.followeeIdsByUser, articles.page, users.byId
  expect(feed.commands.total - SESSION_CHECK).toBe(3);
  const tags = await app.execute(`{ tags }`);
  expect(tags.commands.total).toBe(1);
});

test('when an article is published and commented on, then each write is one insert (then its tag counts), counted as sent', async () => {
  const author = await signUp(app);
  const published = await app.execute(
    `mutation($input: CreateArticleInput!) {
      createArticle(input: $input) { article { id slug createdAt updatedAt author { username } } errors { message } }
    }`,
    { as: author, variables: { input: { title: 'Counted', description: 'd', body: 'b', tagList: ['x'] } } },
  );
  expect(published.errors).toBeUndefined();
  const article = published.data.createArticle.article;
  expect(article.createdAt).toBe(article.updatedAt);
  // The session check, then the insert and, after it, its tags' counts: one document each, no transaction
  // (TagCounts); the author was read with the session.
  expect(published.commands.byTag).toEqual({
    'auth.session': 1,
    insert: 1,
    'tags.count': 1,
  });
  expect(published.commands.wire['insert']).toBe(1);
  expect(published.commands.wire['update']).toBe(1);
  expect(published.commands.wire['commitTransaction']).toBeUndefined();
  expect(published.commands.wireTotal).toBe(published.commands.total);

  const commented = await app.execute(
    `mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id createdAt } errors { message } } }`,
    { as: author, variables: { input: { articleId: article.id, body: 'Counted too' } } },
  );
  expect(commented.errors).toBeUndefined();
  expect(commented.commands.byTag['insert']).toBe(1);
  expect(commented.commands.wireTotal).toBe(commented.commands.total);
  const stored = await app.deps.models.Comment.findOne({ body: 'Counted too' }).lean();
  expect(stored?.createdAt).toBeInstanceOf(Date);
  expect(stored?.updatedAt).toEqual(stored?.createdAt);
});

test('when an article is edited, then its tags move after the edit, with no transaction, and only when they change', async () => {
  const author = await signUp(app);
  const article = await publish(app, author, { tagList: ['rt-a', 'rt-b'] });
  const UPDATE = `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { tagList } } }`;
  const edit = (tagList: string[]) =>
    app.execute(UPDATE, {
      as: author,
      variables: { input: { id: article.id, title: 'Edited', description: 'd', body: 'b', tagList } },
    });
  const retagged = await edit(['rt-b', 'rt-c']);
  expect(retagged.data.updateArticle.article.tagList).toEqual(['rt-b', 'rt-c']);
  expect(retagged.commands.byTag).toEqual({
    'auth.session': 1,
    'articles.byId': 1,
    'articles.update': 1,
    'tags.count': 1,
  });
  expect(retagged.commands.wire['commitTransaction']).toBeUndefined();
  expect(retagged.commands.wireTotal).toBe(retagged.commands.total);
  const same = await edit(['rt-c', 'rt-b']);
  expect(same.commands.byTag['tags.count']).toBeUndefined();
  expect(same.commands.wireTotal).toBe(same.commands.total);
});

describe('writes that change several documents are one transaction, and their commit is one more command', () => {
  const FAVORITE = `mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { favoritesCount } } }`;
  const DELETE = `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`;
  const ADD_COMMENT = `mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } } }`;

  test('when an article is favourited, then the favourite and its count commit together', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author);
    const first = await app.execute(FAVORITE, { as: fan, variables: { id: article.id } });
    expect(first.data.favoriteArticle.article.favoritesCount).toBe(1);
    expect(first.commands.byTag).toEqual({
      'auth.session': 1,
      'articles.byId': 1,
      'favorites.add': 1,
      'articles.count.favoritesCount': 1,
      'transaction.commit': 1,
    });
    expect(first.commands.wire['commitTransaction']).toBe(1);
    expect(first.commands.wireTotal).toBe(first.commands.total);
    // Favouriting again changes nothing: the commit still ends the transaction the upsert opened.
    const again = await app.execute(FAVORITE, { as: fan, variables: { id: article.id } });
    expect(again.data.favoriteArticle.article.favoritesCount).toBe(1);
    expect(again.commands.total - SESSION_CHECK).toBe(3);
    expect(again.commands.wireTotal).toBe(again.commands.total);
  });

  test('when a comment is added, then the insert and its article count commit together', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    const result = await app.execute(ADD_COMMENT, {
      as: author,
      variables: { input: { articleId: article.id, body: 'In one transaction' } },
    });
    expect(result.commands.byTag).toEqual({
      'auth.session': 1,
      'articles.byId': 1,
      insert: 1,
      'articles.count.commentsCount': 1,
      'transaction.commit': 1,
    });
    expect(result.commands.wireTotal).toBe(result.commands.total);
  });

  test('when an article is deleted, then it goes with its comments and favourites in one commit, and its tag counts follow', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    await comment(app, author, article.id);
    await favorite(app, author, article.id);
    const result = await app.execute(DELETE, { as: author, variables: { id: article.id } });
    expect(result.errors).toBeUndefined();
    expect(result.commands.byTag).toEqual({
      'auth.session': 1,
      'articles.byId': 1,
      'articles.delete': 1,
      'comments.deleteByArticle': 1,
      'favorites.deleteByArticle': 1,
      'tags.count': 1,
      'transaction.commit': 1,
    });
    expect(result.commands.wire['commitTransaction']).toBe(1);
    expect(result.commands.wireTotal).toBe(result.commands.total);
  });

  test('when a user signs in, then the session and its audit event commit together', async () => {
    const user = await signUp(app);
    const result = await app.execute(
      `mutation($input: SignInUserInput!) { signInUser(input: $input) { token errors { message } } }`,
      { variables: { input: { email: user.email, password: user.password } } },
    );
    expect(result.data.signInUser.errors).toEqual([]);
    expect(result.commands.byTag).toEqual({
      // The throttle's three counters (account and address, address, account), and the refund of a success.
      'throttle.reserve': 3,
      'users.byEmail': 1,
      'throttle.refund': 1,
      // The session, then the audit event (SIGN_IN).
      insert: 2,
      'transaction.commit': 1,
    });
    expect(result.commands.wireTotal).toBe(result.commands.total);
  });

  test('when the password changes, then the user, the end of the other sessions and of reset links, and its audit event commit together', async () => {
    const user = await signUp(app);
    const result = await app.execute(
      `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } errors { message } } }`,
      {
        as: user,
        variables: {
          input: { username: user.username, email: user.email, password: 'a brand new password' },
        },
      },
    );
    expect(result.data.updateUser.errors).toEqual([]);
    expect(result.commands.byTag).toEqual({
      'auth.session': 1,
      'users.update': 1,
      'sessions.endOthers': 1,
      // Reset links sent before the change, then the audit event (PASSWORD_CHANGED).
      'accountTokens.revoke': 1,
      insert: 1,
      'transaction.commit': 1,
    });
    expect(result.commands.wireTotal).toBe(result.commands.total);
  });
});
