import { createTestApp, type TestApp } from '../support/harness';
import {
  newSession,
  signIn,
  signUp,
  unique,
  UPDATE_USER,
  viewerIdOf,
  type SignedUp,
} from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

type UpdateInput = {
  username?: string;
  email?: string;
  bio?: string | null;
  image?: string | null;
  password?: string | null;
  clientMutationId?: string;
};

function update(user: SignedUp, input: UpdateInput, token: string = user.token) {
  return app.execute(UPDATE_USER, {
    as: token,
    variables: { input: { username: user.username, email: user.email, ...input } },
  });
}

async function stored(user: SignedUp) {
  const doc = await app.deps.models.User.findById(user.id).lean();
  if (!doc) throw new Error('user not stored');
  return doc;
}

async function signsIn(user: SignedUp, password: string): Promise<boolean> {
  const result = await signIn(app, { email: user.email, password });
  return result.data?.signInUser?.token != null;
}

test('when a user sets bio and image, then they are stored and returned', async () => {
  const alice = await signUp(app);
  const result = await update(alice, {
    bio: '  I write things.  ',
    image: 'https://img.example.com/a.png',
    clientMutationId: 'u-1',
  });

  expect(result.errors).toBeUndefined();
  expect(result.data.updateUser).toEqual({
    user: {
      id: alice.id,
      username: alice.username,
      email: alice.email,
      bio: 'I write things.',
      image: 'https://img.example.com/a.png',
    },
    errors: [],
    clientMutationId: 'u-1',
  });
  const doc = await stored(alice);
  expect(doc.bio).toBe('I write things.');
  expect(doc.image).toBe('https://img.example.com/a.png');
});

test('when image and bio are "", then they are cleared; when null or absent, then they are kept', async () => {
  const alice = await signUp(app);
  await update(alice, { bio: 'bio', image: 'http://img.example.com/a.png' });

  const kept = await update(alice, { bio: null, image: null });
  expect(kept.data.updateUser.user).toMatchObject({ bio: 'bio', image: 'http://img.example.com/a.png' });
  const absent = await update(alice, {});
  expect(absent.data.updateUser.user).toMatchObject({ bio: 'bio', image: 'http://img.example.com/a.png' });

  const cleared = await update(alice, { bio: '', image: '' });
  expect(cleared.data.updateUser.user).toMatchObject({ bio: null, image: null });
  const doc = await stored(alice);
  expect(doc.bio).toBeNull();
  expect(doc.image).toBeNull();
});

test('when password is null or "", then the current password is kept', async () => {
  const alice = await signUp(app);
  const before = (await stored(alice)).passwordHash;

  for (const password of [null, '']) {
    const result = await update(alice, { password, bio: 'still me' });
    expect(result.data.updateUser.errors).toEqual([]);
  }
  expect((await stored(alice)).passwordHash).toBe(before);
  expect(await signsIn(alice, alice.password)).toBe(true);
});

test('when the password changes, then only the new one signs in and other sessions end', async () => {
  const alice = await signUp(app);
  const phone = await newSession(app, alice);

  const result = await update(alice, { password: 'a brand new secret' });
  expect(result.data.updateUser.errors).toEqual([]);
  expect(JSON.stringify(result)).not.toContain('$2b$');

  expect(await signsIn(alice, 'a brand new secret')).toBe(true);
  expect(await signsIn(alice, alice.password)).toBe(false);
  // The session that made the change stays; every other one ends.
  expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
  expect(await viewerIdOf(app, phone.token)).toBeNull();
});

test('when the user keeps their own username and email, or changes only their case, then there is no clash', async () => {
  const alice = await signUp(app);
  expect((await update(alice, { bio: 'same names' })).data.updateUser.errors).toEqual([]);

  const result = await update(alice, {
    username: alice.username.toUpperCase(),
    email: alice.email.toUpperCase(),
  });
  expect(result.data.updateUser.errors).toEqual([]);
  expect(result.data.updateUser.user).toMatchObject({
    username: alice.username.toUpperCase(),
    email: alice.email.toUpperCase(),
  });
});

test('when the user takes a new free username and email, then they are stored and used to sign in', async () => {
  const alice = await signUp(app);
  const name = unique('renamed');
  const result = await update(alice, { username: ` ${name} `, email: `${name}@example.org` });

  expect(result.data.updateUser.user).toMatchObject({ username: name, email: `${name}@example.org` });
  const lookup = await app.execute('query ($u: String!) { user(username: $u) { id } }', {
    variables: { u: name },
  });
  expect(lookup.data.user).toEqual({ id: alice.id });
  expect(
    (await signIn(app, { email: `${name}@example.org`, password: alice.password })).data.signInUser.errors,
  ).toEqual([]);
});

