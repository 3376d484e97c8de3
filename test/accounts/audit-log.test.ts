import { parse, type OperationDefinitionNode } from 'graphql';
import { grantRole as grantRoleCommand } from '../../src/cli/grant-role';
import { operationCost } from '../../src/graphql/cost';
import { buildSchema } from '../../src/schema';
import { DEFAULT_PAGE_SIZE } from '../../src/services/pagination';
import { comment, publish } from '../support/content';
import {
  grantRole,
  newSession,
  signIn,
  signUp,
  unique,
  UPDATE_USER,
  type SignedUp,
} from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';

/**
 * The audit log: each security-relevant act leaves one event with who, what, on what, from where and in which
 * request, and never a secret; admins read it page by page.
 */

let app: TestApp;
let admin: SignedUp;
beforeAll(async () => {
  app = await createTestApp({ listen: true });
  admin = await signUp(app);
  await grantRole(app, admin.id, 'admin');
});
afterAll(async () => {
  await app.close();
});

/** The events stored about a target, oldest first, as stored. */
async function eventsOn(target: string) {
  return app.deps.models.AuditEvent.find({ target }).sort({ occurredAt: 1, _id: 1 }).lean();
}

/** Every stored event as one string, to look for what must never be in it. */
async function allEventsText(): Promise<string> {
  return JSON.stringify(await app.deps.models.AuditEvent.find({}).lean());
}

