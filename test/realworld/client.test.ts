import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { createTestApp, type TestApp } from '../support/harness';
import { unique } from '../support/fixtures';
import { documentFor, OPERATIONS } from './client-operations';

/**
 * A RealWorld GraphQL web client runs against Atrium unchanged: every operation it sends validates against
 * the published schema (schema/schema.graphql), and a session through its pages behaves.
 */

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const published = buildSchema(
  fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'),
);
const names = Object.keys(OPERATIONS) as (keyof typeof OPERATIONS)[];

test.each(names)('when the client sends %s, then it validates against schema/schema.graphql', (name) => {
  expect(validate(published, parse(documentFor(name)))).toEqual([]);
});

test('when a reader and a writer use the client page by page, then every page behaves', async () => {
  const run = async (
    name: keyof typeof OPERATIONS,
    variables: Record<string, unknown> = {},
    token?: string,
  ) => {
    const result = await app.execute(documentFor(name), { variables, ...(token ? { as: token } : {}) });
    expect(result.errors).toBeUndefined();
    return result.data;
  };

  // Anonymous visitor: header, home page, tags.
  expect(await run('AppViewer')).toEqual({ viewer: null });
  await run('HomeGlobalFeed', { first: 10 });
  await run('PopularTags');

  // Sign up two people; sign one in again.
  const writerName = unique('writer');
  const signUp = await run('SignUpPage', {
    input: { username: writerName, email: `${writerName}@example.com`, password: 'a long password' },
  });
  expect(signUp.createUser.errors).toEqual([]);
  const writer = signUp.createUser.token as string;
  const readerName = unique('reader');
  await run('SignUpPage', {
    input: { username: readerName, email: `${readerName}@example.com`, password: 'pw-reader-123' },
  });
  const signIn = await run('SignInPage', {
    input: { email: `${readerName.toUpperCase()}@EXAMPLE.COM`, password: 'pw-reader-123' },
  });
  expect(signIn.signInUser.errors).toEqual([]);
  expect(signIn.signInUser.viewer.user.username).toBe(readerName);
  const reader = signIn.signInUser.token as string;

  // Writer: settings, editor (create, load, update).
  const settings = await run('SettingsPage', {}, writer);
  expect(settings.viewer.user.email).toBe(`${writerName}@example.com`);
  const updated = await run(
    'UpdateSettings',
    {
      input: {
        username: writerName,
        email: `${writerName}@example.com`,
        bio: 'I write.',
        image: 'https://img.example/w.png',
        password: '',
      },
    },
    writer,
  );
  expect(updated.updateUser.user.bio).toBe('I write.');
  const tag = unique('tag');
  const created = await run(
    'EditorCreate',
    {
      input: {
        title: 'How to train your dragon',
        description: 'Ever wonder how?',
        body: 'It takes a Jacobian',
        tagList: [tag, 'dragons'],
        clientMutationId: 'x',
      },
    },
    writer,
  );
  expect(created.createArticle.errors).toEqual([]);
  const { slug, id } = created.createArticle.article;
  expect(slug).toMatch(/^how-to-train-your-dragon/);
  const loaded = await run('EditorLoad', { slug }, writer);
  expect(loaded.article.viewerCanUpdate).toBe(true);
  await run(
    'EditorUpdate',
    {
      input: { id, title: 'How to train your dragon, 2nd ed.', description: 'd', body: 'b', tagList: [tag] },
    },
    writer,
  );

  // Reader: tag feed, article page, favourite, follow, comment, own feed, profile pages.
  const tagged = await run('HomeTagFeed', { tag, first: 5 }, reader);
  expect(tagged.articles.nodes.map((a: { slug: string }) => a.slug)).toEqual([slug]);
  const page = await run('ArticlePage', { slug }, reader);
  expect(page.article).toMatchObject({
    title: 'How to train your dragon, 2nd ed.',
    viewerCanUpdate: false,
    comments: [],
  });
  const writerId = page.article.author.id as string;
  expect((await run('FavoriteArticle', { input: { id } }, reader)).favoriteArticle.article).toEqual({
    id,
    favoritesCount: 1,
    viewerHasFavorited: true,
  });
  expect((await run('FollowUser', { input: { id: writerId } }, reader)).followUser.user).toEqual({
    id: writerId,
    followedByViewer: true,
    followers: { totalCount: 1 },
  });
  const commented = await run('AddComment', { input: { articleId: id, body: 'Great read' } }, reader);
  expect(commented.addComment.comment.viewerCanDelete).toBe(true);
  const feed = await run('HomeYourFeed', { first: 10 }, reader);
  expect(feed.viewer.feed.edges.map((e: { node: { slug: string } }) => e.node.slug)).toEqual([slug]);
  const profile = await run('ProfileArticles', { username: writerName, first: 5 }, reader);
  expect(profile.user.followedByViewer).toBe(true);
  const favorites = await run('ProfileFavorites', { username: readerName, first: 5 }, reader);
  expect(favorites.user.favoriteArticles.nodes.map((a: { slug: string }) => a.slug)).toEqual([slug]);

  // And back: unfavourite, unfollow, delete the comment; the writer deletes the article.
  await run('UnfavoriteArticle', { input: { id } }, reader);
  await run('UnfollowUser', { input: { id: writerId } }, reader);
  await run('DeleteComment', { input: { id: commented.addComment.comment.id } }, reader);
  expect((await run('DeleteArticle', { input: { id } }, writer)).deleteArticle.article.slug).toBe(slug);
  expect(await run('ArticlePage', { slug }, reader)).toEqual({ article: null });
});
