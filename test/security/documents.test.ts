import { getIntrospectionQuery, Kind, TypeInfo } from 'graphql';
import { createTestApp, type TestApp } from '../support/harness';
import { expectRefused } from './attack';

let app: TestApp;
let prod: TestApp;
beforeAll(async () => {
  app = await createTestApp({ listen: true });
  prod = await createTestApp({ production: true, listen: true });
});
afterAll(async () => {
  await app.close();
  await prod.close();
});

const invalid = { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' };

/**
 * The kinds of node graphql-js's validation walked while `run` ran. Its rules, the merge check
 * (OverlappingFieldsCanBeMergedRule) among them, see only the nodes of that walk, each entered into the walk's
 * TypeInfo first: a walk that stopped at the Document node ran none of them.
 */
async function validationWalk(run: () => Promise<unknown>): Promise<Set<string>> {
  const enter = jest.spyOn(TypeInfo.prototype, 'enter');
  try {
    await run();
    return new Set(enter.mock.calls.map(([node]) => node.kind));
  } finally {
    enter.mockRestore();
  }
}

/** `levels` nested author → articles hops under viewer.user: depth 4 + 3 per level. */
function deep(levels: number): string {
  let inner = 'username';
  for (let i = 0; i < levels; i += 1) inner = `articles(first: 1) { nodes { author { ${inner} } } }`;
  return `{ viewer { user { ${inner} } } }`;
}

describe('size and shape limits', () => {
  test('when a document has more tokens than MAX_QUERY_TOKENS, then 400 GRAPHQL_PARSE_FAILED before validation', () =>
    expectRefused(app, () => app.gql(`{ ${'__typename '.repeat(3001)}}`), {
      status: 400,
      code: 'GRAPHQL_PARSE_FAILED',
      check: (res) => expect(res.json.errors[0].message).toMatch(/tokens/),
    }));

  test('when a document is nested one level past MAX_QUERY_DEPTH, then 400', async () => {
    // depth(3) = 3 + 3 * 3 = 12 levels: the limit itself passes.
    await expectRefused(app, () => app.gql(deep(3)), { status: 200, code: null });
    await expectRefused(app, () => app.gql(deep(4)), {
      ...invalid,
      check: (res) => expect(res.json.errors[0].message).toMatch(/nested 15 levels/),
    });
  });

  test('when depth hides in fragments, then it is counted through them', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `{ viewer { user { ...A } } }
           fragment A on User { articles { nodes { author { ...B } } } }
           fragment B on User { articles { nodes { author { ...C } } } }
           fragment C on User { articles { nodes { author { ...D } } } }
           fragment D on User { articles { nodes { author { username } } } }`,
        ),
      invalid,
    ));

  test('when a document holds more than MAX_QUERY_ALIASES aliases, then 400', () =>
    expectRefused(
      app,
      () => app.gql(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: tags`).join(' ')} }`),
      invalid,
    ));

  test('when __typename is repeated instead of aliased, then it counts toward the alias limit', () =>
    expectRefused(app, () => app.gql(`{ viewer { ${'__typename '.repeat(31)}} }`), invalid));

  test('when a field is repeated hundreds of times under its own name, then 400 before the merge check runs, and MongoDB hears nothing', async () => {
    const walked = await validationWalk(() =>
      expectRefused(app, () => app.gql(`{ viewer { ${'user { id } '.repeat(700)}} }`), {
        ...invalid,
        check: (res) => {
          expect(res.json.errors[0].message).toMatch(/aliases/);
          expect(res.commands.wireTotal).toBe(0);
        },
      }),
    );
    expect(walked).toEqual(new Set([Kind.DOCUMENT]));
  });

  test('when a field is repeated within the alias limit, then validation walks the whole document (control)', async () => {
    const walked = await validationWalk(() =>
      expectRefused(app, () => app.gql(`{ viewer { ${'user { id } '.repeat(20)}} }`), {
        status: 200,
        code: null,
      }),
    );
    expect([...walked]).toEqual(expect.arrayContaining([Kind.DOCUMENT, Kind.SELECTION_SET, Kind.FIELD]));
  });

  test('when a document carries more than MAX_QUERY_DIRECTIVES directives, then 400', () =>
    expectRefused(
      app,
      () => app.gql(`{ viewer { user { ${'id @include(if: true) '.repeat(21)}} } }`),
      invalid,
    ));

  test('when fragments spread each other in a cycle, then 400 without hanging', () =>
    expectRefused(
      app,
      () =>
        app.gql(`{ viewer { user { ...A } } }
          fragment A on User { username ...B }
          fragment B on User { bio ...A }`),
      invalid,
    ));

  test('when nested fragment spreads explode to millions of selections, then 400 before any rule expands them', async () => {
    const fragments = ['fragment F0 on User { username bio image }'];
    for (let i = 1; i <= 6; i += 1) fragments.push(`fragment F${i} on User { ${`...F${i - 1} `.repeat(10)}}`);
    const walked = await validationWalk(() =>
      expectRefused(app, () => app.gql(`{ viewer { user { ...F6 } } } ${fragments.join('\n')}`), {
        ...invalid,
        check: (res) => {
          // viewer, user, and 10⁶ spreads of F0's three fields.
          expect(res.json.errors[0].message).toMatch(/selects 3000002 fields with its fragments expanded/);
          expect(res.commands.wireTotal).toBe(0);
        },
      }),
    );
    expect(walked).toEqual(new Set([Kind.DOCUMENT]));
  });
});

