import { countDocuments, type HttpResult, type TestApp } from '../support/harness';

export interface Expectation {
  /** The exact HTTP status. */
  status: number;
  /** The code of the first error; null when the response must carry no error. */
  code: string | null;
  /** Further checks of the response. */
  check?: (res: HttpResult) => void | Promise<void>;
}

/**
 * Sends one attack and asserts its exact status and error code, that the answer is JSON (never an HTML page
 * or a stack), and that no document was added to or removed from any collection.
 */
export async function expectRefused(
  app: TestApp,
  send: () => Promise<HttpResult>,
  expected: Expectation,
): Promise<HttpResult> {
  const before = await countDocuments(app.deps);
  const res = await send();
  expect({ status: res.status, code: firstCode(res) }).toEqual({
    status: expected.status,
    code: expected.code,
  });
  if (res.text !== '') {
    expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(res.text).not.toMatch(/<html|\n\s+at |node_modules/i);
  }
  await expected.check?.(res);
  expect(await countDocuments(app.deps)).toEqual(before);
  return res;
}

export function firstCode(res: HttpResult): string | null {
  const errors = res.json?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors[0].extensions?.code ?? 'NO_CODE';
}

/** POSTs a raw body. */
export function rawPost(app: TestApp, body: string | Buffer, headers: Record<string, string> = {}) {
  return app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

export const json = (value: unknown) => JSON.stringify(value);
