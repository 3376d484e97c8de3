import { auditServer } from 'graphql-http';
import { createTestApp, type TestApp } from '../support/harness';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ listen: true });
});
afterAll(async () => {
  await app.close();
});

test('when graphql-http audits the server, then every MUST passes', async () => {
  const results = await auditServer({ url: `${app.url}/graphql` });
  const failedMusts = results.filter((r) => r.status !== 'ok' && r.name.startsWith('MUST'));
  expect(failedMusts.map((r) => `${r.name}: ${r.status !== 'ok' ? r.reason : ''}`)).toEqual([]);
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const r of results) counts[r.status] += 1;
  // Printed for the record of what the SHOULDs and MAYs say.
  console.log(`graphql-http audit: ${JSON.stringify(counts)}`);
  for (const r of results.filter((x) => x.status !== 'ok')) console.log(`${r.status} ${r.name}: ${r.reason}`);
});
