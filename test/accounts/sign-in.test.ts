import bcrypt from 'bcrypt';
import { createTestApp, type TestApp } from '../support/harness';
import { refreshSession, signIn, signUp, unique, viewerIdOf } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});
afterEach(() => {
  jest.restoreAllMocks();
});

async function sessionsOf(userId: string): Promise<number> {
  return app.deps.models.Session.countDocuments({ userId });
}

test('when a user signs in with the right password, then a new session starts and its token is theirs', async () => {
  const alice = await signUp(app);
  const result = await signIn(app, alice);

  expect(result.errors).toBeUndefined();
  const payload = result.data.signInUser;
  expect(payload.errors).toEqual([]);
  expect(payload.viewer.user).toEqual({ id: alice.id, username: alice.username, email: alice.email });
  expect(payload.refreshToken).not.toBe(alice.refreshToken);
  expect(new Date(payload.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
  expect(await viewerIdOf(app, payload.token)).toBe(alice.id);
  expect(await sessionsOf(alice.id)).toBe(2);
});

test('when the email is typed in another case, with padding or decomposed, then sign-in works', async () => {
  const name = unique('s');
  const user = await signUp(app, { email: `${name}Zoé@example.com` });
  const result = await signIn(app, {
    email: `  ${name.toUpperCase()}ZOE\u0301@EXAMPLE.COM `,
    password: user.password,
  });
  expect(result.data.signInUser.errors).toEqual([]);
  expect(result.data.signInUser.viewer.user.id).toBe(user.id);
});

test('when the password is typed decomposed (NFD), then it matches the composed one it was set as', async () => {
  const user = await signUp(app, { password: 'pässwörd-long' });
  const result = await signIn(app, { email: user.email, password: 'pässwörd-long'.normalize('NFD') });
  expect(result.data.signInUser.errors).toEqual([]);
});

test('when the password is wrong, then sign-in is a UserError and no session starts', async () => {
  const alice = await signUp(app);
  const result = await signIn(app, { email: alice.email, password: `${alice.password}!` });

  expect(result.errors).toBeUndefined();
  expect(result.data.signInUser).toEqual({
    token: null,
    refreshToken: null,
    tokenExpiresAt: null,
    viewer: null,
    errors: [{ message: 'Email or password is invalid.', path: null }],
  });
  expect(await sessionsOf(alice.id)).toBe(1);
});

test('when the email is unknown, then the error is the same as for a wrong password', async () => {
  const alice = await signUp(app);
  const wrongPassword = await signIn(app, { email: alice.email, password: 'not the password' });
  const unknownEmail = await signIn(app, {
    email: `${unique('nobody')}@example.com`,
    password: alice.password,
  });

  expect(unknownEmail.errors).toBeUndefined();
  expect(unknownEmail.data).toEqual(wrongPassword.data);
});

test('when the email is unknown or the password wrong, then a bcrypt comparison runs either way', async () => {
  const alice = await signUp(app);
  const compare = jest.spyOn(bcrypt, 'compare');

  await signIn(app, { email: alice.email, password: 'not the password' });
  expect(compare).toHaveBeenCalledTimes(1);
  await signIn(app, { email: `${unique('nobody')}@example.com`, password: 'not the password' });
  expect(compare).toHaveBeenCalledTimes(2);
});

test('when the password is an empty string, then it is the usual UserError, not a request error', async () => {
  const alice = await signUp(app);
  const result = await signIn(app, { email: alice.email, password: '' });
  expect(result.errors).toBeUndefined();
  expect(result.data.signInUser.errors).toEqual([{ message: 'Email or password is invalid.', path: null }]);
});

test('when a signed-in user makes requests, then their stored account is untouched and signs in again', async () => {
  const alice = await signUp(app);
  const before = await app.deps.models.User.findById(alice.id).lean();
  expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
  expect((await refreshSession(app, alice.refreshToken)).data.refreshSession.errors).toEqual([]);

  expect(await app.deps.models.User.findById(alice.id).lean()).toEqual(before);
  expect((await signIn(app, alice)).data.signInUser.errors).toEqual([]);
});
