import { CREATE_USER, signUp, unique, userInput } from '../support/fixtures';
import { createTestApp, type HttpResult, type TestApp } from '../support/harness';
import { expectRefused, json, rawPost } from './attack';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ listen: true });
});
afterAll(async () => {
  await app.close();
});

const SIGN_IN =
  'mutation($input: SignInUserInput!) { signInUser(input: $input) { token errors { message } } }';
const badInput = { status: 400, code: 'BAD_USER_INPUT' };

/** A payload's UserErrors name the field; nothing else went wrong. */
const userErrorOn = (mutation: string, path: string) => ({
  status: 200,
  code: null,
  check: (res: HttpResult) => {
    expect(res.json.data[mutation].errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(res.json.data[mutation].user ?? null).toBeNull();
  },
});

describe('operator objects and filter injection', () => {
  test('when the sign-in email is {"$ne": null}, then 400 BAD_USER_INPUT: a String variable takes no object', () =>
    expectRefused(
      app,
      () => app.gql(SIGN_IN, { variables: { input: { email: { $ne: null }, password: 'whatever1' } } }),
      badInput,
    ));

  test('when the sign-in password is {"$gt": ""}, then 400 BAD_USER_INPUT', () =>
    expectRefused(
      app,
      () => app.gql(SIGN_IN, { variables: { input: { email: 'a@example.com', password: { $gt: '' } } } }),
      badInput,
    ));

  test('when a username lookup carries {"$regex": ".*"}, then 400 BAD_USER_INPUT', () =>
    expectRefused(
      app,
      () =>
        app.gql('query($u: String!) { user(username: $u) { id } }', { variables: { u: { $regex: '.*' } } }),
      badInput,
    ));

  test('when an ID variable is {"$ne": null}, then 400 BAD_USER_INPUT', () =>
    expectRefused(
      app,
      () =>
        app.gql('mutation($id: ID!) { followUser(input: { id: $id }) { user { id } } }', {
          variables: { id: { $ne: null } },
        }),
      badInput,
    ));

  test('when a username is a regular expression, then it matches only itself', async () => {
    await signUp(app, { username: unique('regexvictim') });
    await expectRefused(
      app,
      () => app.gql('{ a: user(username: ".*") { id } b: user(username: "^regex") { id } }'),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data).toEqual({ a: null, b: null }),
      },
    );
  });

  test('when a tag filter is a regular expression or an operator string, then nothing matches', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          '{ a: articles(tag: ".*") { totalCount } b: articles(tag: "{\\"$ne\\":null}") { totalCount } }',
        ),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data).toEqual({ a: { totalCount: 0 }, b: { totalCount: 0 } }),
      },
    ));

  test('when a cursor is forged, then BAD_USER_INPUT, not a wrong page', () =>
    expectRefused(app, () => app.gql('{ articles(first: 1, after: "eyIkbmUiOm51bGx9") { nodes { id } } }'), {
      status: 200,
      code: 'BAD_USER_INPUT',
    }));

  test('when an id is malformed, then the mutation says NOT_FOUND without querying by it', async () => {
    const user = await signUp(app);
    const refused = await expectRefused(
      app,
      () =>
        app.gql('mutation { followUser(input: { id: "../../users" }) { user { id } } }', {
          as: user,
        }),
      { status: 200, code: 'NOT_FOUND' },
    );
    // What it sent is what any signed-in request sends: the session check, and nothing else.
    const sessionCheck = await app.gql('{ viewer { role } }', { as: user });
    expect(sessionCheck.commands.wireTotal).toBeGreaterThan(0);
    expect(refused.commands).toEqual(sessionCheck.commands);
  });
});

