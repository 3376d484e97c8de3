import { createTestApp, type TestApp } from '../support/harness';
import { codes, comment, publish } from '../support/content';
import { grantRole, signUp, type SignedUp } from '../support/fixtures';

/**
 * Every content mutation by every kind of caller: anonymous, the author, another user, a moderator, an
 * admin. A refused call changes nothing, and the `viewerCan…` hints agree with what the mutation does.
 */

type Role = 'anonymous' | 'author' | 'other' | 'moderator' | 'admin';
const ROLES: Role[] = ['anonymous', 'author', 'other', 'moderator', 'admin'];

let app: TestApp;
let users: Record<Exclude<Role, 'anonymous'>, SignedUp>;

beforeAll(async () => {
  app = await createTestApp();
  users = {
    author: await signUp(app),
    other: await signUp(app),
    moderator: await signUp(app),
    admin: await signUp(app),
  };
  await grantRole(app, users.moderator.id, 'moderator');
  await grantRole(app, users.admin.id, 'admin');
});
afterAll(async () => {
  await app.close();
});

const as = (role: Role) => (role === 'anonymous' ? undefined : users[role]);

const OK = 'ok';
const EXPECTED: Record<string, Record<Role, string>> = {
  updateArticle: {
    anonymous: 'UNAUTHENTICATED',
    author: OK,
    other: 'FORBIDDEN',
    moderator: 'FORBIDDEN',
    admin: 'FORBIDDEN',
  },
  deleteArticle: { anonymous: 'UNAUTHENTICATED', author: OK, other: 'FORBIDDEN', moderator: OK, admin: OK },
  deleteComment: { anonymous: 'UNAUTHENTICATED', author: OK, other: 'FORBIDDEN', moderator: OK, admin: OK },
  createArticle: { anonymous: 'UNAUTHENTICATED', author: OK, other: OK, moderator: OK, admin: OK },
  addComment: { anonymous: 'UNAUTHENTICATED', author: OK, other: OK, moderator: OK, admin: OK },
  favoriteArticle: { anonymous: 'UNAUTHENTICATED', author: OK, other: OK, moderator: OK, admin: OK },
  followUser: { anonymous: 'UNAUTHENTICATED', author: 'BAD_USER_INPUT', other: OK, moderator: OK, admin: OK },
};

const outcome = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => codes(result)[0] ?? OK;

describe.each(ROLES)('as %s', (role) => {
  test('updateArticle: the hint and the outcome agree, and a refusal changes nothing', async () => {
    const article = await publish(app, users.author);
    const hint = await app.execute(`query($s: String!) { article(slug: $s) { viewerCanUpdate } }`, {
      as: as(role),
      variables: { s: article.slug },
    });
    const result = await app.execute(
      `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title } errors { message } } }`,
      {
        as: as(role),
        variables: { input: { id: article.id, title: 'Changed', description: 'd', body: 'b', tagList: [] } },
      },
    );
    expect(outcome(result)).toBe(EXPECTED['updateArticle']![role]);
    expect(hint.data.article.viewerCanUpdate).toBe(outcome(result) === OK);
    const stored = await app.deps.models.Article.findById(article.id).lean();
    expect(stored?.title).toBe(outcome(result) === OK ? 'Changed' : article.title);
  });

  test('deleteArticle: the hint and the outcome agree, and a refusal changes nothing', async () => {
    const article = await publish(app, users.author);
    await comment(app, users.other, article.id);
    const hint = await app.execute(`query($s: String!) { article(slug: $s) { viewerCanDelete } }`, {
      as: as(role),
      variables: { s: article.slug },
    });
    const result = await app.execute(
      `mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }`,
      {
        as: as(role),
        variables: { id: article.id },
      },
    );
    expect(outcome(result)).toBe(EXPECTED['deleteArticle']![role]);
    expect(hint.data.article.viewerCanDelete).toBe(outcome(result) === OK);
    const left = outcome(result) === OK ? 0 : 1;
    expect(await app.deps.models.Article.countDocuments({ _id: article.id })).toBe(left);
    expect(await app.deps.models.Comment.countDocuments({ articleId: article.id })).toBe(left);
  });

  test("deleteComment (someone else's comment on the author's article)", async () => {
    const article = await publish(app, users.author);
    const created = await comment(app, users.other, article.id);
    // `other` wrote this comment: for the matrix, "other" is a third user who did not.
    const stranger = role === 'other' ? await signUp(app) : as(role);
    const result = await app.execute(
      `mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id } } }`,
      {
        as: stranger,
        variables: { id: created.id },
      },
    );
    expect(outcome(result)).toBe(EXPECTED['deleteComment']![role]);
    expect(await app.deps.models.Comment.countDocuments({ _id: created.id })).toBe(
      outcome(result) === OK ? 0 : 1,
    );
  });

  test('createArticle, addComment, favoriteArticle and followUser', async () => {
    const article = await publish(app, users.author);
    const before = {
      articles: await app.deps.models.Article.countDocuments(),
      comments: await app.deps.models.Comment.countDocuments(),
      favorites: await app.deps.models.Favorite.countDocuments(),
      follows: await app.deps.models.Follow.countDocuments(),
    };
    const create = await app.execute(
      `mutation { createArticle(input: { title: "T", description: "", body: "B", tagList: [] }) { article { id } } }`,
      { as: as(role) },
    );
    const add = await app.execute(
      `mutation($id: ID!) { addComment(input: { articleId: $id, body: "hi" }) { comment { id } } }`,
      { as: as(role), variables: { id: article.id } },
    );
    const fav = await app.execute(
      `mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { id } } }`,
      {
        as: as(role),
        variables: { id: article.id },
      },
    );
    const fol = await app.execute(`mutation($id: ID!) { followUser(input: { id: $id }) { user { id } } }`, {
      as: as(role),
      variables: { id: users.author.id },
    });
    expect([outcome(create), outcome(add), outcome(fav), outcome(fol)]).toEqual([
      EXPECTED['createArticle']![role],
      EXPECTED['addComment']![role],
      EXPECTED['favoriteArticle']![role],
      EXPECTED['followUser']![role],
    ]);
    if (role === 'anonymous') {
      expect(await app.deps.models.Article.countDocuments()).toBe(before.articles);
      expect(await app.deps.models.Comment.countDocuments()).toBe(before.comments);
      expect(await app.deps.models.Favorite.countDocuments()).toBe(before.favorites);
      expect(await app.deps.models.Follow.countDocuments()).toBe(before.follows);
    }
  });
});

test('when an admin looks at a profile, then the email shows; to a moderator it does not', async () => {
  const q = `query($u: String!) { user(username: $u) { email } }`;
  const byAdmin = await app.execute(q, { as: users.admin, variables: { u: users.author.username } });
  expect(byAdmin.data.user.email).toBe(users.author.email);
  const byModerator = await app.execute(q, { as: users.moderator, variables: { u: users.author.username } });
  expect(byModerator.data.user.email).toBeNull();
});
