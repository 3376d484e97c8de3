import { createTestApp, type TestApp } from '../support/harness';
import { signUp } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

test('when a user signs up, then viewer returns them', async () => {
  const alice = await signUp(app);
  const result = await app.execute('{ viewer { user { username email } } }', { as: alice.token });
  expect(result.errors).toBeUndefined();
  expect(result.data.viewer.user).toEqual({ username: alice.username, email: alice.email });
  expect(result.commands.total).toBe(1);
});
