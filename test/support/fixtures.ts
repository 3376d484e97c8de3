import { randomBytes } from 'node:crypto';
import type { TestApp } from './harness';

let counter = 0;

/** A unique suffix for usernames and emails, so tests never collide on unique indexes. */
export function unique(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}${randomBytes(3).toString('hex')}`;
}

export interface SignedUp {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    user { id username email bio image }
    token refreshToken tokenExpiresAt
    viewer { user { id username email } }
    errors { message path }
    clientMutationId
  }
}`;

export const SIGN_IN = `mutation SignIn($input: SignInUserInput!) {
  signInUser(input: $input) {
    token refreshToken tokenExpiresAt
    viewer { user { id username email } }
    errors { message path }
  }
}`;

export interface UserInput {
  username: string;
  email: string;
  password: string;
}

/** A valid sign-up input with a unique username and email. */
export function userInput(overrides: Partial<UserInput> = {}): UserInput {
  const name = unique();
  return { username: name, email: `${name}@example.com`, password: 'correct horse battery', ...overrides };
}

/** Registers a user through the API and returns their credentials. */
export async function signUp(app: TestApp, overrides: Partial<UserInput> = {}): Promise<SignedUp> {
  const input = userInput(overrides);
  const result = await app.execute(CREATE_USER, { variables: { input } });
  const payload = result.data?.createUser;
  if (!payload?.user) throw new Error(`sign-up failed: ${JSON.stringify(result.errors ?? payload?.errors)}`);
  return { id: payload.user.id, ...input, token: payload.token, refreshToken: payload.refreshToken };
}

/** Sets a user's role directly, as the grant-role script does. */
export async function grantRole(
  app: TestApp,
  userId: string,
  role: 'user' | 'moderator' | 'admin',
): Promise<void> {
  await app.deps.models.User.updateOne({ _id: userId }, { $set: { role } });
}

export const UPDATE_USER = `mutation UpdateUser($input: UpdateUserInput!) {
  updateUser(input: $input) {
    user { id username email bio image }
    errors { message path }
    clientMutationId
  }
}`;

export const REFRESH_SESSION = `mutation RefreshSession($input: RefreshSessionInput!) {
  refreshSession(input: $input) {
    token refreshToken tokenExpiresAt
    viewer { user { id username } }
    errors { message path }
  }
}`;

export const SIGN_OUT = `mutation SignOut($input: SignOutInput!) {
  signOut(input: $input) { endedSessionCount clientMutationId }
}`;

export const VIEWER = '{ viewer { role user { id username email } } }';

/** Signs in through the API; returns the raw result, so that tests can look at errors and status. */
export function signIn(
  app: TestApp,
  credentials: { email: string; password: string },
  options: { clientAddress?: string } = {},
) {
  const input = { email: credentials.email, password: credentials.password };
  return app.execute(SIGN_IN, { variables: { input }, ...options });
}

/** Signs in and returns the new session's tokens, failing the test when sign-in fails. */
export async function newSession(
  app: TestApp,
  user: { email: string; password: string },
): Promise<{ token: string; refreshToken: string }> {
  const result = await signIn(app, user);
  const payload = result.data?.signInUser;
  if (!payload?.token) throw new Error(`sign-in failed: ${JSON.stringify(result.errors ?? payload?.errors)}`);
  return { token: payload.token, refreshToken: payload.refreshToken };
}

/** Exchanges a refresh token through the API; returns the raw result. */
export function refreshSession(app: TestApp, refreshToken: string) {
  return app.execute(REFRESH_SESSION, { variables: { input: { refreshToken } } });
}

/** The user id the viewer query resolves for this token, or null when the request ran anonymous. */
export async function viewerIdOf(app: TestApp, token: string): Promise<string | null> {
  const result = await app.execute(VIEWER, { as: token });
  if (result.errors) throw new Error(`viewer failed: ${JSON.stringify(result.errors)}`);
  return (result.data?.viewer?.user?.id as string | undefined) ?? null;
}
