import { createTestApp, type TestApp } from '../support/harness';
import { codes, publish } from '../support/content';
import { signUp } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const FAVORITE = `mutation($id: ID!) {
  favoriteArticle(input: { id: $id, clientMutationId: "f" }) { article { id favoritesCount viewerHasFavorited } clientMutationId }
}`;
const UNFAVORITE = `mutation($id: ID!) {
  unfavoriteArticle(input: { id: $id }) { article { id favoritesCount viewerHasFavorited } }
}`;
const FOLLOW = `mutation($id: ID!) {
  followUser(input: { id: $id }) { user { id username followedByViewer followers { totalCount } } }
}`;
const UNFOLLOW = `mutation($id: ID!) {
  unfollowUser(input: { id: $id }) { user { id followedByViewer followers { totalCount } } }
}`;

describe('favourites', () => {
  test('when a user favourites, then the payload shows the new count and flag, and twice counts once', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author);
    const first = await app.execute(FAVORITE, { as: fan, variables: { id: article.id } });
    expect(first.data.favoriteArticle).toEqual({
      article: { id: article.id, favoritesCount: 1, viewerHasFavorited: true },
      clientMutationId: 'f',
    });
    const again = await app.execute(FAVORITE, { as: fan, variables: { id: article.id } });
    expect(again.data.favoriteArticle.article.favoritesCount).toBe(1);
    const anonymousView = await app.execute(
      `query($s: String!) { article(slug: $s) { favoritesCount viewerHasFavorited } }`,
      {
        variables: { s: article.slug },
      },
    );
    expect(anonymousView.data.article).toEqual({ favoritesCount: 1, viewerHasFavorited: false });
  });

  test('when one user favourites the same article ten times at once, then it counts once', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => app.execute(FAVORITE, { as: fan, variables: { id: article.id } })),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(await app.deps.models.Favorite.countDocuments({ articleId: article.id })).toBe(1);
  });

  test('when many users favourite at once, then the count is exact', async () => {
    const author = await signUp(app);
    const article = await publish(app, author);
    const fans = await Promise.all(Array.from({ length: 8 }, () => signUp(app)));
    await Promise.all(fans.map((fan) => app.execute(FAVORITE, { as: fan, variables: { id: article.id } })));
    const view = await app.execute(`query($s: String!) { article(slug: $s) { favoritesCount } }`, {
      variables: { s: article.slug },
    });
    expect(view.data.article.favoritesCount).toBe(8);
  });

  test('when a user unfavourites, then the count drops, and again changes nothing', async () => {
    const author = await signUp(app);
    const fan = await signUp(app);
    const article = await publish(app, author);
    await app.execute(FAVORITE, { as: fan, variables: { id: article.id } });
    const result = await app.execute(UNFAVORITE, { as: fan, variables: { id: article.id } });
    expect(result.data.unfavoriteArticle.article).toEqual({
      id: article.id,
      favoritesCount: 0,
      viewerHasFavorited: false,
    });
    const again = await app.execute(UNFAVORITE, { as: fan, variables: { id: article.id } });
    expect(again.data.unfavoriteArticle.article.favoritesCount).toBe(0);
  });

  test('when the article does not exist, then NOT_FOUND; when anonymous, then UNAUTHENTICATED', async () => {
    const fan = await signUp(app);
    const before = await app.deps.models.Favorite.countDocuments();
    expect(
      codes(await app.execute(FAVORITE, { as: fan, variables: { id: '0123456789abcdef01234567' } })),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await app.execute(FAVORITE, { variables: { id: '0123456789abcdef01234567' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(await app.deps.models.Favorite.countDocuments()).toBe(before);
  });
});

describe('follows', () => {
  test('when a user follows, then the payload shows the new flag and follower count, and twice counts once', async () => {
    const star = await signUp(app);
    const fan = await signUp(app);
    const result = await app.execute(FOLLOW, { as: fan, variables: { id: star.id } });
    expect(result.errors).toBeUndefined();
    expect(result.data.followUser.user).toEqual({
      id: star.id,
      username: star.username,
      followedByViewer: true,
      followers: { totalCount: 1 },
    });
    const again = await app.execute(FOLLOW, { as: fan, variables: { id: star.id } });
    expect(again.data.followUser.user.followers.totalCount).toBe(1);
  });

  test('when ten follows of the same user arrive at once, then one follow is stored', async () => {
    const star = await signUp(app);
    const fan = await signUp(app);
    await Promise.all(
      Array.from({ length: 10 }, () => app.execute(FOLLOW, { as: fan, variables: { id: star.id } })),
    );
    expect(await app.deps.models.Follow.countDocuments({ followeeId: star.id })).toBe(1);
  });

  test('when a user unfollows, then the flag and count drop', async () => {
    const star = await signUp(app);
    const fan = await signUp(app);
    await app.execute(FOLLOW, { as: fan, variables: { id: star.id } });
    const result = await app.execute(UNFOLLOW, { as: fan, variables: { id: star.id } });
    expect(result.data.unfollowUser.user).toEqual({
      id: star.id,
      followedByViewer: false,
      followers: { totalCount: 0 },
    });
  });

  test('when a user follows themself, then BAD_USER_INPUT and nothing is stored', async () => {
    const me = await signUp(app);
    expect(codes(await app.execute(FOLLOW, { as: me, variables: { id: me.id } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await app.deps.models.Follow.countDocuments({ followerId: me.id })).toBe(0);
  });

  test('when the user does not exist, then NOT_FOUND; when anonymous, then UNAUTHENTICATED', async () => {
    const fan = await signUp(app);
    expect(
      codes(await app.execute(FOLLOW, { as: fan, variables: { id: '0123456789abcdef01234567' } })),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await app.execute(FOLLOW, { variables: { id: fan.id } }))).toEqual(['UNAUTHENTICATED']);
  });

  test('when users follow someone, then their followers list them, most recent first', async () => {
    const star = await signUp(app);
    const fans = [await signUp(app), await signUp(app), await signUp(app)];
    for (const fan of fans) await app.execute(FOLLOW, { as: fan, variables: { id: star.id } });
    const result = await app.execute(
      `query($u: String!) { user(username: $u) { followers(first: 2) { nodes { username } totalCount pageInfo { hasNextPage } } } }`,
      { variables: { u: star.username } },
    );
    expect(result.data.user.followers).toEqual({
      nodes: [{ username: fans[2]!.username }, { username: fans[1]!.username }],
      totalCount: 3,
      pageInfo: { hasNextPage: true },
    });
  });
});

describe('reads after writes in the same request', () => {
  test('when one operation publishes twice, then the second payload counts both', async () => {
    const author = await signUp(app);
    const input = (title: string) => ({ title, description: '', body: 'b', tagList: [] });
    const result = await app.execute(
      `mutation($a: CreateArticleInput!, $b: CreateArticleInput!) {
        a: createArticle(input: $a) { article { id } }
        b: createArticle(input: $b) { article { author { articles { totalCount nodes { id } } } } }
      }`,
      { as: author, variables: { a: input('First'), b: input('Second') } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.b.article.author.articles.totalCount).toBe(2);
    expect(result.data.b.article.author.articles.nodes).toHaveLength(2);
  });

  test('when one operation favourites twice, then the second payload lists both favourites', async () => {
    const author = await signUp(app);
    const x = await publish(app, author);
    const y = await publish(app, author);
    const favorites = `article { author { favoriteArticles { totalCount nodes { id } } } }`;
    const result = await app.execute(
      `mutation($x: ID!, $y: ID!) {
        f1: favoriteArticle(input: { id: $x }) { ${favorites} }
        f2: favoriteArticle(input: { id: $y }) { ${favorites} }
        u1: unfavoriteArticle(input: { id: $x }) { ${favorites} }
      }`,
      { as: author, variables: { x: x.id, y: y.id } },
    );
    expect(result.errors).toBeUndefined();
    const ids = (key: string) => result.data[key].article.author.favoriteArticles;
    expect(ids('f1')).toEqual({ totalCount: 1, nodes: [{ id: x.id }] });
    expect(ids('f2')).toEqual({ totalCount: 2, nodes: [{ id: y.id }, { id: x.id }] });
    expect(ids('u1')).toEqual({ totalCount: 1, nodes: [{ id: y.id }] });
  });
});

describe('writes racing a delete', () => {
  test('when favourites and comments race the deletion of their article, then none outlives it', async () => {
    const author = await signUp(app);
    const fans = await Promise.all(Array.from({ length: 4 }, () => signUp(app)));
    for (let round = 0; round < 8; round += 1) {
      const article = await publish(app, author);
      await Promise.all([
        ...fans.map((fan) =>
          app.execute(`mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { id } } }`, {
            as: fan,
            variables: { id: article.id },
          }),
        ),
        ...fans.map((fan) =>
          app.execute(
            `mutation($id: ID!) { addComment(input: { articleId: $id, body: "race" }) { comment { id } } }`,
            {
              as: fan,
              variables: { id: article.id },
            },
          ),
        ),
        app.execute(`mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`, {
          as: author,
          variables: { id: article.id },
        }),
      ]);
      expect(await app.deps.models.Favorite.countDocuments({ articleId: article.id })).toBe(0);
      expect(await app.deps.models.Comment.countDocuments({ articleId: article.id })).toBe(0);
    }
  });
});
