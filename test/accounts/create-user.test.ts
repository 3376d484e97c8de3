import { decodeJwt } from 'jose';
import { ANONYMOUS } from '../../src/auth/viewer';
import { createServices } from '../../src/services';
import type { UserRecord } from '../../src/services/records';
import { createTestApp, type TestApp } from '../support/harness';
import { CREATE_USER, signIn, unique, userInput, viewerIdOf, type UserInput } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

type WithoutHashField<T> = 'passwordHash' extends keyof T ? never : T;

function createUser(input: UserInput, clientMutationId?: string) {
  return app.execute(CREATE_USER, { variables: { input: { ...input, clientMutationId } } });
}

/** How many stored users hold this username or email, compared the way uniqueness compares them. */
async function storedUsers(filter: { username?: string; email?: string }): Promise<number> {
  const docs = await app.deps.models.User.find().select({ username: 1, email: 1 }).lean();
  return docs.filter(
    (doc) =>
      (filter.username === undefined || doc.username === filter.username) &&
      (filter.email === undefined || doc.email === filter.email),
  ).length;
}

describe('createUser', () => {
  test('when a user signs up, then the payload signs them in and shows them their own account', async () => {
    const input = userInput();
    const result = await createUser(input, 'm-1');

    expect(result.errors).toBeUndefined();
    const payload = result.data.createUser;
    expect(payload.errors).toEqual([]);
    expect(payload.clientMutationId).toBe('m-1');
    expect(payload.user).toEqual({
      id: expect.any(String),
      username: input.username,
      email: input.email,
      bio: null,
      image: null,
    });
    expect(payload.viewer.user).toEqual({
      id: payload.user.id,
      username: input.username,
      email: input.email,
    });
    expect(typeof payload.refreshToken).toBe('string');
    expect(await viewerIdOf(app, payload.token)).toBe(payload.user.id);
  });

  test('when a user signs up, then the access token names a stored session and lives 15 minutes', async () => {
    const result = await createUser(userInput());
    const { token, tokenExpiresAt, user, refreshToken } = result.data.createUser;

    const claims = decodeJwt(token);
    expect(claims.sub).toBe(user.id);
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(new Date(tokenExpiresAt).getTime()).toBe(claims.exp! * 1000);
    const session = await app.deps.models.Session.findById(claims['sid']).lean();
    expect(session?.userId.toHexString()).toBe(user.id);
    // Only a hash of the refresh token is stored.
    expect(JSON.stringify(session)).not.toContain(refreshToken);
  });

  test('when a user signs up, then the password is stored as a bcrypt hash of the configured cost, and no response or record carries it', async () => {
    const input = userInput();
    const result = await createUser(input);
    const id = result.data.createUser.user.id;

    const doc = await app.deps.models.User.findById(id).lean();
    expect(doc?.passwordHash).toMatch(/^\$2b\$04\$/);
    expect(JSON.stringify(result)).not.toContain('$2b$');
    expect(JSON.stringify(result)).not.toContain(input.password);

    const signedIn = await signIn(app, input);
    expect(JSON.stringify(signedIn)).not.toContain('$2b$');

    // A compile-time claim as well: tsc refuses this line once the record type has a field for it.
    const record: WithoutHashField<UserRecord> | null = await createServices(app.deps, ANONYMOUS, {
      clientAddress: '127.0.0.1',
    }).users.getById(id);
    expect(record).not.toBeNull();
    expect(Object.keys(record!)).not.toContain('passwordHash');
    expect(JSON.stringify(record)).not.toContain('$2b$');
  });

  test('when the input has mistakes, then each is a UserError naming its field and no user is stored', async () => {
    const input = { username: 'a', email: 'not-an-email', password: 'short' };
    const result = await createUser(input);

    expect(result.errors).toBeUndefined();
    expect(result.data.createUser.user).toBeNull();
    expect(result.data.createUser.token).toBeNull();
    expect(result.data.createUser.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'email',
      'password',
      'username',
    ]);
    expect(await storedUsers({ email: input.email })).toBe(0);
  });
});

