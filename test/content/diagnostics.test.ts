import { createTestApp, type TestApp } from '../support/harness';
import { publish } from '../support/content';
import { signUp } from '../support/fixtures';

const HOME = `{ articles(first: 5) { nodes { slug author { username } favoritesCount } } }`;

describe('outside production', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ env: { NODE_ENV: 'development' } });
  });
  afterAll(async () => {
    await app.close();
  });

  test('when a query runs, then extensions.diagnostics counts its MongoDB commands', async () => {
    const author = await signUp(app);
    await publish(app, author);
    const result = await app.execute(HOME, { as: author });
    expect(result.extensions?.['diagnostics']).toEqual({
      mongoCommands: result.commands.total,
      mongoMs: expect.any(Number),
    });
    // The session check and the page: counts are on the articles; the author is the viewer, read with the session.
    expect(result.commands.total).toBe(2);
  });
});

describe('in production', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ production: true });
  });
  afterAll(async () => {
    await app.close();
  });

  test('when a query runs, then the response leaves diagnostics out', async () => {
    const result = await app.execute(HOME);
    expect(result.errors).toBeUndefined();
    expect(result.extensions?.['diagnostics']).toBeUndefined();
  });
});
