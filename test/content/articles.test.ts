import { createTestApp, type TestApp } from '../support/harness';
import { articleInput, codes, comment, CREATE_ARTICLE, favorite, publish } from '../support/content';
import { signUp, unique } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const UPDATE = `mutation($input: UpdateArticleInput!) {
  updateArticle(input: $input) { article { id slug title description body tagList } errors { message path } }
}`;
const DELETE = `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id slug } } }`;

describe('createArticle', () => {
  test('when an author publishes, then the payload has the slug, normalised tags and the author', async () => {
    const author = await signUp(app);
    const result = await app.execute(CREATE_ARTICLE, {
      as: author,
      variables: {
        input: {
          title: '  Héllo, World! How are you?  ',
          description: 'd',
          body: 'b',
          tagList: [' Dragons ', 'dragons', 'TRAINING'],
          clientMutationId: 'm1',
        },
      },
    });
    expect(result.errors).toBeUndefined();
    const { article, errors, clientMutationId } = result.data.createArticle;
    expect(errors).toEqual([]);
    expect(clientMutationId).toBe('m1');
    expect(article.slug).toBe('hello-world-how-are-you');
    expect(article.title).toBe('Héllo, World! How are you?');
    expect(article.tagList).toEqual(['dragons', 'training']);
    expect(article.author).toEqual({ id: author.id, username: author.username });
    expect(article.favoritesCount).toBe(0);
    expect(article.viewerCanUpdate).toBe(true);
    expect(article.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const stored = await app.deps.models.Article.findOne({ slug: article.slug }).lean();
    expect(stored?.authorId.toHexString()).toBe(author.id);
  });

  test('when two articles share a title, then the second slug gets a short suffix', async () => {
    const author = await signUp(app);
    const title = `Same title ${unique()}`;
    const first = await publish(app, author, { title });
    const second = await publish(app, author, { title });
    expect(second.slug).toMatch(new RegExp(`^${first.slug}-[0-9a-f]{6}$`));
  });

  test('when a title has no letters or digits, then the slug is still usable', async () => {
    const author = await signUp(app);
    const article = await publish(app, author, { title: '!!! ???' });
    expect(article.slug).toMatch(/^article(-[0-9a-f]{6})?$/);
  });

  test.each([
    ['title', { title: '' }, 'title'],
    ['title', { title: 'x'.repeat(201) }, 'title'],
    ['title', { title: 'two\nlines' }, 'title'],
    ['description', { description: 'x'.repeat(1001) }, 'description'],
    ['body', { body: '' }, 'body'],
    ['body', { body: 'x'.repeat(64 * 1024 + 1) }, 'body'],
    ['body', { body: 'nul \u0000 inside' }, 'body'],
    ['tagList', { tagList: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tagList'],
    ['tagList', { tagList: ['x'.repeat(33)] }, 'tagList'],
    ['tagList', { tagList: ['   '] }, 'tagList'],
    ['tagList', { tagList: ['zero\u200bwidth'] }, 'tagList'],
  ])(
    'when %s breaks a limit (%#), then a UserError names it and nothing is stored',
    async (_f, overrides, path) => {
      const author = await signUp(app);
      const before = await app.deps.models.Article.countDocuments();
      const result = await app.execute(CREATE_ARTICLE, {
        as: author,
        variables: { input: articleInput(overrides) },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data.createArticle.article).toBeNull();
      expect(result.data.createArticle.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await app.deps.models.Article.countDocuments()).toBe(before);
    },
  );

  test('when limits are met exactly, then the article is accepted', async () => {
    const author = await signUp(app);
    const result = await app.execute(CREATE_ARTICLE, {
      as: author,
      variables: {
        input: articleInput({
          title: 'x'.repeat(200),
          description: 'd'.repeat(1000),
          body: 'b'.repeat(64 * 1024),
          tagList: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(32, 'y')),
        }),
      },
    });
    expect(result.data.createArticle.errors).toEqual([]);
  });

  test('when anonymous, then UNAUTHENTICATED and nothing is stored', async () => {
    const before = await app.deps.models.Article.countDocuments();
    const result = await app.execute(CREATE_ARTICLE, { variables: { input: articleInput() } });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(await app.deps.models.Article.countDocuments()).toBe(before);
  });
});

describe('updateArticle', () => {
  test('when the author edits, then content changes and the slug stays', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    const result = await app.execute(UPDATE, {
      as: author,
      variables: {
        input: { id: article.id, title: 'A new title', description: 'nd', body: 'nb', tagList: ['x'] },
      },
    });
    expect(result.data.updateArticle.errors).toEqual([]);
    expect(result.data.updateArticle.article).toMatchObject({
      slug: article.slug,
      title: 'A new title',
      tagList: ['x'],
    });
    const found = await app.execute(`query($s: String!) { article(slug: $s) { title body } }`, {
      variables: { s: article.slug },
    });
    expect(found.data.article).toEqual({ title: 'A new title', body: 'nb' });
  });

  test('when another user edits, then FORBIDDEN and nothing changes', async () => {
    const author = await signUp(app);
    const other = await signUp(app);
    const article = await publish(app, author);
    const result = await app.execute(UPDATE, {
      as: other,
      variables: { input: { id: article.id, title: 'Hijacked', description: '', body: 'x', tagList: [] } },
    });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect((await app.deps.models.Article.findById(article.id).lean())?.title).toBe(article.title);
  });

  test('when the id does not exist or is malformed, then NOT_FOUND', async () => {
    const author = await signUp(app);
    for (const id of ['0123456789abcdef01234567', 'not-an-id']) {
      const result = await app.execute(UPDATE, {
        as: author,
        variables: { input: { id, title: 't', description: '', body: 'x', tagList: [] } },
      });
      expect(codes(result)).toEqual(['NOT_FOUND']);
    }
  });

  test('when the new fields are invalid, then UserErrors and nothing changes', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    const result = await app.execute(UPDATE, {
      as: author,
      variables: { input: { id: article.id, title: '', description: '', body: '', tagList: [] } },
    });
    expect(result.data.updateArticle.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body',
      'title',
    ]);
    expect((await app.deps.models.Article.findById(article.id).lean())?.title).toBe(article.title);
  });
});

