import { randomBytes } from 'node:crypto';
import type { TestApp } from './app';

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

/** Registers a user through the API and returns their credentials. */
export async function signUp(
  app: TestApp,
  overrides: Partial<{ username: string; email: string; password: string }> = {},
): Promise<SignedUp> {
  const name = unique();
  const input = {
    username: name,
    email: `${name}@example.com`,
    password: 'correct horse battery',
    ...overrides,
  };
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
