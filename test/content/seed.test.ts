import { createTestApp, type TestApp } from '../support/harness';
import { DEMO_PASSWORD, demoEmail, seed } from '../../src/cli/seed-data';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const SMALL = { users: 6, articles: 40, comments: 120, followsPerUser: 3, favoritesPerUser: 5 };

test('when seeded twice, then the second run adds nothing and the demo users can sign in', async () => {
  const first = await seed(app.deps, SMALL);
  expect(first.inserted.users).toBe(6);
  expect(first.inserted.articles).toBe(40);
  expect(first.inserted.comments).toBe(120);
  expect(first.inserted.follows).toBeGreaterThan(0);
  expect(first.inserted.favorites).toBeGreaterThan(0);
  const counts = async () => ({
    users: await app.deps.models.User.countDocuments(),
    articles: await app.deps.models.Article.countDocuments(),
    comments: await app.deps.models.Comment.countDocuments(),
    follows: await app.deps.models.Follow.countDocuments(),
    favorites: await app.deps.models.Favorite.countDocuments(),
  });
  const before = await counts();
  const second = await seed(app.deps, SMALL);
  expect(Object.values(second.inserted)).toEqual([0, 0, 0, 0, 0]);
  expect(await counts()).toEqual(before);

  const signIn = await app.execute(
    `mutation($input: SignInUserInput!) { signInUser(input: $input) { token viewer { role user { username } } errors { message } } }`,
    { variables: { input: { email: demoEmail(0), password: DEMO_PASSWORD } } },
  );
  expect(signIn.data.signInUser.errors).toEqual([]);
  expect(signIn.data.signInUser.viewer.role).toBe('admin');
  const home = await app.execute(
    `{ articles(first: 5) { nodes { slug author { username } } totalCount } tags }`,
    {
      as: signIn.data.signInUser.token,
    },
  );
  expect(home.errors).toBeUndefined();
  expect(home.data.articles.totalCount).toBe(40);
  expect(home.data.tags.length).toBeGreaterThan(3);
  // The seed writes articles in bulk, and counts their tags after.
  const uses = new Map<string, number>();
  for (const doc of await app.deps.models.Article.find({}, { tagList: 1 }).lean()) {
    for (const tag of doc.tagList) uses.set(tag, (uses.get(tag) ?? 0) + 1);
  }
  const stored = await app.deps.models.Tag.find().lean();
  expect(new Map(stored.map((doc) => [doc._id, doc.count]))).toEqual(uses);
});