describe('deleteArticle', () => {
  test('when the author deletes, then the article, its comments and favourites are gone', async () => {
    const author = await signUp(app);
    const reader = await signUp(app);
    const article = await publish(app, author);
    const kept = await publish(app, author);
    await comment(app, reader, article.id);
    await comment(app, reader, kept.id);
    await favorite(app, reader, article.id);
    await favorite(app, reader, kept.id);

    const result = await app.execute(DELETE, { as: author, variables: { id: article.id } });
    expect(result.errors).toBeUndefined();
    expect(result.data.deleteArticle.article).toEqual({ id: article.id, slug: article.slug });
    const { Article, Comment, Favorite } = app.deps.models;
    expect(await Article.countDocuments({ _id: article.id })).toBe(0);
    expect(await Comment.countDocuments({ articleId: article.id })).toBe(0);
    expect(await Favorite.countDocuments({ articleId: article.id })).toBe(0);
    expect(await Comment.countDocuments({ articleId: kept.id })).toBe(1);
    expect(await Favorite.countDocuments({ articleId: kept.id })).toBe(1);
    const gone = await app.execute(`query($s: String!) { article(slug: $s) { id } }`, {
      variables: { s: article.slug },
    });
    expect(gone.data.article).toBeNull();
    expect(gone.errors).toBeUndefined();
  });

  test('when deleted twice, then the second is NOT_FOUND', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    await app.execute(DELETE, { as: author, variables: { id: article.id } });
    expect(codes(await app.execute(DELETE, { as: author, variables: { id: article.id } }))).toEqual([
      'NOT_FOUND',
    ]);
  });
});

test('when a slug or username does not exist, then the query returns null without an error', async () => {
  const result = await app.execute(
    `{ article(slug: "no-such-article") { id } user(username: "nobody-here") { id } }`,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({ article: null, user: null });
});
