import { createTestApp, type TestApp } from '../support/harness';
import { codes, comment, publish } from '../support/content';
import { grantRole, signIn, signUp } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const ADD = `mutation($input: AddCommentInput!) {
  addComment(input: $input) {
    comment { id body createdAt updatedAt viewerCanDelete author { username } article { id } }
    errors { message path }
    clientMutationId
  }
}`;
const DELETE = `mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id body } } }`;
const COMMENTS = `query($slug: String!) { article(slug: $slug) { comments { id body viewerCanDelete author { username } } } }`;

test('when a reader comments, then the comment shows under the article, oldest first', async () => {
  const author = await signUp(app);
  const reader = await signUp(app);
  const article = await publish(app, author);
  const result = await app.execute(ADD, {
    as: reader,
    variables: { input: { articleId: article.id, body: '  First!  ', clientMutationId: 'c1' } },
  });
  expect(result.errors).toBeUndefined();
  const payload = result.data.addComment;
  expect(payload.errors).toEqual([]);
  expect(payload.clientMutationId).toBe('c1');
  expect(payload.comment).toMatchObject({
    body: 'First!',
    viewerCanDelete: true,
    author: { username: reader.username },
    article: { id: article.id },
  });
  await comment(app, author, article.id, 'Second');
  const list = await app.execute(COMMENTS, { variables: { slug: article.slug } });
  expect(list.data.article.comments.map((c: { body: string }) => c.body)).toEqual(['First!', 'Second']);
});

test.each([
  ['empty', '   '],
  ['too long', 'x'.repeat(10_001)],
  ['control characters', 'bell \u0007'],
  ['lone surrogate', 'bad \ud800'],
])('when the body is %s, then a UserError on body and nothing is stored', async (_name, body) => {
  const author = await signUp(app);
  const article = await publish(app, author);
  const result = await app.execute(ADD, {
    as: author,
    variables: { input: { articleId: article.id, body } },
  });
  expect(result.data.addComment.comment).toBeNull();
  expect(result.data.addComment.errors).toEqual([expect.objectContaining({ path: 'body' })]);
  expect(await app.deps.models.Comment.countDocuments({ articleId: article.id })).toBe(0);
});

test('when the body is exactly 10,000 characters, then it is accepted', async () => {
  const author = await signUp(app);
  const article = await publish(app, author);
  const result = await app.execute(ADD, {
    as: author,
    variables: { input: { articleId: article.id, body: 'é'.repeat(10_000) } },
  });
  expect(result.data.addComment.errors).toEqual([]);
});

test('when the article does not exist, then NOT_FOUND; when anonymous, then UNAUTHENTICATED', async () => {
  const reader = await signUp(app);
  const missing = await app.execute(ADD, {
    as: reader,
    variables: { input: { articleId: '0123456789abcdef01234567', body: 'hi' } },
  });
  expect(codes(missing)).toEqual(['NOT_FOUND']);
  const anonymous = await app.execute(ADD, {
    variables: { input: { articleId: '0123456789abcdef01234567', body: 'hi' } },
  });
  expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
});

describe('deleteComment', () => {
  async function scene() {
    const author = await signUp(app);
    const commenter = await signUp(app);
    const other = await signUp(app);
    const moderator = await signUp(app);
    await grantRole(app, moderator.id, 'moderator');
    const admin = await signUp(app);
    await grantRole(app, admin.id, 'admin');
    const article = await publish(app, author);
    return { author, commenter, other, moderator, admin, article };
  }

  test.each(['commenter', 'author', 'moderator', 'admin'] as const)(
    'when the %s deletes a comment, then it is gone and the payload shows it',
    async (who) => {
      const s = await scene();
      const created = await comment(app, s.commenter, s.article.id);
      const hint = await app.execute(COMMENTS, { as: s[who], variables: { slug: s.article.slug } });
      expect(hint.data.article.comments[0].viewerCanDelete).toBe(true);
      const result = await app.execute(DELETE, { as: s[who], variables: { id: created.id } });
      expect(result.errors).toBeUndefined();
      expect(result.data.deleteComment.comment).toEqual(created);
      expect(await app.deps.models.Comment.countDocuments({ _id: created.id })).toBe(0);
    },
  );

  test('when another user deletes a comment, then FORBIDDEN, the hint said so, and it stays', async () => {
    const s = await scene();
    const created = await comment(app, s.commenter, s.article.id);
    const hint = await app.execute(COMMENTS, { as: s.other, variables: { slug: s.article.slug } });
    expect(hint.data.article.comments[0].viewerCanDelete).toBe(false);
    expect(codes(await app.execute(DELETE, { as: s.other, variables: { id: created.id } }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await app.execute(DELETE, { variables: { id: created.id } }))).toEqual(['UNAUTHENTICATED']);
    expect(await app.deps.models.Comment.countDocuments({ _id: created.id })).toBe(1);
  });

  test('when the comment does not exist, then NOT_FOUND', async () => {
    const s = await scene();
    for (const id of ['0123456789abcdef01234567', '{"$gt":""}']) {
      expect(codes(await app.execute(DELETE, { as: s.admin, variables: { id } }))).toEqual(['NOT_FOUND']);
    }
  });
});

test('when comments and their authors are listed, then the authors can still sign in and no hash leaks', async () => {
  const author = await signUp(app);
  const commenter = await signUp(app);
  const article = await publish(app, author);
  await comment(app, commenter, article.id);
  const list = await app.execute(COMMENTS, { variables: { slug: article.slug } });
  expect(JSON.stringify(list)).not.toContain('$2b$');
  const stored = await app.deps.models.User.findById(commenter.id).lean();
  expect(stored?.passwordHash).toMatch(/^\$2b\$/);
  const again = await signIn(app, commenter);
  expect(again.data.signInUser.errors).toEqual([]);
});
