import { grantRole, signUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { expectRefused } from './attack';

type Role = 'user' | 'moderator' | 'admin';
interface Account {
  id: string;
  username: string;
  email: string;
  token: string;
}

let app: TestApp;
let author: Account;
let stranger: Account;
let moderator: Account;
let admin: Account;
let articleId: string;
let commentId: string;

async function account(role: Role): Promise<Account> {
  const user = await signUp(app);
  if (role !== 'user') await grantRole(app, user.id, role);
  return user;
}

beforeAll(async () => {
  app = await createTestApp({ listen: true });
  [author, stranger, moderator, admin] = await Promise.all([
    account('user'),
    account('user'),
    account('moderator'),
    account('admin'),
  ]);
  const created = await app.gql(
    'mutation { createArticle(input: { title: "Mine", description: "d", body: "b", tagList: ["x"] }) { article { id } errors { message } } }',
    { as: author },
  );
  articleId = created.json.data.createArticle.article.id;
  const comment = await app.gql(
    `mutation { addComment(input: { articleId: "${articleId}", body: "first" }) { comment { id } } }`,
    { as: author },
  );
  commentId = comment.json.data.addComment.comment.id;
});
afterAll(async () => {
  await app.close();
});

const MISSING = '0123456789abcdef01234567';
const mutations: Record<string, (id: () => string) => string> = {
  createArticle: () =>
    'mutation { createArticle(input: { title: "T", description: "D", body: "B", tagList: [] }) { article { id } } }',
  updateArticle: (id) =>
    `mutation { updateArticle(input: { id: "${id()}", title: "Taken over", description: "D", body: "B", tagList: [] }) { article { id } } }`,
  deleteArticle: (id) => `mutation { deleteArticle(input: { id: "${id()}" }) { article { id } } }`,
  addComment: (id) =>
    `mutation { addComment(input: { articleId: "${id()}", body: "hi" }) { comment { id } } }`,
  deleteComment: () => `mutation { deleteComment(input: { id: "${commentId}" }) { comment { id } } }`,
  favoriteArticle: (id) => `mutation { favoriteArticle(input: { id: "${id()}" }) { article { id } } }`,
  unfavoriteArticle: (id) => `mutation { unfavoriteArticle(input: { id: "${id()}" }) { article { id } } }`,
  followUser: () => `mutation { followUser(input: { id: "${author.id}" }) { user { id } } }`,
  unfollowUser: () => `mutation { unfollowUser(input: { id: "${author.id}" }) { user { id } } }`,
  updateUser: () =>
    'mutation { updateUser(input: { username: "anonymous-edit", email: "anon@example.com" }) { user { id } } }',
  signOut: () => 'mutation { signOut(input: { allSessions: true }) { endedSessionCount } }',
};

describe('anonymous callers', () => {
  for (const [name, build] of Object.entries(mutations)) {
    test(`when ${name} is sent without credentials, then UNAUTHENTICATED and nothing changes`, () =>
      expectRefused(app, () => app.gql(build(() => articleId)), { status: 200, code: 'UNAUTHENTICATED' }));
  }
});

describe('other people’s content', () => {
  test('when a user updates another user’s article, then FORBIDDEN', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          mutations['updateArticle']!(() => articleId),
          { as: stranger },
        ),
      {
        status: 200,
        code: 'FORBIDDEN',
      },
    ));

  test('when a moderator updates someone’s article, then FORBIDDEN: moderators delete, they do not edit', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          mutations['updateArticle']!(() => articleId),
          { as: moderator },
        ),
      {
        status: 200,
        code: 'FORBIDDEN',
      },
    ));

  test('when an admin updates someone’s article, then FORBIDDEN', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          mutations['updateArticle']!(() => articleId),
          { as: admin },
        ),
      {
        status: 200,
        code: 'FORBIDDEN',
      },
    ));

  test('when a user deletes another user’s article, then FORBIDDEN', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          mutations['deleteArticle']!(() => articleId),
          { as: stranger },
        ),
      {
        status: 200,
        code: 'FORBIDDEN',
      },
    ));

  test('when a user deletes another user’s comment, then FORBIDDEN', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          mutations['deleteComment']!(() => articleId),
          { as: stranger },
        ),
      {
        status: 200,
        code: 'FORBIDDEN',
      },
    ));

  test('when the permission hints are read by a stranger, then they promise nothing', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `{ articles(first: 5) { nodes { id viewerCanUpdate viewerCanDelete comments { viewerCanDelete } } } }`,
          {
            as: stranger,
          },
        ),
      {
        status: 200,
        code: null,
        check: (res) => {
          const node = res.json.data.articles.nodes.find((n: { id: string }) => n.id === articleId);
          expect(node).toMatchObject({ viewerCanUpdate: false, viewerCanDelete: false });
          expect(node.comments[0].viewerCanDelete).toBe(false);
        },
      },
    ));
});

