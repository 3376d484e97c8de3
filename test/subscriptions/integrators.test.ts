import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKey } from '../integrators/keys';
import { publish } from '../support/content';
import { grantRole, signUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { connect, errorCodes, subscribe, subscriptionsOpen, waitFor, type Connection } from './support';

/**
 * The integrators' rules hold over WebSocket as over HTTP: TRUSTED_DOCUMENTS_MODE=enforce refuses documents
 * outside the manifest (except for admins and API keys), and an API key subscribes only with READ.
 */

const TRUSTED = 'subscription Published { articlePublished { kind article { slug } } }';
const OTHER = 'subscription { articlePublished { kind } }';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-ws-trusted-'));
const manifest = path.join(dir, 'manifest.json');
fs.writeFileSync(
  manifest,
  JSON.stringify({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: [
      {
        id: createHash('sha256').update(TRUSTED).digest('hex'),
        name: 'Published',
        type: 'subscription',
        body: TRUSTED,
      },
    ],
  }),
);

let app: TestApp;
const connections: Connection[] = [];
const open = (authorization?: string) => {
  const connection = connect(app, authorization ? { authorization } : {});
  connections.push(connection);
  return connection;
};

beforeAll(async () => {
  app = await createTestApp({
    listen: true,
    env: { TRUSTED_DOCUMENTS_FILE: manifest, TRUSTED_DOCUMENTS_MODE: 'enforce' },
  });
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.dispose()));
  await waitFor(() => app.server.realtime.connections === 0, 15_000, 'connections to close');
});
afterAll(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('when enforce is on, then an anonymous subscription outside the manifest is refused, and a trusted one runs', async () => {
  const connection = open();
  const refused = subscribe(connection, OTHER);
  await refused.completed;
  expect(errorCodes(refused)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
  const trusted = subscribe(connection, TRUSTED);
  await subscriptionsOpen(app, 1);
  const author = await signUp(app);
  const article = await publish(app, author);
  await waitFor(() => trusted.results.length === 1, 15_000, 'the event');
  expect(trusted.results[0]).toEqual({
    data: { articlePublished: { kind: 'PUBLISHED', article: { slug: article.slug } } },
  });
});

test('when enforce is on, then an admin and an API key may subscribe with any document', async () => {
  const admin = await signUp(app);
  await grantRole(app, admin.id, 'admin');
  const owner = await signUp(app);
  const key = await createKey(app, owner.token, ['READ']);
  const byAdmin = subscribe(open(`Token ${admin.token}`), OTHER);
  const byKey = subscribe(open(`Bearer ${key.secret}`), OTHER);
  await subscriptionsOpen(app, 2);
  await publish(app, owner);
  await waitFor(() => byAdmin.results.length === 1 && byKey.results.length === 1, 15_000, 'the events');
  expect(byAdmin.results[0]).toEqual({ data: { articlePublished: { kind: 'PUBLISHED' } } });
  expect(byKey.results[0]).toEqual({ data: { articlePublished: { kind: 'PUBLISHED' } } });
});

test('when an API key without READ subscribes, then FORBIDDEN names the READ scope', async () => {
  const owner = await signUp(app);
  const key = await createKey(app, owner.token, ['ARTICLES_WRITE']);
  const subscription = subscribe(open(`Bearer ${key.secret}`), OTHER);
  await subscription.completed;
  const errors = [
    ...subscription.results.flatMap((r) => r.errors ?? []),
    ...subscription.failed.flatMap((f) => (Array.isArray(f) ? f : [])),
  ] as { extensions?: Record<string, unknown> }[];
  expect(errors.map((e) => e.extensions)).toEqual([
    expect.objectContaining({ code: 'FORBIDDEN', requiredScope: 'READ' }),
  ]);
});