describe('numbers', () => {
  const PAGE = 'query($n: Int) { articles(first: $n) { nodes { id } } }';
  test('when an Int is past 2^31, then 400 BAD_USER_INPUT', () =>
    expectRefused(app, () => app.gql(PAGE, { variables: { n: 2 ** 31 } }), badInput));

  test('when an Int literal is past 2^31, then 400 GRAPHQL_VALIDATION_FAILED', () =>
    expectRefused(app, () => app.gql('{ articles(first: 99999999999) { nodes { id } } }'), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    }));

  test('when an Int is infinite (1e999 in JSON), then 400 BAD_USER_INPUT', () =>
    expectRefused(app, () => rawPost(app, `{"query":${json(PAGE)},"variables":{"n":1e999}}`), badInput));

  test('when an Int is fractional, then 400 BAD_USER_INPUT', () =>
    expectRefused(app, () => app.gql(PAGE, { variables: { n: 1.5 } }), badInput));

  test('when an Int is a numeric string, then 400 BAD_USER_INPUT', () =>
    expectRefused(app, () => app.gql(PAGE, { variables: { n: '10' } }), badInput));

  test('when a page size is negative, then BAD_USER_INPUT', () =>
    expectRefused(app, () => app.gql(PAGE, { variables: { n: -1 } }), {
      status: 200,
      code: 'BAD_USER_INPUT',
    }));
});

describe('mass assignment and prototype keys', () => {
  test('when a sign-up input carries role: "admin", then 400 and no account is made', () =>
    expectRefused(
      app,
      () => app.gql(CREATE_USER, { variables: { input: { ...userInput(), role: 'admin' } } }),
      badInput,
    ));

  test('when a literal input carries an unknown field, then 400 GRAPHQL_VALIDATION_FAILED', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          'mutation { createUser(input: { username: "massx", email: "massx@example.com", password: "correct horse battery", role: admin }) { user { id } } }',
        ),
      { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    ));

  test('when updateUser carries passwordHash, then 400 and the account is unchanged', async () => {
    const user = await signUp(app);
    await expectRefused(
      app,
      () =>
        app.gql('mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }', {
          as: user,
          variables: {
            input: { username: user.username, email: user.email, passwordHash: 'x', role: 'admin' },
          },
        }),
      badInput,
    );
  });

  test('when an input carries a __proto__ key, then 400 and no prototype is touched', async () => {
    const body = `{"query":${json(CREATE_USER)},"variables":{"input":{"username":"protox","email":"protox@example.com","password":"correct horse battery","__proto__":{"role":"admin"}}}}`;
    await expectRefused(app, () => rawPost(app, body), badInput);
    expect(({} as Record<string, unknown>)['role']).toBeUndefined();
  });

  test('when an input carries a constructor key, then 400', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_USER, {
          variables: { input: { ...userInput(), constructor: { prototype: { role: 'admin' } } } },
        }),
      badInput,
    ));

  test('when the variables object itself has __proto__, then it is an unused variable: the request runs normally', () =>
    expectRefused(
      app,
      () => rawPost(app, `{"query":"{ __typename }","variables":{"__proto__":{"polluted":true}}}`),
      {
        status: 200,
        code: null,
        check: () => expect(({} as Record<string, unknown>)['polluted']).toBeUndefined(),
      },
    ));
});

describe('oversize strings', () => {
  test('when a username is 10,000 characters, then a UserError and nothing is made', () =>
    expectRefused(
      app,
      () => app.gql(CREATE_USER, { variables: { input: { ...userInput(), username: 'a'.repeat(10_000) } } }),
      userErrorOn('createUser', 'username'),
    ));

  test('when a password is 50,000 characters, then a UserError without hashing it', async () => {
    const hash = jest.spyOn(app.deps.passwords, 'hash');
    try {
      await expectRefused(
        app,
        () =>
          app.gql(CREATE_USER, { variables: { input: { ...userInput(), password: 'p'.repeat(50_000) } } }),
        userErrorOn('createUser', 'password'),
      );
      expect(hash).not.toHaveBeenCalled();
    } finally {
      hash.mockRestore();
    }
  });

  test('when an email is 5,000 characters, then a UserError', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_USER, {
          variables: { input: { ...userInput(), email: `${'e'.repeat(5000)}@example.com` } },
        }),
      userErrorOn('createUser', 'email'),
    ));
});

