import { comment, publish } from '../support/content';
import { grantRole, newSession, signUp, unique, type SignedUp } from '../support/fixtures';
import { createTestApp, type HttpResult, type TestApp } from '../support/harness';
import { expectRefused, firstCode } from './attack';

/**
 * Every mutation by every kind of caller: anonymous, the author of the content, another user, a moderator, an
 * admin. A refused call changes nothing, and the `viewerCan…` hints agree with what the mutation does.
 */

type Role = 'anonymous' | 'author' | 'other' | 'moderator' | 'admin';
const ROLES: Role[] = ['anonymous', 'author', 'other', 'moderator', 'admin'];
const WHO: Record<Role, string> = {
  anonymous: 'an anonymous caller',
  author: 'the author',
  other: 'another user',
  moderator: 'a moderator',
  admin: 'an admin',
};

let app: TestApp;
let users: Record<Exclude<Role, 'anonymous'>, SignedUp>;
/** Writes the comment of every scene, and is none of the roles. */
let commenter: SignedUp;

beforeAll(async () => {
  app = await createTestApp({ listen: true });
  users = {
    author: await signUp(app),
    other: await signUp(app),
    moderator: await signUp(app),
    admin: await signUp(app),
  };
  commenter = await signUp(app);
  await grantRole(app, users.moderator.id, 'moderator');
  await grantRole(app, users.admin.id, 'admin');
});
afterAll(async () => {
  await app.close();
});

const callerOf = (role: Role) => (role === 'anonymous' ? undefined : users[role]);

/** What a mutation acts on. */
interface Target {
  articleId: string;
  commentId: string;
  userId: string;
}

/** A fresh article by the author, with one comment by someone else. */
interface Scene extends Target {
  slug: string;
  title: string;
}

async function scene(): Promise<Scene> {
  const article = await publish(app, users.author);
  const created = await comment(app, commenter, article.id);
  return {
    articleId: article.id,
    commentId: created.id,
    userId: users.author.id,
    slug: article.slug,
    title: article.title,
  };
}

type Hint = 'viewerCanUpdate' | 'viewerCanDelete' | 'commentViewerCanDelete';

/** The hints as the caller reads them, on the article itself and in the author's list of articles. */
async function hintsOf(s: Scene, caller: SignedUp | undefined, hint: Hint): Promise<boolean[]> {
  const res = await app.gql(
    `query($slug: String!, $author: String!) {
      article(slug: $slug) { ...Hints }
      user(username: $author) { articles(first: 1) { nodes { id ...Hints } } }
    }
    fragment Hints on Article { viewerCanUpdate viewerCanDelete comments { viewerCanDelete } }`,
    { as: caller, variables: { slug: s.slug, author: users.author.username } },
  );
  const listed = res.json.data.user.articles.nodes[0];
  expect(listed.id).toBe(s.articleId);
  return [res.json.data.article, listed].map((a) =>
    hint === 'commentViewerCanDelete' ? a.comments[0].viewerCanDelete : a[hint],
  );
}

const OK = 'ok';
const UNAUTHENTICATED = 'UNAUTHENTICATED';
const anyone = (outcome: string): Record<Role, string> => ({
  anonymous: UNAUTHENTICATED,
  author: outcome,
  other: outcome,
  moderator: outcome,
  admin: outcome,
});

interface Case {
  readonly expected: Record<Role, string>;
  send(target: Target, caller: SignedUp | undefined): Promise<HttpResult>;
  /** The hint that promises this mutation. */
  readonly hint?: Hint;
  /** What is stored afterwards, given whether the mutation went through. */
  stored?(s: Scene, done: boolean): Promise<void>;
}

