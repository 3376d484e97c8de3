import { newApiKeySecret } from '../../src/auth/api-key-secret';
import { signUp, VIEWER } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { parsePrometheusText, sampleValue } from '../support/prometheus';
import { bearer, createKey, REVOKE_API_KEY } from './keys';

/** atrium_api_key_authentications_total counts each request that presents an API key, by outcome. */

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { METRICS_PORT: '0' }, listen: true });
});
afterAll(async () => {
  await app.close();
});

async function outcomes(): Promise<Record<string, number>> {
  const response = await fetch(`${app.metricsUrl}/metrics`);
  const families = parsePrometheusText(await response.text());
  const counts: Record<string, number> = {};
  for (const outcome of ['ok', 'malformed', 'unknown', 'expired', 'revoked']) {
    counts[outcome] = sampleValue(families, 'atrium_api_key_authentications_total', { outcome });
  }
  return counts;
}

test('when keys are presented over HTTP, then each outcome is counted once per request, and the series exist from the start', async () => {
  const start = await outcomes();
  expect(Object.keys(start)).toHaveLength(5);
  const owner = await signUp(app);
  const good = await createKey(app, owner.token, ['READ']);
  const expired = await createKey(app, owner.token, ['READ'], { expiresInDays: 1 });
  await app.deps.models.ApiKey.updateOne(
    { _id: expired.id },
    { $set: { expiresAt: new Date(Date.now() - 1000) } },
  );
  const revoked = await createKey(app, owner.token, ['READ']);
  await app.execute(REVOKE_API_KEY, { as: owner.token, variables: { input: { id: revoked.id } } });

  const send = (secret: string) => app.gql(VIEWER, { headers: { authorization: bearer(secret) } });
  await send(good.secret);
  await send(good.secret);
  await send(`${good.secret.slice(0, -1)}${good.secret.endsWith('0') ? '1' : '0'}`);
  await send(newApiKeySecret());
  await send(expired.secret);
  await send(revoked.secret);
  // A session's token is not an API key: not counted.
  await app.gql(VIEWER, { as: owner.token });

  // The edge counts a request when its response is handed over; wait for the last ones to land.
  const wanted = { ok: 2, malformed: 1, unknown: 1, expired: 1, revoked: 1 };
  let now = await outcomes();
  for (let i = 0; i < 50 && Object.entries(wanted).some(([k, n]) => now[k]! - start[k]! < n); i += 1) {
    await new Promise((r) => setTimeout(r, 20));
    now = await outcomes();
  }
  const delta = Object.fromEntries(Object.keys(wanted).map((k) => [k, now[k]! - start[k]!]));
  expect(delta).toEqual(wanted);
});