describe('Unicode', () => {
  const withName = (username: string) => () =>
    app.gql(CREATE_USER, { variables: { input: { ...userInput(), username } } });

  test('when a username holds a lone surrogate, then a UserError', () =>
    expectRefused(
      app,
      () =>
        rawPost(
          app,
          `{"query":${json(CREATE_USER)},"variables":{"input":{"username":"ab\\ud800cd","email":"surr@example.com","password":"correct horse battery"}}}`,
        ),
      userErrorOn('createUser', 'username'),
    ));

  test('when a username holds NUL, then a UserError', () =>
    expectRefused(app, withName('ab\u0000cd'), userErrorOn('createUser', 'username')));

  test('when a username holds a zero-width space, then a UserError', () =>
    expectRefused(app, withName('ad\u200bmin'), userErrorOn('createUser', 'username')));

  test('when a username holds a bidi override, then a UserError', () =>
    expectRefused(app, withName('\u202eadmin'), userErrorOn('createUser', 'username')));

  test('when a username differs from a taken one only in case, then it is taken', async () => {
    const owner = await signUp(app, { username: unique('CaseOwner') });
    await expectRefused(app, withName(owner.username.toLowerCase()), userErrorOn('createUser', 'username'));
  });

  test('when a username differs from a taken one only in normalisation (NFD vs NFC), then it is taken', async () => {
    const nfc = `jos\u00e9${Date.now().toString(36)}`;
    await app.gql(CREATE_USER, { variables: { input: { ...userInput(), username: nfc } } });
    await expectRefused(app, withName(nfc.normalize('NFD')), userErrorOn('createUser', 'username'));
  });

  test('when an email differs from a taken one only in case, then it is taken', async () => {
    const owner = await signUp(app);
    await expectRefused(
      app,
      () =>
        app.gql(CREATE_USER, {
          variables: { input: { ...userInput(), email: owner.email.toUpperCase() } },
        }),
      userErrorOn('createUser', 'email'),
    );
  });
});

describe('content inputs', () => {
  const CREATE_ARTICLE =
    'mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id tagList } errors { message path } } }';
  const article = (overrides: Record<string, unknown>) => ({
    title: 'A title',
    description: 'd',
    body: 'b',
    tagList: [],
    ...overrides,
  });
  let author: { token: string };
  beforeAll(async () => {
    author = await signUp(app);
  });

  test('when an article input names its authorId, then 400 and nothing is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_ARTICLE, {
          as: author,
          variables: { i: article({ authorId: '0123456789abcdef01234567' }) },
        }),
      badInput,
    ));

  test('when a tag is an operator object, then 400', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_ARTICLE, {
          as: author,
          variables: { i: article({ tagList: [{ $ne: null }] }) },
        }),
      badInput,
    ));

  test('when an article carries 1,000 tags, then a UserError and nothing is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_ARTICLE, {
          as: author,
          variables: { i: article({ tagList: Array.from({ length: 1000 }, (_, i) => `t${i}`) }) },
        }),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data.createArticle.errors[0].path).toBe('tagList'),
      },
    ));

  test('when a title is 50,000 characters, then a UserError', () =>
    expectRefused(
      app,
      () =>
        app.gql(CREATE_ARTICLE, {
          as: author,
          variables: { i: article({ title: 'x'.repeat(50_000) }) },
        }),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data.createArticle.errors[0].path).toBe('title'),
      },
    ));

  test('when a tag looks like an operator or a dotted path, then it is stored and matched as plain text', async () => {
    const created = await app.gql(CREATE_ARTICLE, {
      as: author,
      variables: { i: article({ tagList: ['$where', 'a.b'] }) },
    });
    expect(created.json.data.createArticle.article.tagList).toEqual(['$where', 'a.b']);
    await expectRefused(
      app,
      () => app.gql('{ a: articles(tag: "$where") { totalCount } b: articles(tag: "a") { totalCount } }'),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data).toEqual({ a: { totalCount: 1 }, b: { totalCount: 0 } }),
      },
    );
  });

  test('when a slug lookup is a regular expression, then it matches nothing', () =>
    expectRefused(app, () => app.gql('{ article(slug: ".*") { id } }'), {
      status: 200,
      code: null,
      check: (res) => expect(res.json.data.article).toBeNull(),
    }));

  test('when a comment names an article that does not exist, then NOT_FOUND and nothing is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          'mutation { addComment(input: { articleId: "0123456789abcdef01234567", body: "hi" }) { comment { id } } }',
          {
            as: author,
          },
        ),
      { status: 200, code: 'NOT_FOUND' },
    ));
});