const MATRIX: Record<string, Case> = {
  createArticle: {
    expected: anyone(OK),
    send: (_, caller) =>
      app.gql(
        'mutation { createArticle(input: { title: "T", description: "D", body: "B", tagList: [] }) { article { id } } }',
        { as: caller },
      ),
  },
  updateArticle: {
    expected: {
      anonymous: UNAUTHENTICATED,
      author: OK,
      other: 'FORBIDDEN',
      moderator: 'FORBIDDEN',
      admin: 'FORBIDDEN',
    },
    send: (t, caller) =>
      app.gql(
        'mutation($id: ID!) { updateArticle(input: { id: $id, title: "Changed", description: "D", body: "B", tagList: [] }) { article { title } errors { message } } }',
        { as: caller, variables: { id: t.articleId } },
      ),
    hint: 'viewerCanUpdate',
    stored: async (s, done) => {
      const stored = await app.deps.models.Article.findById(s.articleId).lean();
      expect(stored?.title).toBe(done ? 'Changed' : s.title);
    },
  },
  deleteArticle: {
    expected: { anonymous: UNAUTHENTICATED, author: OK, other: 'FORBIDDEN', moderator: OK, admin: OK },
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }', {
        as: caller,
        variables: { id: t.articleId },
      }),
    hint: 'viewerCanDelete',
    stored: async (s, done) => {
      // Its comments go with it.
      const left = done ? 0 : 1;
      expect(await app.deps.models.Article.countDocuments({ _id: s.articleId })).toBe(left);
      expect(await app.deps.models.Comment.countDocuments({ articleId: s.articleId })).toBe(left);
    },
  },
  addComment: {
    expected: anyone(OK),
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { addComment(input: { articleId: $id, body: "hi" }) { comment { id } } }', {
        as: caller,
        variables: { id: t.articleId },
      }),
  },
  // Someone else's comment on the author's article.
  deleteComment: {
    expected: { anonymous: UNAUTHENTICATED, author: OK, other: 'FORBIDDEN', moderator: OK, admin: OK },
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id } } }', {
        as: caller,
        variables: { id: t.commentId },
      }),
    hint: 'commentViewerCanDelete',
    stored: async (s, done) => {
      expect(await app.deps.models.Comment.countDocuments({ _id: s.commentId })).toBe(done ? 0 : 1);
    },
  },
  favoriteArticle: {
    expected: anyone(OK),
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { id } } }', {
        as: caller,
        variables: { id: t.articleId },
      }),
  },
  unfavoriteArticle: {
    expected: anyone(OK),
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { unfavoriteArticle(input: { id: $id }) { article { id } } }', {
        as: caller,
        variables: { id: t.articleId },
      }),
  },
  // Following the author: nobody follows themself.
  followUser: {
    expected: { ...anyone(OK), author: 'BAD_USER_INPUT' },
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { followUser(input: { id: $id }) { user { id } } }', {
        as: caller,
        variables: { id: t.userId },
      }),
  },
  unfollowUser: {
    expected: { ...anyone(OK), author: 'BAD_USER_INPUT' },
    send: (t, caller) =>
      app.gql('mutation($id: ID!) { unfollowUser(input: { id: $id }) { user { id } } }', {
        as: caller,
        variables: { id: t.userId },
      }),
  },
  // One's own profile, under one's own names.
  updateUser: {
    expected: anyone(OK),
    send: (_, caller) =>
      app.gql('mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }', {
        as: caller,
        variables: {
          input: caller
            ? { username: caller.username, email: caller.email, bio: 'edited' }
            : { username: 'anonymous-edit', email: 'anon@example.com' },
        },
      }),
  },
  // Open to anyone: the answer is the same whether or not the email has an account.
  requestPasswordReset: {
    expected: { ...anyone(OK), anonymous: OK },
    send: (_, caller) =>
      app.gql(
        'mutation($email: String!) { requestPasswordReset(input: { email: $email }) { errors { path } } }',
        {
          as: caller,
          variables: { email: `${unique('nobody')}@example.com` },
        },
      ),
  },
  // The token decides, not the caller: a wrong one is a UserError for anyone.
  resetPassword: {
    expected: { ...anyone(OK), anonymous: OK },
    send: (_, caller) =>
      app.gql(
        'mutation { resetPassword(input: { token: "wrong", password: "long enough" }) { errors { path } } }',
        {
          as: caller,
        },
      ),
  },
  requestEmailVerification: {
    expected: anyone(OK),
    send: (_, caller) =>
      app.gql('mutation { requestEmailVerification(input: {}) { errors { path } } }', { as: caller }),
  },
  verifyEmail: {
    expected: { ...anyone(OK), anonymous: OK },
    send: (_, caller) =>
      app.gql('mutation { verifyEmail(input: { token: "wrong" }) { user { id } errors { path } } }', {
        as: caller,
      }),
  },
  // On a session of its own, so that the caller's other tests keep theirs.
  signOut: {
    expected: anyone(OK),
    send: async (_, caller) =>
      app.gql('mutation { signOut(input: { allSessions: false }) { endedSessionCount } }', {
        as: caller && (await newSession(app, caller)),
      }),
  },
};