describe('cost', () => {
  const expensive = `{ articles(first: 100) { nodes { comments { author { followers(first: 100) { nodes { username } } } } } } }`;

  test('when an operation would cost more than MAX_QUERY_COST, then 400 QUERY_TOO_COMPLEX before it runs', () =>
    expectRefused(app, () => app.gql(expensive), {
      status: 400,
      code: 'QUERY_TOO_COMPLEX',
      check: (res) => {
        expect(res.json.data).toBeUndefined();
        expect(res.json.errors[0].extensions.cost).toBeGreaterThan(1000);
        expect(res.json.extensions.cost.actualQueryCost).toBe(0);
      },
    }));

  test('when the page size comes from a variable, then the variable is priced', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `query($n: Int) { articles(first: $n) { nodes { comments { author { followers(first: $n) { nodes { id } } } } } } }`,
          { variables: { n: 100 } },
        ),
      { status: 400, code: 'QUERY_TOO_COMPLEX' },
    ));

  test('when the same query asks for small pages, then it runs and reports its cost (control)', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `{ articles(first: 2) { nodes { comments { author { followers(first: 2) { nodes { username } } } } } } }`,
        ),
      {
        status: 200,
        code: null,
        check: (res) => {
          // connection 1 + 2 nodes × (1 + 20 comments × (1 + author (1 + followers (1 + 2 nodes × 1)))) = 203
          expect(res.json.extensions.cost.requestedQueryCost).toBe(203);
          expect(res.json.extensions.cost.actualQueryCost).toBeLessThanOrEqual(203);
        },
      },
    ));

  test('when a page size is negative or huge, then the cost uses the bounds and the service refuses the size', () =>
    expectRefused(app, () => app.gql('{ articles(first: 1000000) { nodes { id } } }'), {
      status: 200,
      code: 'BAD_USER_INPUT',
    }));
});

describe('one credential field per operation', () => {
  const input = '{ email: "a@example.com", password: "wrong password" }';

  test('when signInUser is aliased twice, then 400 and no guess is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `mutation { a: signInUser(input: ${input}) { token } b: signInUser(input: ${input}) { token } }`,
        ),
      // No account was looked up and no failure counted: MongoDB heard nothing of it.
      { ...invalid, check: (res) => expect(res.commands.wireTotal).toBe(0) },
    ));

  test('when signInUser is repeated through fragments, then 400', () =>
    expectRefused(
      app,
      () =>
        app.gql(`mutation { ...A ...B }
          fragment A on Mutation { a: signInUser(input: ${input}) { token } }
          fragment B on Mutation { b: signInUser(input: ${input}) { token } }`),
      invalid,
    ));

  test('when signInUser is repeated through inline fragments, then 400', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `mutation { ... on Mutation { a: signInUser(input: ${input}) { token } } ... { b: signInUser(input: ${input}) { token } } }`,
        ),
      invalid,
    ));

  test('when createUser is aliased twice, then 400 and no account is made', () =>
    expectRefused(
      app,
      () =>
        app.gql(`mutation {
          a: createUser(input: { username: "twin1", email: "twin1@example.com", password: "correct horse battery" }) { user { id } }
          b: createUser(input: { username: "twin2", email: "twin2@example.com", password: "correct horse battery" }) { user { id } }
        }`),
      invalid,
    ));

  test('when refreshSession is aliased twice, then 400', () =>
    expectRefused(
      app,
      () =>
        app.gql(
          `mutation { a: refreshSession(input: { refreshToken: "x" }) { token } b: refreshSession(input: { refreshToken: "y" }) { token } }`,
        ),
      invalid,
    ));
});

describe('schema probing in production', () => {
  test('when __schema is asked for, then 400', () =>
    expectRefused(prod, () => prod.gql('{ __schema { types { name } } }'), invalid));

  test('when __type is asked for, then 400', () =>
    expectRefused(prod, () => prod.gql('{ __type(name: "User") { fields { name } } }'), invalid));

  test('when a field name is misspelt, then the error suggests nothing', () =>
    expectRefused(prod, () => prod.gql('{ viewr { user { emial } } }'), {
      ...invalid,
      check: (res) => expect(res.text).not.toMatch(/Did you mean/),
    }));

  test('when an argument is misspelt, then the error suggests nothing', () =>
    expectRefused(prod, () => prod.gql('{ articles(frist: 1) { nodes { id } } }'), {
      ...invalid,
      check: (res) => expect(res.text).not.toMatch(/Did you mean/),
    }));

  test('when the same misspelling reaches development, then suggestions help (control)', () =>
    expectRefused(app, () => app.gql('{ viewr { user { id } } }'), {
      ...invalid,
      check: (res) => expect(res.json.errors[0].message).toMatch(/Did you mean "viewer"/),
    }));
});

describe('introspection in development', () => {
  test('when the standard introspection query is sent, then it passes every limit (the Sandbox needs it)', async () => {
    await expectRefused(
      app,
      () =>
        app.gql(
          getIntrospectionQuery({
            descriptions: true,
            specifiedByUrl: true,
            directiveIsRepeatable: true,
            inputValueDeprecation: true,
          }),
        ),
      {
        status: 200,
        code: null,
        check: (res) => expect(res.json.data.__schema.queryType.name).toBe('Query'),
      },
    );
  });
});
