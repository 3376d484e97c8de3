import { Types } from 'mongoose';
import { recountArticles } from '../../src/models/article-counts';
import { recountTags } from '../../src/models/tag-counts';
import { createTestApp, explainDocsExamined, type Executed, type TestApp } from '../support/harness';
import { comment, favorite, follow, publish } from '../support/content';
import { signUp, type SignedUp } from '../support/fixtures';

/**
 * What the home page, the tag list and an article page cost MongoDB does not grow with the data: the same commands, and the
 * same documents examined (MongoDB's own count, from `explain` with executionStats on the very commands
 * the page sent), with ten times as many articles and favourites behind the page.
 */

const TAGS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

let app: TestApp;
let viewer: SignedUp;
let authors: SignedUp[];
let older = 0;

beforeAll(async () => {
  app = await createTestApp();
  viewer = await signUp(app);
  authors = [];
  for (let i = 0; i < 4; i += 1) authors.push(await signUp(app));
  await follow(app, viewer, authors[0]!);
  await follow(app, viewer, authors[1]!);
  // The newest articles, which the page shows, written through the API.
  for (let i = 0; i < 24; i += 1) {
    const article = await publish(app, authors[i % 4]!, { tagList: [TAGS[i % 6]!, TAGS[(i + 1) % 6]!] });
    if (i % 3 === 0) await favorite(app, viewer, article.id);
    if (i % 2 === 0) await favorite(app, authors[(i + 1) % 4]!, article.id);
  }
});
afterAll(async () => {
  await app.close();
});

/**
 * Adds `n` articles older than every article the page shows, with the same tags, and favourites of them by
 * the viewer and the authors; their counters and the tag counts are recounted as the backfill does.
 */
async function addOlder(n: number): Promise<void> {
  const { Article, Favorite } = app.deps.models;
  const base = Date.now() - 365 * 24 * 3600 * 1000;
  const articles = Array.from({ length: n }, () => {
    older += 1;
    const createdAt = new Date(base + older * 60_000);
    return {
      _id: new Types.ObjectId(),
      slug: `older-${older}`,
      title: `Older ${older}`,
      description: 'd',
      body: 'b',
      tagList: [TAGS[older % 6]!, TAGS[(older + 2) % 6]!],
      authorId: new Types.ObjectId(authors[older % 4]!.id),
      favoritesCount: 0,
      commentsCount: 0,
      createdAt,
      updatedAt: createdAt,
    };
  });
  await Article.insertMany(articles, { lean: true });
  const fans = [viewer, ...authors].map((user) => new Types.ObjectId(user.id));
  await Favorite.insertMany(
    articles.flatMap((article, i) =>
      fans.filter((_, f) => (i + f) % 2 === 0).map((userId) => ({ userId, articleId: article._id })),
    ),
    { lean: true },
  );
  await recountArticles(
    app.deps.models,
    articles.map((article) => article._id),
  );
  await recountTags(app.deps.models);
}

const HOME = `query Home {
  viewer { user { username } feed(first: 10) { nodes { slug title author { username } } } }
  articles(first: 20) {
    edges { cursor node {
      slug title description tagList createdAt favoritesCount viewerHasFavorited
      author { username image followedByViewer }
    } }
    pageInfo { hasNextPage endCursor }
  }
  tags
}`;

interface Cost {
  commands: number;
  byTag: Record<string, number>;
  /** Documents examined, by the comment (query tag) of each command. */
  docsExamined: Record<string, number>;
}

async function costOf(result: Executed): Promise<Cost> {
  expect(result.errors).toBeUndefined();
  const docsExamined: Record<string, number> = {};
  for (const read of await explainDocsExamined(app, result.sent)) {
    const tag = read.comment ?? read.command;
    docsExamined[tag] = (docsExamined[tag] ?? 0) + read.docsExamined;
  }
  return { commands: result.commands.total, byTag: result.commands.byTag, docsExamined };
}

/** The documents the aggregation `tags` used to run (over every article) examines now. */
async function everyArticleTagged(): Promise<number> {
  const explained = await app.deps.db.connection.db!.command({
    explain: {
      aggregate: 'articles',
      pipeline: [
        { $unwind: '$tagList' },
        { $group: { _id: '$tagList', uses: { $sum: 1 } } },
        { $sort: { uses: -1, _id: 1 } },
        { $limit: 100 },
      ],
      cursor: {},
    },
    verbosity: 'executionStats',
  });
  return JSON.stringify(explained)
    .match(/"totalDocsExamined":(\d+)/g)!
    .reduce((sum, m) => sum + Number(m.split(':')[1]), 0);
}