describe('ids that do not exist', () => {
  for (const name of ['updateArticle', 'deleteArticle', 'addComment', 'favoriteArticle']) {
    test(`when ${name} names an article that does not exist, then NOT_FOUND`, () =>
      expectRefused(
        app,
        () =>
          app.gql(
            mutations[name]!(() => MISSING),
            { as: author },
          ),
        {
          status: 200,
          code: 'NOT_FOUND',
        },
      ));
  }

  test('when followUser names a user that does not exist, then NOT_FOUND', () =>
    expectRefused(
      app,
      () =>
        app.gql(`mutation { followUser(input: { id: "${MISSING}" }) { user { id } } }`, {
          as: author,
        }),
      { status: 200, code: 'NOT_FOUND' },
    ));
});

describe('private fields', () => {
  const EMAIL_OF = (id: string) => `{ articles(first: 20) { nodes { id author { id email } } } } # ${id}`;
  const emailSeenBy = async (token: string | undefined) => {
    const res = await app.gql(EMAIL_OF(articleId), { as: token });
    return res.json.data.articles.nodes.find((n: { id: string }) => n.id === articleId).author.email as
      string | null;
  };

  test('when a stranger, a moderator or an anonymous caller reads an author, then the email is null', async () => {
    expect(await emailSeenBy(stranger.token)).toBeNull();
    expect(await emailSeenBy(moderator.token)).toBeNull();
    expect(await emailSeenBy(undefined)).toBeNull();
  });

  test('when the author or an admin reads it, then the email is shown', async () => {
    expect(await emailSeenBy(author.token)).toBe(author.email);
    expect(await emailSeenBy(admin.token)).toBe(author.email);
  });

  test('when a user looks another up by username, then the email is null there too', () =>
    expectRefused(
      app,
      () => app.gql(`{ user(username: "${author.username}") { id email } }`, { as: stranger }),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data.user).toEqual({ id: author.id, email: null }),
      },
    ));
});

describe('acting on oneself', () => {
  test('when a user follows themself, then BAD_USER_INPUT and no follow is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(`mutation { followUser(input: { id: "${stranger.id}" }) { user { id } } }`, {
          as: stranger,
        }),
      { status: 200, code: 'BAD_USER_INPUT' },
    ));

  test('when an admin renames themself to a taken username, then a UserError and nothing changes', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `mutation { updateUser(input: { username: "${author.username}", email: "${admin.email}" }) { user { id } errors { path } } }`,
          { as: admin },
        ),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data.updateUser.errors[0].path).toBe('username'),
      },
    ));
});

describe('what the roles may do (controls that change data)', () => {
  test('when an admin deletes someone’s article, then it is gone', async () => {
    const other = await app.gql(
      'mutation { createArticle(input: { title: "Doomed", description: "d", body: "b", tagList: [] }) { article { id } } }',
      { as: stranger },
    );
    const id = other.json.data.createArticle.article.id as string;
    const res = await app.gql(
      mutations['deleteArticle']!(() => id),
      { as: admin },
    );
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.deleteArticle.article.id).toBe(id);
  });

  test('when a moderator deletes someone’s comment, then it is gone', async () => {
    const res = await app.gql(
      mutations['deleteComment']!(() => articleId),
      { as: moderator },
    );
    expect(res.json.errors).toBeUndefined();
    expect(await app.deps.db.connection.db!.collection('comments').countDocuments({})).toBe(0);
  });
});
