// The workloads: what each sends, who serves it, and how a response is judged correct. W3/W4 are judged
// against a reference computed straight from the database, so a server that answers fast but wrong fails.
import assert from 'node:assert/strict';
import { ITEMS } from '../shared/items.mjs';

export const W3_QUERY = `query Home {
  articles(first: 20) {
    edges { node { slug title description tagList createdAt favoritesCount viewerHasFavorited
      author { username image followedByViewer } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const W4_QUERY = `query ArticlePage($slug: String!) {
  article(slug: $slug) {
    slug title description body tagList createdAt updatedAt favoritesCount viewerHasFavorited
    author { username bio image followedByViewer }
    comments { id body createdAt author { username image } }
  }
}`;

/** The scale workloads' other two pages: the tag cloud, and the signed-in viewer's feed (a home page's shape). */
export const TAGS_QUERY = `query Tags { tags }`;

export const FEED_QUERY = `query Feed {
  viewer {
    feed(first: 20) {
      edges { node { slug title description tagList createdAt favoritesCount viewerHasFavorited
        author { username image followedByViewer } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const W5_QUERY = `mutation NewArticle($input: CreateArticleInput!) {
  createArticle(input: $input) {
    article { slug title description tagList author { username } }
    errors { message path }
  }
}`;

export const W6_QUERY = `mutation SignIn($input: SignInUserInput!) {
  signInUser(input: $input) { token viewer { user { username } } errors { message path } }
}`;

/** Articles made by W5 carry this tag, so that they can be removed after each window. */
export const W5_TAG = 'benchw5';

/** `@@N@@` is replaced per request (lib/check.lua, and post() in run.mjs), so every title is new. */
export const W5_INPUT = {
  title: 'Load test article @@N@@',
  description: 'Written by the benchmark',
  body: 'A body of moderate length, as a real article would have, though not a long one.',
  tagList: [W5_TAG, 'performance'],
};

const iso = (d) => new Date(d).toISOString();

/** The W3 answer as the database says it should be, for the given viewer. */
export async function referenceW3(db, viewerId) {
  const docs = await db.collection('articles').find({}).sort({ createdAt: -1, _id: -1 }).limit(21).toArray();
  const page = docs.slice(0, 20);
  const edges = [];
  for (const a of page) edges.push({ node: await articleFields(db, a, viewerId) });
  return { edges, hasNextPage: docs.length > 20 };
}

/** The feed as the database says it should be: the newest articles by the users the viewer follows. */
export async function referenceFeed(db, viewerId) {
  const follows = await db.collection('follows').find({ followerId: viewerId }).toArray();
  const docs = await db
    .collection('articles')
    .find({ authorId: { $in: follows.map((f) => f.followeeId) } })
    .sort({ createdAt: -1, _id: -1 })
    .limit(21)
    .toArray();
  const edges = [];
  for (const a of docs.slice(0, 20)) edges.push({ node: await articleFields(db, a, viewerId) });
  return { edges, hasNextPage: docs.length > 20 };
}

/** The 100 most used tags counted from the articles themselves (not from the `tags` collection). */
export async function referenceTags(db) {
  const rows = await db
    .collection('articles')
    .aggregate([{ $unwind: '$tagList' }, { $group: { _id: '$tagList', n: { $sum: 1 } } }])
    .toArray();
  return rows
    .sort((a, b) => b.n - a.n || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
    .slice(0, 100)
    .map((row) => row._id);
}

async function articleFields(db, a, viewerId) {
  const author = await db.collection('users').findOne({ _id: a.authorId });
  return {
    slug: a.slug,
    title: a.title,
    description: a.description,
    tagList: a.tagList,
    createdAt: iso(a.createdAt),
    favoritesCount: await db.collection('favorites').countDocuments({ articleId: a._id }),
    viewerHasFavorited: Boolean(
      await db.collection('favorites').findOne({ userId: viewerId, articleId: a._id }),
    ),
    author: {
      username: author.username,
      image: author.image ?? null,
      followedByViewer: Boolean(
        await db.collection('follows').findOne({ followerId: viewerId, followeeId: author._id }),
      ),
    },
  };
}

export async function referenceW4(db, slug, viewerId) {
  const a = await db.collection('articles').findOne({ slug });
  const base = await articleFields(db, a, viewerId);
  const author = await db.collection('users').findOne({ _id: a.authorId });
  const comments = await db
    .collection('comments')
    .find({ articleId: a._id })
    .sort({ createdAt: 1, _id: 1 })
    .toArray();
  const users = new Map();
  for (const c of comments) {
    users.set(
      String(c.authorId),
      users.get(String(c.authorId)) ?? (await db.collection('users').findOne({ _id: c.authorId })),
    );
  }
  return {
    ...base,
    body: a.body,
    updatedAt: iso(a.updatedAt),
    author: { ...base.author, bio: author.bio ?? null },
    comments: comments.map((c) => ({
      body: c.body,
      createdAt: iso(c.createdAt),
      author: {
        username: users.get(String(c.authorId)).username,
        image: users.get(String(c.authorId)).image ?? null,
      },
    })),
  };
}

/**
 * Throws unless the parsed response is right. W1/W2/W3/W4 are then compared byte for byte on every
 * request under load; W5/W6 (new slugs, new tokens each time) by the markers returned here.
 */
export function verify(workload, json, ref) {
  assert.equal(json.errors, undefined, `errors: ${JSON.stringify(json.errors)}`);
  switch (workload) {
    case 'W1':
      assert.deepEqual(json.data, { __typename: 'Query' });
      return null;
    case 'W2':
      assert.deepEqual(json.data, { items: ITEMS });
      return null;
    case 'W3': {
      const { edges, pageInfo } = json.data.articles;
      assert.deepEqual({ edges, hasNextPage: pageInfo.hasNextPage }, ref);
      assert.equal(typeof pageInfo.endCursor, 'string');
      return null;
    }
    case 'feed': {
      const { edges, pageInfo } = json.data.viewer.feed;
      assert.deepEqual({ edges, hasNextPage: pageInfo.hasNextPage }, ref);
      assert.equal(typeof pageInfo.endCursor, 'string');
      return null;
    }
    case 'tags':
      assert.deepEqual(json.data.tags, ref);
      return null;
    case 'W4': {
      const article = structuredClone(json.data.article);
      for (const c of article.comments) {
        assert.ok(typeof c.id === 'string' && c.id.length > 0, 'comment id');
        delete c.id;
      }
      assert.deepEqual(article, ref);
      return null;
    }
    case 'W5': {
      const { article, errors } = json.data.createArticle;
      assert.deepEqual(errors, []);
      assert.match(article.title, /^Load test article \d+-\d+$/);
      assert.deepEqual([...article.tagList].sort(), [...W5_INPUT.tagList].sort());
      assert.equal(article.author.username, ref.username);
      assert.match(article.slug, /^load-test-article-\d+/);
      return [
        '"errors":[]',
        '"title":"Load test article ',
        `"username":"${ref.username}"`,
        '"slug":"load-test-article-',
      ];
    }
    case 'W6': {
      const { token, viewer, errors } = json.data.signInUser;
      assert.deepEqual(errors, []);
      assert.ok(typeof token === 'string' && token.length > 20);
      assert.equal(viewer.user.username, ref.username);
      return ['"errors":[]', '"token":"ey', `"username":"${ref.username}"`];
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}
