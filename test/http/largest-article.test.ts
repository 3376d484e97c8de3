import { createTestApp, type TestApp } from '../support/harness';
import { signUp } from '../support/fixtures';

let app: TestApp;
let url: string;
beforeAll(async () => {
  app = await createTestApp();
  url = await app.listen();
});
afterAll(async () => {
  await app.close();
});

const CREATE = `mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { slug } errors { path } } }`;

async function post(token: string, body: string) {
  const escaped = body.replace(/[^]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Every character \u-escaped, as some JSON encoders send non-ASCII text: six bytes a character.
  const payload = `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"title":"Big","description":"","body":"${escaped}","tagList":[]}}}`;
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
    body: payload,
  });
}

test('when the largest valid body arrives fully JSON-escaped, then the article is created', async () => {
  const author = await signUp(app);
  const body = '漢'.repeat(21_845); // 65,535 UTF-8 bytes: inside the 64 KiB limit
  const response = await post(author.token, body);
  expect(response.status).toBe(200);
  const result = (await response.json()) as {
    data: { createArticle: { errors: unknown[]; article: unknown } };
  };
  expect(result.data.createArticle.errors).toEqual([]);
});

test('when the body is one byte over 64 KiB, then a UserError names it, not a transport error', async () => {
  const author = await signUp(app);
  const response = await post(author.token, 'x'.repeat(64 * 1024 + 1));
  expect(response.status).toBe(200);
  const result = (await response.json()) as { data: { createArticle: { errors: { path: string }[] } } };
  expect(result.data.createArticle.errors).toEqual([{ path: 'body' }]);
});