test('when the articles and favourites grow tenfold, then the home page and the tag list cost the same', async () => {
  await addOlder(200);
  const articlesBefore = await app.deps.models.Article.countDocuments();
  const favoritesBefore = await app.deps.models.Favorite.countDocuments();
  const homeBefore = await app.execute(HOME, { as: viewer });
  const tagsBefore = await app.execute('{ tags }');
  const small = { home: await costOf(homeBefore), tags: await costOf(tagsBefore) };
  const scanBefore = await everyArticleTagged();

  await addOlder(2100);
  expect(await app.deps.models.Article.countDocuments()).toBeGreaterThanOrEqual(articlesBefore * 10);
  expect(await app.deps.models.Favorite.countDocuments()).toBeGreaterThanOrEqual(favoritesBefore * 10);
  const homeAfter = await app.execute(HOME, { as: viewer });
  const tagsAfter = await app.execute('{ tags }');
  const large = { home: await costOf(homeAfter), tags: await costOf(tagsAfter) };

  // The page itself is the same: the older articles are behind it.
  expect(homeAfter.data).toEqual(homeBefore.data);
  expect(tagsAfter.data.tags).toHaveLength(TAGS.length);
  expect(large).toEqual(small);
  // Round trips: the session check; the feed's follows, its page and the front page (two page reads); the
  // authors, their follow flags, the favourite flags; the tag list.
  expect(small.home.byTag).toEqual({
    'auth.session': 1,
    'follows.followeeIdsByUser': 1,
    'articles.page': 2,
    'users.byId': 1,
    'follows.byViewer': 1,
    'favorites.byViewer': 1,
    'tags.popular': 1,
  });
  expect(small.tags).toMatchObject({ commands: 1, byTag: { 'tags.popular': 1 } });
  // The tag list reads one entry per tag, never an article.
  expect(small.tags.docsExamined['tags.popular']).toBeLessThanOrEqual(TAGS.length);
  // What the page reads is bounded by what it shows, not by what is stored.
  const shown = {
    session: 2, // the session and its user
    followees: 2,
    pages: 11 + 21, // the feed's 10 and the front page's 20, and one more each to tell whether more follow
    authors: authors.length,
    followFlags: authors.length,
    favouriteFlags: 20,
    tags: TAGS.length,
  };
  const examined = Object.values(small.home.docsExamined).reduce((a, b) => a + b, 0);
  expect(examined).toBeLessThanOrEqual(Object.values(shown).reduce((a, b) => a + b, 0));
  // Reading the articles to count their tags, as `tags` did, examines every article: the measure sees growth.
  const scanAfter = await everyArticleTagged();
  expect(scanAfter).toBeGreaterThanOrEqual(scanBefore * 10);
});

const ARTICLE_PAGE = `query ArticlePage($slug: String!) {
  article(slug: $slug) {
    slug title description body tagList createdAt updatedAt favoritesCount viewerHasFavorited
    author { username bio image followedByViewer }
    comments { id body createdAt author { username image } }
  }
}`;

/** `n` comments on each of the given articles, by the authors in turn, stored as the API stores them. */
async function addComments(articleIds: Types.ObjectId[], n: number): Promise<void> {
  const { Comment } = app.deps.models;
  const at = new Date();
  await Comment.insertMany(
    articleIds.flatMap((articleId, a) =>
      Array.from({ length: n }, (_, i) => ({
        _id: new Types.ObjectId(),
        articleId,
        authorId: new Types.ObjectId(authors[(a + i) % 4]!.id),
        body: `comment ${i}`,
        createdAt: at,
        updatedAt: at,
      })),
    ),
    { lean: true },
  );
  await recountArticles(app.deps.models, articleIds);
}

test('when the other articles get ten times the comments and favourites, then an article page costs the same', async () => {
  const article = await publish(app, authors[2]!, { tagList: ['alpha'] });
  for (let i = 0; i < 6; i += 1) await comment(app, authors[i % 4]!, article.id, `On topic ${i}`);
  await favorite(app, viewer, article.id);
  const others = (
    await app.deps.models.Article.collection
      .find({ _id: { $ne: new Types.ObjectId(article.id) } }, { projection: { _id: 1 } })
      .limit(60)
      .toArray()
  ).map((doc) => doc._id);
  await addComments(others, 2);
  const page = () => app.execute(ARTICLE_PAGE, { as: viewer, variables: { slug: article.slug } });
  const before = await page();
  const small = await costOf(before);

  await addComments(others, 20);
  await addOlder(200);
  const after = await page();
  const large = await costOf(after);

  expect(after.data).toEqual(before.data);
  expect(before.data.article.comments).toHaveLength(6);
  expect(large).toEqual(small);
  expect(small.byTag).toEqual({
    'auth.session': 1,
    'articles.bySlug': 1,
    'favorites.byViewer': 1,
    'users.byId': 1,
    'comments.byArticle': 1,
    'follows.byViewer': 1,
  });
  // The article, its comments (their authors come with them), its author and the two flags: what it shows.
  expect(small.docsExamined['articles.bySlug']).toBe(1);
  expect(small.docsExamined['comments.byArticle']).toBeLessThanOrEqual(6 + 6);
});