const AUDIT = `query($first: Int, $after: String, $action: String, $actor: String) {
  auditEvents(first: $first, after: $after, action: $action, actor: $actor) {
    edges { cursor node { id action actor { id username } target detail occurredAt clientAddress requestId } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

describe('what is recorded', () => {
  test('when a user signs in over HTTP, then SIGN_IN names them, the client address and the request id', async () => {
    const alice = await signUp(app);
    const requestId = `audit-${unique()}`;
    const res = await app.gql(
      'mutation($input: SignInUserInput!) { signInUser(input: $input) { token errors { message } } }',
      {
        variables: { input: { email: alice.email, password: alice.password } },
        headers: { 'x-request-id': requestId },
      },
    );
    expect(res.json.data.signInUser.errors).toEqual([]);
    const events = await eventsOn(`user:${alice.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'SIGN_IN',
      target: `user:${alice.id}`,
      clientAddress: '127.0.0.1',
      requestId,
      detail: null,
    });
    expect(events[0]!.actorId?.toHexString()).toBe(alice.id);
    expect(events[0]!.occurredAt).toBeInstanceOf(Date);
    // Kept for the retention period, then dropped by the TTL index.
    const keptDays = (events[0]!.expiresAt.getTime() - events[0]!.occurredAt.getTime()) / 86_400_000;
    expect(keptDays).toBe(app.config.auditRetentionDays);
  });

  test('when a sign-in fails, then SIGN_IN_FAILED names the account but nobody as actor, and no password', async () => {
    const alice = await signUp(app);
    const password = `wrong-${unique()}`;
    const result = await signIn(app, { email: alice.email, password }, { clientAddress: '203.0.113.9' });
    expect(result.data.signInUser.errors).toHaveLength(1);
    const events = await eventsOn(`user:${alice.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'SIGN_IN_FAILED',
      actorId: null,
      clientAddress: '203.0.113.9',
    });
    expect(await allEventsText()).not.toContain(password);
  });

  test('when a sign-in names an unknown email, then the failure is recorded with no target, and not what was typed', async () => {
    const email = `${unique('ghost')}@example.com`;
    const clientAddress = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    const before = await app.deps.models.AuditEvent.countDocuments({
      action: 'SIGN_IN_FAILED',
      clientAddress,
    });
    await signIn(app, { email, password: 'wrong password!' }, { clientAddress });
    const after = await app.deps.models.AuditEvent.find({ action: 'SIGN_IN_FAILED', clientAddress }).lean();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ actorId: null, target: null });
    expect(await allEventsText()).not.toContain(email);
  });

  test('when the password is changed, then PASSWORD_CHANGED names the user, and neither password nor hash is stored', async () => {
    const alice = await signUp(app);
    const password = `new-${unique()}-password`;
    const result = await app.execute(UPDATE_USER, {
      as: alice,
      variables: { input: { username: alice.username, email: alice.email, password } },
    });
    expect(result.data.updateUser.errors).toEqual([]);
    const events = await eventsOn(`user:${alice.id}`);
    expect(events.map((e) => [e.action, e.actorId?.toHexString()])).toEqual([['PASSWORD_CHANGED', alice.id]]);
    const stored = await app.deps.models.User.findById(alice.id).lean();
    const text = await allEventsText();
    expect(text).not.toContain(password);
    expect(text).not.toContain(stored!.passwordHash);
  });

  test('when only the bio changes, then nothing is recorded', async () => {
    const alice = await signUp(app);
    await app.execute(UPDATE_USER, {
      as: alice,
      variables: { input: { username: alice.username, email: alice.email, bio: 'hello' } },
    });
    expect(await eventsOn(`user:${alice.id}`)).toEqual([]);
  });

  test('when a role is granted at the command line, then ROLE_GRANTED says which, with no actor or address', async () => {
    const alice = await signUp(app);
    await grantRoleCommand(app.deps, alice.username, 'moderator');
    // The same role again changes nothing and records nothing.
    await grantRoleCommand(app.deps, alice.username, 'moderator');
    const events = await eventsOn(`user:${alice.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'ROLE_GRANTED',
      actorId: null,
      detail: 'moderator (was user)',
      clientAddress: null,
      requestId: null,
    });
  });

  test('when a moderator deletes an article, then ARTICLE_DELETED_BY_MODERATOR; when its author does, nothing', async () => {
    const author = await signUp(app);
    const moderator = await signUp(app);
    await grantRole(app, moderator.id, 'moderator');
    const moderated = await publish(app, author);
    const own = await publish(app, author);
    const DELETE = 'mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }';
    expect(
      (await app.execute(DELETE, { as: moderator, variables: { id: moderated.id } })).errors,
    ).toBeUndefined();
    expect((await app.execute(DELETE, { as: author, variables: { id: own.id } })).errors).toBeUndefined();

    const events = await eventsOn(`article:${moderated.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'ARTICLE_DELETED_BY_MODERATOR',
      detail: `"${moderated.slug}" by user:${author.id}`,
    });
    expect(events[0]!.actorId?.toHexString()).toBe(moderator.id);
    expect(await eventsOn(`article:${own.id}`)).toEqual([]);
  });

  test('when an admin deletes a comment, then COMMENT_DELETED_BY_MODERATOR; its author or the article author, nothing', async () => {
    const author = await signUp(app);
    const commenter = await signUp(app);
    const article = await publish(app, author);
    const byAdmin = await comment(app, commenter, article.id);
    const byItsAuthor = await comment(app, commenter, article.id);
    const byArticleAuthor = await comment(app, commenter, article.id);
    const DELETE = 'mutation($id: ID!) { deleteComment(input: { id: $id }) { comment { id } } }';
    for (const [who, id] of [
      [admin, byAdmin.id],
      [commenter, byItsAuthor.id],
      [author, byArticleAuthor.id],
    ] as const) {
      expect((await app.execute(DELETE, { as: who, variables: { id } })).errors).toBeUndefined();
    }
    const events = await eventsOn(`comment:${byAdmin.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'COMMENT_DELETED_BY_MODERATOR',
      detail: `on article:${article.id}, by user:${commenter.id}`,
    });
    expect(events[0]!.actorId?.toHexString()).toBe(admin.id);
    expect(await eventsOn(`comment:${byItsAuthor.id}`)).toEqual([]);
    expect(await eventsOn(`comment:${byArticleAuthor.id}`)).toEqual([]);
  });

  test('when sessions are used, then no token of theirs is in the log', async () => {
    const alice = await signUp(app);
    const session = await newSession(app, alice);
    const text = await allEventsText();
    for (const secret of [alice.token, alice.refreshToken, session.token, session.refreshToken]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('reading the log', () => {
  test('when anyone but an admin asks for it, then FORBIDDEN (UNAUTHENTICATED when anonymous)', async () => {
    const user = await signUp(app);
    const moderator = await signUp(app);
    await grantRole(app, moderator.id, 'moderator');
    for (const [caller, code] of [
      [undefined, 'UNAUTHENTICATED'],
      [user, 'FORBIDDEN'],
      [moderator, 'FORBIDDEN'],
    ] as const) {
      const result = await app.execute(AUDIT, { as: caller });
      expect(result.data).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.['code'])).toEqual([code]);
    }
  });

  test("when an admin filters by actor, then they page through that user's events, newest first", async () => {
    const alice = await signUp(app);
    for (let i = 0; i < 3; i += 1) await newSession(app, alice);
    await app.execute(UPDATE_USER, {
      as: alice,
      variables: { input: { username: alice.username, email: alice.email, password: 'another password' } },
    });
    const first = await app.execute(AUDIT, { as: admin, variables: { actor: alice.username, first: 3 } });
    expect(first.errors).toBeUndefined();
    const page1 = first.data.auditEvents;
    expect(page1.edges.map((e: any) => e.node.action)).toEqual(['PASSWORD_CHANGED', 'SIGN_IN', 'SIGN_IN']);
    expect(page1.nodes.map((n: any) => n.id)).toEqual(page1.edges.map((e: any) => e.node.id));
    expect(page1.edges[0].node).toMatchObject({
      actor: { id: alice.id, username: alice.username },
      target: `user:${alice.id}`,
      clientAddress: '127.0.0.1',
    });
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const second = await app.execute(AUDIT, {
      as: admin,
      variables: { actor: alice.username, first: 3, after: page1.pageInfo.endCursor },
    });
    const page2 = second.data.auditEvents;
    expect(page2.edges.map((e: any) => e.node.action)).toEqual(['SIGN_IN']);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const times = [...page1.edges, ...page2.edges].map((e: any) => Date.parse(e.node.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('when an admin filters by action and actor, then only those events come back', async () => {
    const alice = await signUp(app);
    await newSession(app, alice);
    await signIn(app, { email: alice.email, password: 'not her password' });
    const result = await app.execute(AUDIT, {
      as: admin,
      variables: { action: 'SIGN_IN', actor: alice.username },
    });
    expect(result.data.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['SIGN_IN']);
    const failures = await app.execute(AUDIT, {
      as: admin,
      variables: { action: 'SIGN_IN_FAILED', first: 100 },
    });
    const targets = failures.data.auditEvents.edges.map((e: any) => e.node.target);
    expect(targets).toContain(`user:${alice.id}`);
    expect(failures.data.auditEvents.edges.every((e: any) => e.node.actor === null)).toBe(true);
  });

  test('when the actor does not exist, or the action is none, then the page is empty', async () => {
    for (const variables of [
      { actor: unique('nobody') },
      { action: 'NOT_AN_ACTION' },
      { action: 'X'.repeat(500) },
    ]) {
      const result = await app.execute(AUDIT, { as: admin, variables });
      expect(result.errors).toBeUndefined();
      expect(result.data.auditEvents.edges).toEqual([]);
    }
  });

  test('when a cursor is forged or comes from another filter, then BAD_USER_INPUT', async () => {
    const alice = await signUp(app);
    await newSession(app, alice);
    await newSession(app, alice);
    const page = await app.execute(AUDIT, { as: admin, variables: { actor: alice.username, first: 1 } });
    const cursor = page.data.auditEvents.pageInfo.endCursor as string;
    for (const variables of [
      { actor: alice.username, after: `${cursor.slice(0, -2)}xx` },
      { action: 'SIGN_IN', after: cursor },
      { after: cursor },
    ]) {
      const result = await app.execute(AUDIT, { as: admin, variables });
      expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
  });

  test('when the page size is not given, then the list is priced like every other list', () => {
    const schema = buildSchema();
    const document = parse('{ auditEvents { nodes { id actor { id } } } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    // The connection, then each event and its actor.
    expect(operationCost(schema, document, operation, {})).toBe(1 + 2 * DEFAULT_PAGE_SIZE);
  });
});
