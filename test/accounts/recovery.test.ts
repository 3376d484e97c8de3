import { createHash } from 'node:crypto';
import {
  newSession,
  refreshSession,
  signIn,
  signUp,
  unique,
  UPDATE_USER,
  viewerIdOf,
  type SignedUp,
} from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { startMailbox, tokenOf, type Mailbox, type ReceivedMail } from '../support/mailbox';

/**
 * Password reset and email verification, read as a user reads them: the mail arrives at a real SMTP server,
 * its link is opened, and the token in it is what the web app sends back.
 */

const PER_EMAIL = 3;
const PER_ADDRESS = 6;

let app: TestApp;
let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await startMailbox();
  app = await createTestApp({
    env: {
      SMTP_URL: mailbox.url,
      MAIL_FROM: 'Conduit <accounts@conduit.example>',
      PUBLIC_APP_URL: 'https://app.conduit.example/web',
      ACCOUNT_MAIL_MAX_PER_EMAIL: String(PER_EMAIL),
      ACCOUNT_MAIL_MAX_PER_ADDRESS: String(PER_ADDRESS),
    },
  });
});
afterAll(async () => {
  await app.close();
  await mailbox.close();
});

/** Each test asks from addresses of its own, so that address counters never carry over. */
const newAddress = () => `192.0.2.${unique('')}`;

const REQUEST_RESET = `mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { message path } clientMutationId }
}`;
const RESET = `mutation($input: ResetPasswordInput!) {
  resetPassword(input: $input) { errors { message path } clientMutationId }
}`;
const REQUEST_VERIFICATION = `mutation {
  requestEmailVerification(input: {}) { errors { message path } }
}`;
const VERIFY = `mutation($input: VerifyEmailInput!) {
  verifyEmail(input: $input) { user { id username email emailVerified } errors { message path } }
}`;

function requestReset(email: string, clientAddress = newAddress()) {
  return app.execute(REQUEST_RESET, { variables: { input: { email } }, clientAddress });
}

function reset(token: string, password: string) {
  return app.execute(RESET, { variables: { input: { token, password } } });
}

/** The mail the user got last, once the work the request started is done. */
async function lastMailTo(user: { email: string }): Promise<ReceivedMail> {
  await app.deps.background.idle();
  const mail = mailbox.to(user.email).at(-1);
  if (!mail) throw new Error(`no mail for ${user.email}`);
  return mail;
}

async function mailCountTo(user: { email: string }): Promise<number> {
  await app.deps.background.idle();
  return mailbox.to(user.email).length;
}

async function passwordHashOf(user: { id: string }): Promise<string> {
  return (await app.deps.models.User.findById(user.id).lean())!.passwordHash;
}