describe('passwords', () => {
  test.each([
    ['7 characters', 'a'.repeat(7)],
    ['257 characters', 'b'.repeat(257)],
  ])(
    'when the password is %s, then it is a UserError on password and nothing is stored',
    async (_, password) => {
      const input = userInput({ password });
      const result = await createUser(input);

      expect(result.data.createUser.user).toBeNull();
      expect(result.data.createUser.errors).toEqual([{ path: 'password', message: expect.any(String) }]);
      expect(await storedUsers({ username: input.username })).toBe(0);
    },
  );

  test.each([
    ['exactly 8 characters', 'abcdefgh'],
    ['256 characters', 'p'.repeat(256)],
    ['72 bytes', 'é'.repeat(36)],
    ['256 characters of 4 bytes each', '😀'.repeat(256)],
  ])('when the password is %s, then the account is created and signs in with it', async (_, password) => {
    const input = userInput({ password });
    const result = await createUser(input);
    expect(result.data.createUser.errors).toEqual([]);

    const signedIn = await signIn(app, input);
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data.signInUser.errors).toEqual([]);
    expect(signedIn.data.signInUser.token).toEqual(expect.any(String));
  });

  test('when two 80-byte passwords share their first 72 bytes, then the other one does not sign in', async () => {
    const prefix = 'x'.repeat(72);
    const input = userInput({ password: `${prefix}AAAAAAAA` });
    await createUser(input);

    const wrong = await signIn(app, { email: input.email, password: `${prefix}BBBBBBBB` });
    expect(wrong.data.signInUser.token).toBeNull();
    expect(wrong.data.signInUser.errors).toHaveLength(1);
    const right = await signIn(app, input);
    expect(right.data.signInUser.token).toEqual(expect.any(String));
  });

  test('when the password contains a NUL or a lone surrogate, then it is refused', async () => {
    for (const password of ['password\u0000x', 'password\uD800x']) {
      const input = userInput({ password });
      const result = await createUser(input);
      expect(result.data.createUser.errors).toEqual([{ path: 'password', message: expect.any(String) }]);
    }
  });
});

describe('usernames', () => {
  test.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['a space', 'ali ce'],
    ['punctuation', 'ali.ce'],
    ['a zero-width space', 'ali\u200Bce'],
    ['a NUL', 'bob\u0000'],
    ['a lone surrogate', '\uD800'],
    ['a lone surrogate among letters', 'ab\uDC00cd'],
    ['a right-to-left override', 'ab\u202Ecd'],
    ['a leading combining mark', '\u0301abc'],
  ])('when the username has %s, then it is a UserError on username and nothing is stored', async (_, raw) => {
    // The unique suffix goes into the email only: the username is the value under test.
    const input = userInput({ username: raw });
    const result = await createUser(input);

    expect(result.errors).toBeUndefined();
    expect(result.data.createUser.user).toBeNull();
    expect(result.data.createUser.errors).toEqual([{ path: 'username', message: expect.any(String) }]);
    expect(await storedUsers({ email: input.email })).toBe(0);
  });

  test.each([
    ['3 characters', () => `a${unique('').slice(-2)}`],
    ['32 characters', () => unique('n').padEnd(32, 'x')],
    ['letters of other scripts, digits, _ and -', () => `Zoë_Ωμέγα-${unique('')}`],
  ])('when the username has %s, then it is accepted', async (_, name) => {
    const input = userInput({ username: name() });
    const result = await createUser(input);
    expect(result.data.createUser.errors).toEqual([]);
    expect(result.data.createUser.user.username).toBe(input.username);
  });

  test('when the username is padded and decomposed (NFD), then it is stored trimmed and composed (NFC)', async () => {
    const base = unique('n');
    const input = userInput({ username: `  ${base}Zoe\u0301 ` });
    const result = await createUser(input);

    expect(result.data.createUser.user.username).toBe(`${base}Zoé`);
    expect(await storedUsers({ username: `${base}Zoé` })).toBe(1);
  });

  test('when a username differs from a taken one only by NFD vs NFC, then it is taken', async () => {
    const base = unique('n');
    await createUser(userInput({ username: `${base}Zoé` }));
    const second = userInput({ username: `${base}Zoe\u0301` });
    const result = await createUser(second);

    expect(result.data.createUser.errors).toEqual([
      { path: 'username', message: expect.stringMatching(/taken/) },
    ]);
    expect(await storedUsers({ email: second.email })).toBe(0);
  });

  test('when a username differs from a taken one only by case, then it is taken', async () => {
    const base = unique('alice');
    await createUser(userInput({ username: base.toLowerCase() }));
    const result = await createUser(userInput({ username: base.toUpperCase() }));

    expect(result.data.createUser.errors).toEqual([
      { path: 'username', message: expect.stringMatching(/taken/) },
    ]);
  });

  test('when a username differs from a taken one by ß vs SS or full-width letters, then it is taken', async () => {
    const base = unique('n');
    await createUser(userInput({ username: `${base}straße` }));
    const sharpS = await createUser(userInput({ username: `${base.toUpperCase()}STRASSE` }));
    expect(sharpS.data.createUser.errors).toEqual([{ path: 'username', message: expect.any(String) }]);

    await createUser(userInput({ username: `${base}wide` }));
    const fullWidth = [...`${base}WIDE`]
      .map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0))
      .join('');
    const wide = await createUser(userInput({ username: fullWidth }));
    expect(wide.data.createUser.errors).toEqual([{ path: 'username', message: expect.any(String) }]);
  });

  test('when a username that cannot exist is looked up, then the answer is null without an error', async () => {
    for (const u of ['\uD800', 'ali\u200Bce', '', 'x'.repeat(5000)]) {
      const result = await app.execute('query ($u: String!) { user(username: $u) { id } }', {
        variables: { u },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ user: null });
    }
  });

  test('when a user is looked up by username in another case or form, then they are found', async () => {
    const base = unique('n');
    const created = await createUser(userInput({ username: `${base}Zoé` }));
    const result = await app.execute('query ($u: String!) { user(username: $u) { id username } }', {
      variables: { u: ` ${base.toUpperCase()}ZOE\u0301` },
    });
    expect(result.data.user).toEqual({ id: created.data.createUser.user.id, username: `${base}Zoé` });
  });
});