/** The table above in words: "FORBIDDEN, as the hint says, and nothing changes". */
function outcomeOf(c: Case, role: Role): string {
  const expected = c.expected[role];
  if (expected === OK) return c.hint ? 'it is done, as the hint says' : 'it is done';
  return c.hint ? `${expected}, as the hint says, and nothing changes` : `${expected} and nothing changes`;
}

describe.each(Object.entries(MATRIX))('%s', (_, c) => {
  test.each(ROLES.map((role) => [WHO[role], outcomeOf(c, role), role] as const))(
    'when %s sends it, then %s',
    async (_who, _outcome, role) => {
      const s = await scene();
      const caller = callerOf(role);
      const expected = c.expected[role];
      const done = expected === OK;
      if (c.hint) expect(await hintsOf(s, caller, c.hint)).toEqual([done, done]);
      if (done) {
        const res = await c.send(s, caller);
        expect({ status: res.status, code: firstCode(res) }).toEqual({ status: 200, code: null });
      } else {
        await expectRefused(app, () => c.send(s, caller), { status: 200, code: expected });
      }
      await c.stored?.(s, done);
    },
  );
});

describe('ids that do not exist', () => {
  const MISSING = '0123456789abcdef01234567';
  test.each(['updateArticle', 'deleteArticle', 'addComment', 'favoriteArticle'])(
    'when %s names an article that does not exist, then NOT_FOUND',
    async (mutation) => {
      const s = await scene();
      await expectRefused(app, () => MATRIX[mutation]!.send({ ...s, articleId: MISSING }, users.author), {
        status: 200,
        code: 'NOT_FOUND',
      });
    },
  );

  test('when followUser names a user that does not exist, then NOT_FOUND', async () => {
    const s = await scene();
    await expectRefused(app, () => MATRIX['followUser']!.send({ ...s, userId: MISSING }, users.author), {
      status: 200,
      code: 'NOT_FOUND',
    });
  });
});

describe('private fields', () => {
  const SHOWN: Record<Role, boolean> = {
    anonymous: false,
    author: true,
    other: false,
    moderator: false,
    admin: true,
  };

  test.each(ROLES.map((role) => [WHO[role], SHOWN[role] ? 'shown' : 'null', role] as const))(
    'when %s reads the author of an article or looks them up by username, then the email is %s',
    async (_who, _shown, role) => {
      const s = await scene();
      const res = await app.gql(
        `query($slug: String!, $u: String!) {
          article(slug: $slug) { author { id email } }
          user(username: $u) { id email }
        }`,
        { as: callerOf(role), variables: { slug: s.slug, u: users.author.username } },
      );
      const email = SHOWN[role] ? users.author.email : null;
      expect(res.json.data).toEqual({
        article: { author: { id: users.author.id, email } },
        user: { id: users.author.id, email },
      });
    },
  );
});

test('when an admin renames themself to a taken username, then a UserError and nothing changes', async () => {
  const { admin, author } = users;
  await expectRefused(
    app,
    () =>
      app.gql(
        'mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } errors { path } } }',
        { as: admin, variables: { input: { username: author.username, email: admin.email } } },
      ),
    {
      status: 200,
      code: null,
      check: (res) => expect(res.json.data.updateUser.errors[0].path).toBe('username'),
    },
  );
  expect((await app.deps.models.User.findById(admin.id).lean())?.username).toBe(admin.username);
});