describe('password reset', () => {
  test('when a user follows the link in the mail, then the new password works, the old one does not, and every session ends', async () => {
    const alice = await signUp(app);
    const other = await newSession(app, alice);

    const asked = await requestReset(alice.email.toUpperCase());
    expect(asked.data.requestPasswordReset.errors).toEqual([]);
    const mail = await lastMailTo(alice);
    expect(mail.from).toContain('accounts@conduit.example');
    expect(mail.subject).toBe('Reset your Conduit password');
    expect(mail.text).toContain(`Hello ${alice.username},`);
    expect(mail.text).toContain('within 1 hour');
    expect(mail.link).toMatch(/^https:\/\/app\.conduit\.example\/web\/reset-password#token=[\w-]{43}$/);
    expect(mail.html).toContain(`href="${mail.link}"`);

    const result = await reset(tokenOf(mail.link), 'a fresh password');
    expect(result.data.resetPassword.errors).toEqual([]);

    expect(
      (await signIn(app, { email: alice.email, password: alice.password })).data.signInUser.errors,
    ).toEqual([{ message: 'Email or password is invalid.', path: null }]);
    expect(
      (await signIn(app, { email: alice.email, password: 'a fresh password' })).data.signInUser.token,
    ).toEqual(expect.any(String));
    // Every session that existed before the reset has ended, its refresh token with it.
    expect(await viewerIdOf(app, alice.token)).toBeNull();
    expect(await viewerIdOf(app, other.token)).toBeNull();
    expect((await refreshSession(app, other.refreshToken)).errors?.[0]?.extensions?.['code']).toBe(
      'UNAUTHENTICATED',
    );
  });

  test('when the link is used twice, then the second time is a token error and changes nothing', async () => {
    const alice = await signUp(app);
    await requestReset(alice.email);
    const token = tokenOf((await lastMailTo(alice)).link);
    expect((await reset(token, 'first new password')).data.resetPassword.errors).toEqual([]);
    const hash = await passwordHashOf(alice);
    await newSession(app, { email: alice.email, password: 'first new password' });
    const sessions = await app.deps.models.Session.countDocuments({ userId: alice.id });

    const again = await reset(token, 'second new password');
    expect(again.data.resetPassword.errors).toEqual([
      { path: 'token', message: 'This password reset link is invalid, used or expired. Ask for a new one.' },
    ]);
    expect(await passwordHashOf(alice)).toBe(hash);
    expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(sessions);
  });

  test('when the link has expired, or was never sent, then a token error and nothing changes', async () => {
    const alice = await signUp(app);
    await requestReset(alice.email);
    const token = tokenOf((await lastMailTo(alice)).link);
    await app.deps.models.AccountToken.updateMany(
      { userId: alice.id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const hash = await passwordHashOf(alice);
    for (const presented of [token, `${token.slice(0, -1)}A`, 'not-a-token', '']) {
      const result = await reset(presented, 'another new password');
      expect(result.data.resetPassword.errors).toEqual([expect.objectContaining({ path: 'token' })]);
    }
    expect(await passwordHashOf(alice)).toBe(hash);
    expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
  });

  test('when the new password breaks the rules of sign-up, then a password error and the link still works', async () => {
    const alice = await signUp(app);
    await requestReset(alice.email);
    const token = tokenOf((await lastMailTo(alice)).link);
    const short = await reset(token, 'short');
    expect(short.data.resetPassword.errors).toEqual([
      { path: 'password', message: 'Password must be at least 8 characters.' },
    ]);
    expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
    expect((await reset(token, 'long enough now')).data.resetPassword.errors).toEqual([]);
  });

  test('when a new link is asked for, then it replaces the older one', async () => {
    const alice = await signUp(app);
    await requestReset(alice.email);
    const first = tokenOf((await lastMailTo(alice)).link);
    await requestReset(alice.email);
    const second = tokenOf((await lastMailTo(alice)).link);
    expect(second).not.toBe(first);
    expect(await app.deps.models.AccountToken.countDocuments({ userId: alice.id })).toBe(1);
    expect((await reset(first, 'older link password')).data.resetPassword.errors[0].path).toBe('token');
    expect((await reset(second, 'newer link password')).data.resetPassword.errors).toEqual([]);
  });

  test('when a link is stored, then only its SHA-256 hash is, for an hour', async () => {
    const alice = await signUp(app);
    const before = Date.now();
    await requestReset(alice.email);
    const token = tokenOf((await lastMailTo(alice)).link);
    const stored = await app.deps.models.AccountToken.find({ userId: alice.id }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(JSON.stringify(stored)).not.toContain(token);
    const lifetime = stored[0]!.expiresAt.getTime() - before;
    expect(lifetime).toBeGreaterThan(3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000 + 60_000);
  });

  test('when the account changes its email or password after the mail, then the link opens nothing', async () => {
    for (const change of ['email', 'password'] as const) {
      const alice = await signUp(app);
      await requestReset(alice.email);
      const token = tokenOf((await lastMailTo(alice)).link);
      const input =
        change === 'email'
          ? { username: alice.username, email: `${unique('moved')}@example.com` }
          : { username: alice.username, email: alice.email, password: 'changed while waiting' };
      expect(
        (await app.execute(UPDATE_USER, { as: alice, variables: { input } })).data.updateUser.errors,
      ).toEqual([]);
      const hash = await passwordHashOf(alice);
      expect((await reset(token, 'the attacker wants this')).data.resetPassword.errors[0].path).toBe('token');
      expect(await passwordHashOf(alice)).toBe(hash);
    }
  });

  test('when the reset is done, then PASSWORD_RESET is audited for the account, without the token', async () => {
    const alice = await signUp(app);
    await requestReset(alice.email);
    const token = tokenOf((await lastMailTo(alice)).link);
    await reset(token, 'audited new password');
    const events = await app.deps.models.AuditEvent.find({ target: `user:${alice.id}` }).lean();
    expect(events.map((e) => [e.action, e.actorId?.toHexString()])).toEqual([['PASSWORD_RESET', alice.id]]);
    const text = JSON.stringify(await app.deps.models.AuditEvent.find({}).lean());
    expect(text).not.toContain(token);
    expect(text).not.toContain('audited new password');
  });

  test('when resetPassword is aliased twice in one operation, then 400 and nothing runs', async () => {
    const result = await app.execute(
      `mutation { a: resetPassword(input: { token: "x", password: "yyyyyyyy" }) { errors { path } }
                  b: resetPassword(input: { token: "x", password: "yyyyyyyy" }) { errors { path } } }`,
    );
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('an email that has no account', () => {
  test('when a reset is asked for an unknown email, then the request does the same work and gives the same answer, and no mail goes out', async () => {
    const alice = await signUp(app);
    const ghost = `${unique('ghost')}@example.com`;
    const known = await requestReset(alice.email, '192.0.2.201');
    const unknown = await requestReset(ghost, '192.0.2.202');

    // The same answer, from the same MongoDB commands in the same request.
    expect(unknown.data).toEqual(known.data);
    expect(unknown.status).toBe(known.status);
    expect(known.commands.byTag).toEqual({ 'throttle.reserve': 2 });
    expect(unknown.commands.byTag).toEqual(known.commands.byTag);
    // Both counted, each against its email and its address.
    for (const key of [
      `mail:reset:${alice.email}`,
      `mail:reset:${ghost}`,
      'mail:address:192.0.2.201',
      'mail:address:192.0.2.202',
    ]) {
      expect((await app.deps.models.Throttle.findById(key).lean())?.count).toBe(1);
    }
    // What differs happens after the answer: a mail for the account, nothing for the unknown email.
    expect(await mailCountTo(alice)).toBe(1);
    expect(await mailCountTo({ email: ghost })).toBe(0);
    expect(await app.deps.models.AccountToken.countDocuments({ emailKey: ghost })).toBe(0);
  });

  test('when the address is malformed, then an email error, whether or not it could be anyone’s', async () => {
    const result = await requestReset('not an email');
    expect(result.data.requestPasswordReset.errors).toEqual([
      { path: 'email', message: 'Email is not a valid address.' },
    ]);
  });
});

describe('limits', () => {
  function expectRateLimited(result: Awaited<ReturnType<typeof requestReset>>) {
    expect(result.status).toBe(429);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(result.errors?.[0]?.extensions?.['retryAfter']).toBeGreaterThan(0);
  }

  test('when one email is asked for too often, from any addresses, then RATE_LIMITED, known or not, and no more mail', async () => {
    const alice = await signUp(app);
    const ghost = `${unique('ghost')}@example.com`;
    for (const email of [alice.email, ghost]) {
      for (let i = 0; i < PER_EMAIL; i += 1) {
        expect((await requestReset(email)).data.requestPasswordReset.errors).toEqual([]);
      }
      expectRateLimited(await requestReset(email));
    }
    expect(await mailCountTo(alice)).toBe(PER_EMAIL);
  });

  test('when one client address asks for many emails, then that address is limited', async () => {
    const address = newAddress();
    for (let i = 0; i < PER_ADDRESS; i += 1) {
      expect(
        (await requestReset(`${unique('spray')}@example.com`, address)).data.requestPasswordReset.errors,
      ).toEqual([]);
    }
    expectRateLimited(await requestReset(`${unique('spray')}@example.com`, address));
    expect((await requestReset(`${unique('spray')}@example.com`)).status).toBe(200);
  });

  test('when verification mail is asked for too often, then RATE_LIMITED', async () => {
    const alice = await signUp(app);
    for (let i = 0; i < PER_EMAIL; i += 1) {
      const result = await app.execute(REQUEST_VERIFICATION, { as: alice, clientAddress: newAddress() });
      expect(result.data.requestEmailVerification.errors).toEqual([]);
    }
    const over = await app.execute(REQUEST_VERIFICATION, { as: alice, clientAddress: newAddress() });
    expect(over.status).toBe(429);
    expect(await mailCountTo(alice)).toBe(PER_EMAIL);
  });
});

describe('email verification', () => {
  const EMAIL_VERIFIED = `query($u: String!) { user(username: $u) { email emailVerified } }`;

  async function verifiedAs(reader: SignedUp | undefined, user: SignedUp) {
    const result = await app.execute(EMAIL_VERIFIED, { as: reader, variables: { u: user.username } });
    return result.data.user.emailVerified as boolean | null;
  }

  test('when a user follows the verification link, then their email is verified, as they and admins see it', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const admin = await signUp(app);
    await app.deps.models.User.updateOne({ _id: admin.id }, { $set: { role: 'admin' } });
    expect([await verifiedAs(alice, alice), await verifiedAs(admin, alice)]).toEqual([false, false]);
    expect([await verifiedAs(bob, alice), await verifiedAs(undefined, alice)]).toEqual([null, null]);

    const asked = await app.execute(REQUEST_VERIFICATION, { as: alice });
    expect(asked.data.requestEmailVerification.errors).toEqual([]);
    const mail = await lastMailTo(alice);
    expect(mail.subject).toBe('Confirm your email address for Conduit');
    expect(mail.text).toContain('within 48 hours');
    expect(mail.link).toMatch(/^https:\/\/app\.conduit\.example\/web\/verify-email#token=[\w-]{43}$/);

    // Opened in a browser where nobody is signed in: the link alone is enough.
    const verified = await app.execute(VERIFY, { variables: { input: { token: tokenOf(mail.link) } } });
    expect(verified.data.verifyEmail).toEqual({
      user: { id: alice.id, username: alice.username, email: alice.email, emailVerified: true },
      errors: [],
    });
    expect([
      await verifiedAs(alice, alice),
      await verifiedAs(admin, alice),
      await verifiedAs(bob, alice),
    ]).toEqual([true, true, null]);
    const events = await app.deps.models.AuditEvent.find({ target: `user:${alice.id}` }).lean();
    expect(events.map((e) => [e.action, e.actorId?.toHexString()])).toEqual([['EMAIL_VERIFIED', alice.id]]);

    const again = await app.execute(VERIFY, { variables: { input: { token: tokenOf(mail.link) } } });
    expect(again.data.verifyEmail).toEqual({
      user: null,
      errors: [
        { path: 'token', message: 'This verification link is invalid, used or expired. Ask for a new one.' },
      ],
    });
    const already = await app.execute(REQUEST_VERIFICATION, { as: alice });
    expect(already.data.requestEmailVerification.errors).toEqual([
      { path: null, message: 'Your email address is already verified.' },
    ]);
  });

  test('when the email changes, then it is no longer verified, and a link sent to the old one opens nothing', async () => {
    const alice = await signUp(app);
    await app.execute(REQUEST_VERIFICATION, { as: alice });
    const first = tokenOf((await lastMailTo(alice)).link);
    await app.execute(VERIFY, { variables: { input: { token: first } } });
    expect(await verifiedAs(alice, alice)).toBe(true);

    // The same address in another case is the same address: it stays verified.
    const sameInput = { username: alice.username, email: alice.email.toUpperCase() };
    await app.execute(UPDATE_USER, { as: alice, variables: { input: sameInput } });
    expect(await verifiedAs(alice, alice)).toBe(true);

    const moved = `${unique('moved')}@example.com`;
    await app.execute(REQUEST_VERIFICATION, { as: alice });
    // Already verified: no new link; ask after the change instead.
    expect(await mailCountTo(alice)).toBe(1);
    await app.execute(UPDATE_USER, {
      as: alice,
      variables: { input: { username: alice.username, email: moved } },
    });
    expect(await verifiedAs(alice, alice)).toBe(false);

    const stale = await app.execute(REQUEST_VERIFICATION, { as: alice });
    expect(stale.data.requestEmailVerification.errors).toEqual([]);
    const link = tokenOf((await lastMailTo({ email: moved })).link);
    await app.execute(UPDATE_USER, {
      as: alice,
      variables: { input: { username: alice.username, email: `${unique('again')}@example.com` } },
    });
    const result = await app.execute(VERIFY, { variables: { input: { token: link } } });
    expect(result.data.verifyEmail.errors[0].path).toBe('token');
    expect(await verifiedAs(alice, alice)).toBe(false);
  });

  test('when nobody is signed in, then requestEmailVerification is UNAUTHENTICATED', async () => {
    const result = await app.execute(REQUEST_VERIFICATION);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  test('when a verification link is stored, then it lives 48 hours', async () => {
    const alice = await signUp(app);
    const before = Date.now();
    await app.execute(REQUEST_VERIFICATION, { as: alice });
    await lastMailTo(alice);
    const [stored] = await app.deps.models.AccountToken.find({ userId: alice.id }).lean();
    expect(stored?.purpose).toBe('email-verification');
    const lifetime = stored!.expiresAt.getTime() - before;
    expect(Math.abs(lifetime - 48 * 3600_000)).toBeLessThan(60_000);
  });
});

describe('when the mail server refuses', () => {
  afterEach(() => mailbox.refuse(false));

  test('when a reset mail cannot be sent, then the answer is the same and the failure is logged with the request', async () => {
    const alice = await signUp(app);
    mailbox.refuse(true);
    const before = app.logs.length;
    const result = await requestReset(alice.email);
    expect(result.data.requestPasswordReset.errors).toEqual([]);
    await app.deps.background.idle();
    const failures = app.logs.slice(before).filter((l) => l['msg'] === 'background work failed');
    expect(failures).toEqual([
      expect.objectContaining({ work: 'password reset mail', requestId: expect.any(String) }),
    ]);
  });

  test('when a verification mail cannot be sent, then the request fails (masked) and the user may ask again', async () => {
    const alice = await signUp(app);
    mailbox.refuse(true);
    const failed = await app.execute(REQUEST_VERIFICATION, { as: alice });
    expect(failed.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    mailbox.refuse(false);
    const asked = await app.execute(REQUEST_VERIFICATION, { as: alice });
    expect(asked.data.requestEmailVerification.errors).toEqual([]);
    expect(await mailCountTo(alice)).toBe(1);
  });
});