describe('emails', () => {
  test.each([
    ['no @', (n: string) => `${n}.example.com`],
    ['no domain dot', (n: string) => `${n}@localhost`],
    ['a space', (n: string) => `${n} x@example.com`],
    ['a zero-width space', (n: string) => `${n}\u200B@example.com`],
    ['a NUL', (n: string) => `${n}\u0000@example.com`],
    ['a lone surrogate', (n: string) => `${n}\uD800@example.com`],
    ['over 254 characters', (n: string) => `${n}${'a'.repeat(250)}@example.com`],
  ])('when the email has %s, then it is a UserError on email and nothing is stored', async (_, email) => {
    const name = unique();
    const input = { username: name, email: email(name), password: 'correct horse battery' };
    const result = await createUser(input);

    expect(result.data.createUser.user).toBeNull();
    expect(result.data.createUser.errors).toEqual([{ path: 'email', message: expect.any(String) }]);
    expect(await storedUsers({ username: name })).toBe(0);
  });

  test('when an email differs from a taken one only by case, padding or NFD vs NFC, then it is taken', async () => {
    const name = unique('e');
    const first = userInput({ email: `${name}Zoé@Example.com` });
    await createUser(first);

    for (const email of [`${name.toUpperCase()}ZOÉ@EXAMPLE.COM`, `  ${name}Zoe\u0301@example.com `]) {
      const input = userInput({ email });
      const result = await createUser(input);
      expect(result.data.createUser.errors).toEqual([
        { path: 'email', message: expect.stringMatching(/taken/) },
      ]);
      expect(await storedUsers({ username: input.username })).toBe(0);
    }
  });

  test('when the email is padded and decomposed, then it is stored trimmed and composed, as typed otherwise', async () => {
    const name = unique('e');
    const result = await createUser(userInput({ email: ` ${name}Zoe\u0301@Example.com ` }));
    expect(result.data.createUser.user.email).toBe(`${name}Zoé@Example.com`);
  });
});

describe('concurrent registrations', () => {
  test('when two sign-ups race for one email, then one user is created and the other gets a UserError', async () => {
    const email = `${unique('race')}@example.com`;
    const results = await Promise.all([
      createUser(userInput({ email })),
      createUser(userInput({ email: email.toUpperCase() })),
    ]);

    const created = results.filter((r) => r.data.createUser.user !== null);
    const refused = results.filter((r) => r.data.createUser.user === null);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.errors).toBeUndefined();
    expect(refused[0]!.data.createUser.errors).toEqual([{ path: 'email', message: expect.any(String) }]);
    expect(refused[0]!.data.createUser.token).toBeNull();
    const emailKey = email.toLowerCase();
    expect(await app.deps.models.User.countDocuments({ emailKey })).toBe(1);
  });

  test('when two sign-ups race for one username, then one user is created and the other gets a UserError', async () => {
    const username = unique('race');
    const sessionsBefore = await app.deps.models.Session.countDocuments();
    const results = await Promise.all([
      createUser(userInput({ username })),
      createUser(userInput({ username: username.toUpperCase() })),
    ]);

    const refused = results.filter((r) => r.data.createUser.user === null);
    expect(results.filter((r) => r.data.createUser.user !== null)).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.data.createUser.errors).toEqual([{ path: 'username', message: expect.any(String) }]);
    expect(await app.deps.models.User.countDocuments({ usernameKey: username.toLowerCase() })).toBe(1);
    // The loser started no session.
    expect(await app.deps.models.Session.countDocuments()).toBe(sessionsBefore + 1);
  });
});
