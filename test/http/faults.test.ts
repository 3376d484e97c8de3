import { AccountTokenStore } from '../../src/services/account-tokens';
import { comment, publish } from '../support/content';
import { grantRole, newSession, SIGN_IN, signUp, UPDATE_USER } from '../support/fixtures';
import {
  clearFailPoint,
  createTestApp,
  failCommand,
  type HttpResult,
  type TestApp,
} from '../support/harness';

/**
 * MongoDB failing or slow, through the failCommand fail point, which is one per server: every fault test
 * lives in this file so that they never overlap, and each fail point names this app's own database.
 */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { REQUEST_TIMEOUT_MS: '800' }, listen: true });
});
afterEach(async () => {
  await clearFailPoint();
});
afterAll(async () => {
  await app.close();
});

const LOOKUP = '{ user(username: "somebody") { id username } }';

function expectMasked(body: HttpResult['json']): void {
  expect(body.errors[0]).toMatchObject({ extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  const text = JSON.stringify(body.errors);
  for (const leak of ['failCommand', 'Mongo', 'mongo', 'stack', 'ECONN', 'topology', 'Failing command']) {
    expect(text).not.toContain(leak);
  }
}

async function eventually(check: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i += 1) {
    try {
      return await check();
    } catch (error) {
      if (i >= 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function recovered(): Promise<void> {
  // The driver reconnects on its own; the next requests succeed without a restart.
  for (let i = 0; i < 50; i += 1) {
    const res = await app.gql(LOOKUP);
    if (res.status === 200 && !res.json.errors) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Atrium did not recover');
}

test('when MongoDB stops answering pings, then /health/ready is 503, and 200 again once it answers', async () => {
  // `ping` names no collection; `times: 1` keeps the fail point from outliving this one check.
  await failCommand({ failCommands: ['ping'], errorCode: 91 }, { times: 1 });
  const down = await app.request('/health/ready');
  expect(down.status).toBe(503);
  expect(down.json).toEqual({ status: 'unavailable', mongodb: false });
  expect((await app.request('/health/live')).status).toBe(200);
  await clearFailPoint();
  // An error like this one (ShutdownInProgress) makes the driver drop its pool and rediscover the server.
  await eventually(async () => expect((await app.request('/health/ready')).status).toBe(200));
});

test('when MongoDB closes the connection, then the request fails with a masked error, and Atrium recovers', async () => {
  // Twice: the driver retries a read once on a new connection.
  await failCommand(
    { namespace: app.namespace('users'), failCommands: ['find'], closeConnection: true },
    { times: 2 },
  );
  const res = await app.gql(LOOKUP);
  // Either the read fails (200 with the field's error) or rediscovering the server outlasts the deadline
  // (503); both are masked.
  expect([200, 503]).toContain(res.status);
  expectMasked(res.json);
  await clearFailPoint();
  await recovered();
});

test('when MongoDB answers with an error, then the error is masked and logged', async () => {
  await failCommand(
    { namespace: app.namespace('users'), failCommands: ['find'], errorCode: 2 },
    { times: 1 },
  );
  const before = app.logs.length;
  const res = await app.gql(LOOKUP, { headers: { 'x-request-id': 'fault-error-code' } });
  expectMasked(res.json);
  // What the response masks, the log keeps for the operator: once, with the field and MongoDB's error.
  const logged = app.logs.slice(before).filter((l) => l['msg'] === 'unexpected error');
  expect(logged).toEqual([
    expect.objectContaining({ path: ['user'], err: expect.objectContaining({ code: 2 }) }),
  ]);
  await recovered();
});

test('when MongoDB is slower than the deadline, then the request is answered at the deadline, and others are not held up', async () => {
  const DEADLINE_MS = 800;
  // MongoDB holds the find for ten times the deadline, and its own limit is further off still, so that only
  // the HTTP deadline can answer within the bound below.
  const BLOCK_MS = 10 * DEADLINE_MS;
  const slowApp = await createTestApp({
    env: { REQUEST_TIMEOUT_MS: String(DEADLINE_MS) },
    maxTimeMS: 3 * BLOCK_MS,
    listen: true,
  });
  // The blocked find as the driver sees it: the one on `users`, told apart by its wire request id from any
  // other find the app sends meanwhile.
  const find = { started: false, answered: false, requestId: -1 };
  const client = slowApp.deps.db.connection.getClient();
  client.on('commandStarted', (event) => {
    if (event.commandName === 'find' && event.command['find'] === 'users' && !find.started) {
      find.started = true;
      find.requestId = event.requestId;
    }
  });
  const answered = (event: { requestId: number }) => {
    if (find.started && event.requestId === find.requestId) find.answered = true;
  };
  client.on('commandSucceeded', answered);
  client.on('commandFailed', answered);
  await failCommand({
    namespace: slowApp.namespace('users'),
    failCommands: ['find'],
    blockConnection: true,
    blockTimeMS: BLOCK_MS,
  });
  const started = Date.now();
  const slow = slowApp.gql(LOOKUP, { headers: { 'x-request-id': 'fault-slow' } });
  // Meanwhile, requests that do not need that query are answered while it is held.
  await eventually(async () => expect(find.started).toBe(true));
  const live = await slowApp.request('/health/live');
  expect(live.status).toBe(200);
  expect(find.answered).toBe(false);
  const res = await slow;
  const elapsed = Date.now() - started;
  expect(res.status).toBe(503);
  expectMasked(res.json);
  // The deadline answered, not MongoDB: the find is still held.
  expect(find.answered).toBe(false);
  expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
  expect(elapsed).toBeLessThan(10 * DEADLINE_MS);
  const line = slowApp.logs.find((l) => l['msg'] === 'request' && l['requestId'] === 'fault-slow');
  expect(line).toMatchObject({ status: 503, outcome: 'error', errorCodes: ['TIMEOUT'] });
  expect(slowApp.logs.some((l) => l['msg'] === 'request timed out' && l['requestId'] === 'fault-slow')).toBe(
    true,
  );
  await clearFailPoint();
  await slowApp.close();
});

test('when a signed-in request arrives while MongoDB is down, then the context fails masked, not with its text', async () => {
  const user = await signUp(app);
  await failCommand({ namespace: app.namespace('sessions'), failCommands: ['aggregate'], errorCode: 6 });
  const res = await app.gql('{ viewer { user { id } } }', { as: user });
  expect(res.status).toBeGreaterThanOrEqual(500);
  expectMasked(res.json);
  await clearFailPoint();
  const again = await app.gql('{ viewer { user { id } } }', { as: user });
  expect(again.json.data.viewer.user.id).toBe(user.id);
});

test('when a query would outlive the deadline, then MongoDB gets the deadline as maxTimeMS', async () => {
  const seen: number[] = [];
  const client = app.deps.db.connection.getClient();
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName === 'find') seen.push(event.command['maxTimeMS'] as number);
  };
  client.on('commandStarted', listener);
  await app.gql(LOOKUP);
  client.off('commandStarted', listener);
  expect(seen).toEqual([800]);
});

describe('when the audit log cannot be written, the act it records fails and changes nothing', () => {
  const failAuditWrites = () =>
    failCommand({ namespace: app.namespace('audit_events'), failCommands: ['insert'], errorCode: 2 });

  test('when a password change cannot be audited, then the password and the other sessions stay', async () => {
    const user = await signUp(app);
    const other = await newSession(app, user);
    await failAuditWrites();
    const res = await app.gql(UPDATE_USER, {
      as: user,
      variables: { input: { username: user.username, email: user.email, password: 'a new password here' } },
    });
    expectMasked(res.json);
    await clearFailPoint();
    expect(
      await app.deps.models.AuditEvent.countDocuments({
        action: 'PASSWORD_CHANGED',
        target: `user:${user.id}`,
      }),
    ).toBe(0);
    // The old password still signs in, and the session the change would have ended still works.
    expect((await newSession(app, user)).token).toEqual(expect.any(String));
    const viewer = await app.gql('{ viewer { user { id } } }', { as: other.token });
    expect(viewer.json.data.viewer.user.id).toBe(user.id);
  });

  test('when a sign-in cannot be audited, then no session starts', async () => {
    const user = await signUp(app);
    const sessions = await app.deps.models.Session.countDocuments({ userId: user.id });
    await failAuditWrites();
    const res = await app.gql(SIGN_IN, {
      variables: { input: { email: user.email, password: user.password } },
    });
    expectMasked(res.json);
    await clearFailPoint();
    expect(await app.deps.models.Session.countDocuments({ userId: user.id })).toBe(sessions);
  });

  test('when a failed sign-in cannot be audited, then the request fails instead of passing unrecorded', async () => {
    const user = await signUp(app);
    await failAuditWrites();
    const res = await app.gql(SIGN_IN, {
      variables: { input: { email: user.email, password: 'not the password' } },
    });
    expectMasked(res.json);
    expect(res.json.data).toBeNull();
  });

  test('when a password reset cannot be audited, then the link, the password and the sessions stay', async () => {
    const user = await signUp(app);
    const grant = { userId: user.id, emailKey: user.email };
    const token = await app.deps.db.transaction((session) =>
      new AccountTokenStore(app.deps.models).issue(grant, 'password-reset', 3600, session),
    );
    const hash = (await app.deps.models.User.findById(user.id).lean())!.passwordHash;
    await failAuditWrites();
    const res = await app.gql(
      'mutation($t: String!) { resetPassword(input: { token: $t, password: "a reset password" }) { errors { path } } }',
      { variables: { t: token } },
    );
    expectMasked(res.json);
    await clearFailPoint();
    expect((await app.deps.models.User.findById(user.id).lean())!.passwordHash).toBe(hash);
    const viewer = await app.gql('{ viewer { user { id } } }', { as: user });
    expect(viewer.json.data.viewer.user.id).toBe(user.id);
    expect(await app.deps.models.AccountToken.countDocuments({ userId: user.id })).toBe(1);
  });

  test("when a moderator's deletion cannot be audited, then the article and its comments stay", async () => {
    const author = await signUp(app);
    const moderator = await signUp(app);
    await grantRole(app, moderator.id, 'moderator');
    const article = await publish(app, author);
    await comment(app, author, article.id);
    await failAuditWrites();
    const res = await app.gql('mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }', {
      as: moderator,
      variables: { id: article.id },
    });
    expectMasked(res.json);
    await clearFailPoint();
    expect(await app.deps.models.Article.countDocuments({ _id: article.id })).toBe(1);
    expect(await app.deps.models.Comment.countDocuments({ articleId: article.id })).toBe(1);
  });
});

test('when MongoDB failed in every way above, then no promise rejection went unhandled', async () => {
  // jest fails the running test on an unhandled rejection. The requests abandoned at the deadline finish
  // (with MongoDB's maxTimeMS error) after their test ended: this one waits for them while jest watches.
  await new Promise((r) => setTimeout(r, 3500));
  expect((await app.request('/health/ready')).status).toBe(200);
});