test.each([
  ['username', (other: SignedUp) => ({ username: other.username.toUpperCase() })],
  ['email', (other: SignedUp) => ({ email: ` ${other.email.toUpperCase()} ` })],
])(
  "when the %s is another user's, then it is a UserError on that field and nothing changes",
  async (field, taken) => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const before = await stored(alice);

    const result = await update(alice, { ...taken(bob), bio: 'should not be saved' });
    expect(result.errors).toBeUndefined();
    expect(result.data.updateUser.user).toBeNull();
    expect(result.data.updateUser.errors).toEqual([{ path: field, message: expect.stringMatching(/taken/) }]);
    expect(await stored(alice)).toEqual(before);
  },
);

test.each([
  ['javascript: URL', 'javascript:alert(1)'],
  ['data: URL', 'data:image/png;base64,AAAA'],
  ['ftp: URL', 'ftp://files.example.com/a.png'],
  ['scheme without slashes', 'http:img.example.com/a.png'],
  ['relative URL', '/a.png'],
  ['URL with a zero-width space', 'https://img.example.com/\u200Ba.png'],
  ['URL over 2048 characters', `https://img.example.com/${'a'.repeat(2048)}`],
])('when the image is a %s, then it is a UserError on image and nothing changes', async (_, image) => {
  const alice = await signUp(app);
  const before = await stored(alice);
  const result = await update(alice, { image, bio: 'should not be saved' });

  expect(result.data.updateUser.user).toBeNull();
  expect(result.data.updateUser.errors).toEqual([{ path: 'image', message: expect.any(String) }]);
  expect(await stored(alice)).toEqual(before);
});

test('when the image URL is exactly 2048 characters, then it is accepted', async () => {
  const alice = await signUp(app);
  const prefix = 'https://img.example.com/';
  const image = prefix + 'a'.repeat(2048 - prefix.length);
  const result = await update(alice, { image });
  expect(result.data.updateUser.errors).toEqual([]);
  expect(result.data.updateUser.user.image).toBe(image);
});

test.each([
  ['username', { username: 'ali\u200Bce' }],
  ['email', { email: 'not-an-email' }],
  ['password', { password: 'short' }],
  ['password', { password: 'p'.repeat(257) }],
  ['bio', { bio: 'a\u202Eb' }],
  ['bio', { bio: 'x'.repeat(1001) }],
])(
  'when the %s is invalid, then it is a UserError on that field and nothing changes',
  async (field, input) => {
    const alice = await signUp(app);
    const before = await stored(alice);
    const result = await update(alice, input);

    expect(result.data.updateUser.errors).toEqual([{ path: field, message: expect.any(String) }]);
    expect(await stored(alice)).toEqual(before);
    expect(await signsIn(alice, alice.password)).toBe(true);
  },
);

test('when an anonymous caller updates, then it is UNAUTHENTICATED', async () => {
  const result = await app.execute(UPDATE_USER, {
    variables: { input: { username: unique(), email: `${unique()}@example.com` } },
  });
  expect(result.data).toBeNull();
  expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
});

test('when two users race to rename to one username, then one gets it and the other a UserError', async () => {
  const alice = await signUp(app);
  const bob = await signUp(app);
  const wanted = unique('wanted');

  const results = await Promise.all([update(alice, { username: wanted }), update(bob, { username: wanted })]);
  expect(results.filter((r) => r.data.updateUser.user !== null)).toHaveLength(1);
  const refused = results.filter((r) => r.data.updateUser.user === null);
  expect(refused).toHaveLength(1);
  expect(refused[0]!.data.updateUser.errors).toEqual([{ path: 'username', message: expect.any(String) }]);
  expect(await app.deps.models.User.countDocuments({ usernameKey: wanted.toLowerCase() })).toBe(1);
});

test('when a user renames themselves, then the old username finds no one', async () => {
  const alice = await signUp(app);
  await update(alice, { username: unique('fresh') });
  const result = await app.execute('query ($u: String!) { user(username: $u) { id } }', {
    variables: { u: alice.username },
  });
  expect(result.data).toEqual({ user: null });
});
