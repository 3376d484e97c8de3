import { grantRole, GrantRoleError, main } from '../../src/cli/grant-role';
import { createTestApp, type TestApp } from '../support/harness';
import { signUp, unique, VIEWER } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const USER_EMAIL = 'query ($u: String!) { user(username: $u) { id username email } }';

async function emailSeenBy(token: string | undefined, username: string): Promise<string | null> {
  const result = await app.execute(USER_EMAIL, {
    variables: { u: username },
    ...(token ? { as: token } : {}),
  });
  expect(result.errors).toBeUndefined();
  return result.data.user.email as string | null;
}

describe('who sees an email', () => {
  test('when anyone but an admin looks at another user, then the email is null; the user sees their own', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const moderator = await signUp(app);
    await grantRole(app.deps, moderator.username, 'moderator');

    expect(await emailSeenBy(undefined, alice.username)).toBeNull();
    expect(await emailSeenBy(bob.token, alice.username)).toBeNull();
    expect(await emailSeenBy(moderator.token, alice.username)).toBeNull();
    expect(await emailSeenBy(alice.token, alice.username)).toBe(alice.email);
  });

  test('when an admin looks at another user, then the email is shown', async () => {
    const alice = await signUp(app);
    const admin = await signUp(app);
    await grantRole(app.deps, admin.username, 'admin');

    expect(await emailSeenBy(admin.token, alice.username)).toBe(alice.email);
  });

  test("when a response could carry someone else's email, then it does not appear anywhere in it", async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const result = await app.execute(USER_EMAIL, { as: bob.token, variables: { u: alice.username } });
    expect(JSON.stringify(result)).not.toContain(alice.email);
  });
});

describe('grantRole', () => {
  test('when a role is granted, then it is stored and holds from the next request, on existing sessions', async () => {
    const alice = await signUp(app);
    const granted = await grantRole(app.deps, alice.username, 'admin');

    expect(granted).toEqual({
      userId: alice.id,
      username: alice.username,
      role: 'admin',
      previousRole: 'user',
    });
    expect((await app.deps.models.User.findById(alice.id).lean())?.role).toBe('admin');
    const viewer = await app.execute(VIEWER, { as: alice.token });
    expect(viewer.data.viewer.role).toBe('admin');
  });

  test('when the username is typed in another case or with padding, then the user is found', async () => {
    const alice = await signUp(app, { username: unique('Alice') });
    const granted = await grantRole(app.deps, `  ${alice.username.toUpperCase()} `, 'moderator');
    expect(granted.userId).toBe(alice.id);
  });

  test('when a role is taken back, then the user is a plain user again', async () => {
    const alice = await signUp(app);
    await grantRole(app.deps, alice.username, 'admin');
    const granted = await grantRole(app.deps, alice.username, 'user');
    expect(granted.previousRole).toBe('admin');
    expect(await emailSeenBy(alice.token, (await signUp(app)).username)).toBeNull();
  });

  test('when the user does not exist, then it fails and nothing changes', async () => {
    const before = await app.deps.models.User.countDocuments({ role: 'admin' });
    await expect(grantRole(app.deps, unique('nobody'), 'admin')).rejects.toThrow(GrantRoleError);
    expect(await app.deps.models.User.countDocuments({ role: 'admin' })).toBe(before);
  });

  test.each(['root', 'Admin', '', 'user '])(
    'when the role is %j, then it fails and nothing changes',
    async (role) => {
      const alice = await signUp(app);
      await expect(grantRole(app.deps, alice.username, role)).rejects.toThrow(/Unknown role/);
      expect((await app.deps.models.User.findById(alice.id).lean())?.role).toBe('user');
    },
  );
});

describe('grant-role command line', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
  });

  test.each([[[]], [['alice']], [['alice', 'admin', 'extra']], [['  ', 'admin']]])(
    'when the arguments are %j, then it prints the usage and exits 2',
    async (args) => {
      expect(await main(args, {})).toBe(2);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('Usage: npm run grant-role'));
    },
  );

  test('when the role is unknown, then it says so and exits 1 before touching a database', async () => {
    expect(await main(['alice', 'root'], { MONGODB_URI: 'not a uri' })).toBe(1);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('Unknown role "root"'));
  });

  test('when the configuration is invalid, then it prints the problem and exits 1', async () => {
    expect(await main(['alice', 'admin'], { MONGODB_URI: 'not a uri' })).toBe(1);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('MONGODB_URI'));
  });

  /** The environment of an operator pointing the script at this test file's database. */
  function envFor(): NodeJS.ProcessEnv {
    const url = new URL(process.env['ATRIUM_TEST_MONGODB_URI']!);
    url.pathname = `/${app.deps.db.connection.name}`;
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      MONGODB_URI: url.toString(),
      TOKEN_SECRET: app.config.tokenSecret,
    };
  }

  test('when the user exists, then it grants the role, says so and exits 0', async () => {
    const alice = await signUp(app);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main([alice.username, 'moderator'], envFor())).toBe(0);
      expect(stdout).toHaveBeenCalledWith(`${alice.username} now has the role moderator (was user).\n`);
    } finally {
      stdout.mockRestore();
    }
    expect((await app.deps.models.User.findById(alice.id).lean())?.role).toBe('moderator');
  });

  test('when the user does not exist, then it says so and exits 1', async () => {
    const name = unique('nobody');
    expect(await main([name, 'admin'], envFor())).toBe(1);
    expect(stderr).toHaveBeenCalledWith(`No user is named "${name}".\n`);
  });
});
