import { Types } from 'mongoose';
import { byIdLoader, byUniqueKeyLoader, countByLoader, pairExistsLoader } from '../../src/loaders';
import { RequestDiagnostics, runWithDiagnostics } from '../../src/observability/diagnostics';
import { toUserRecord, USER_RECORD_FIELDS, type UserDocLike } from '../../src/services/records';
import { identityKey } from '../../src/services/text';
import { signUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';

/**
 * The loaders read through the driver, without mongoose's casting and sanitizeFilter: what reaches a filter
 * is checked by the loaders themselves. An operator object given as a key names no document and is never
 * sent; the keys beside it are still answered, and the commands are counted for the request.
 */

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const OPERATORS: unknown[] = [{ $ne: null }, { $gt: '' }, { $regex: '.*' }, { $where: 'true' }, ['x'], 1];

/** Runs `work` as a request would, and returns what it answered, the filters sent and Atrium's count. */
async function sent<T>(work: () => Promise<T>) {
  const filters: unknown[] = [];
  const client = app.deps.db.connection.getClient();
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName === 'find') filters.push(event.command['filter']);
    if (event.commandName === 'aggregate') filters.push(event.command['pipeline']);
  };
  client.on('commandStarted', listener);
  const diagnostics = new RequestDiagnostics();
  try {
    const answer = await runWithDiagnostics(diagnostics, work);
    return { answer, filters, counted: diagnostics.snapshot() };
  } finally {
    client.off('commandStarted', listener);
  }
}

/** Every value inside the filters, operators' own arguments included, that is not a string or an ObjectId. */
function unexpectedValues(filters: unknown[]): unknown[] {
  const found: unknown[] = [];
  const walk = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string' || value instanceof Types.ObjectId) return;
    if (Array.isArray(value)) return value.forEach((item) => walk(item, key));
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        // Pipeline stages and the `$in` operator are the loaders' own; what they hold is checked.
        if (k.startsWith('$') && !['$match', '$in', '$group', '$sum', '$push'].includes(k)) found.push(k);
        if (k === '$sum' || k === '$group') continue;
        walk(v, k);
      }
      return;
    }
    found.push(value);
  };
  walk(filters, undefined);
  return found;
}

test('when a username key is an operator object, then it finds nothing and no operator reaches the filter', async () => {
  const user = await signUp(app);
  const { User } = app.deps.models;
  const loader = byUniqueKeyLoader(
    User,
    'usernameKey',
    (doc: UserDocLike & { usernameKey: string }) => doc.usernameKey,
    toUserRecord,
    'users.byUsername',
    { projection: USER_RECORD_FIELDS },
  );
  const key = identityKey(user.username);
  const { answer, filters, counted } = await sent(() =>
    Promise.all([key, ...OPERATORS].map((k) => loader.load(k as string))),
  );
  expect(answer[0]?.username).toBe(user.username);
  expect(answer.slice(1)).toEqual(OPERATORS.map(() => null));
  expect(filters).toEqual([{ usernameKey: { $in: [key] } }]);
  expect(counted).toEqual({
    mongoCommands: 1,
    mongoMs: expect.any(Number),
    byTag: { 'users.byUsername': 1 },
  });
});

test('when ids are operator objects or malformed, then they find nothing and are not sent', async () => {
  const user = await signUp(app);
  const { User, Article, Follow } = app.deps.models;
  const bad = [...OPERATORS, 'not-an-id', `${user.id}0`];
  const byId = byIdLoader(User, toUserRecord, 'users.byId', USER_RECORD_FIELDS);
  const counts = countByLoader(Article, 'authorId', 'articles.countByAuthor');
  const follows = pairExistsLoader(Follow, 'followerId', user.id, 'followeeId', 'follows.byViewer');
  const { answer, filters, counted } = await sent(() =>
    Promise.all([
      Promise.all([user.id, ...bad].map((id) => byId.load(id as string))),
      Promise.all([user.id, ...bad].map((id) => counts.load(id as string))),
      Promise.all([user.id, ...bad].map((id) => follows.load(id as string))),
    ]),
  );
  const [users, articleCounts, followed] = answer;
  expect(users[0]?.id).toBe(user.id);
  expect(users.slice(1)).toEqual(bad.map(() => null));
  expect(articleCounts).toEqual([0, ...bad.map(() => 0)]);
  expect(followed).toEqual([false, ...bad.map(() => false)]);
  expect(filters).toHaveLength(3);
  expect(unexpectedValues(filters)).toEqual([]);
  expect(JSON.stringify(filters)).not.toContain('not-an-id');
  expect(counted.mongoCommands).toBe(3);
});

test('when every key is refused, then no command is sent at all', async () => {
  const { User } = app.deps.models;
  const byId = byIdLoader(User, toUserRecord, 'users.byId', USER_RECORD_FIELDS);
  const { answer, filters, counted } = await sent(() =>
    Promise.all(OPERATORS.map((id) => byId.load(id as string))),
  );
  expect(answer).toEqual(OPERATORS.map(() => null));
  expect(filters).toEqual([]);
  expect(counted.mongoCommands).toBe(0);
});

test('when the fixed id of a pair loader is not an id, then it is refused before any read', () => {
  const { Follow } = app.deps.models;
  expect(() =>
    pairExistsLoader(Follow, 'followerId', { $ne: null } as never, 'followeeId', 'follows.byViewer'),
  ).toThrow('is not an id');
});
