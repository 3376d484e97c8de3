import { crc32 } from 'node:zlib';
import { authenticate, readAuthorization } from '../../src/auth/authenticate';
import { isWellFormedApiKeySecret, newApiKeySecret } from '../../src/auth/api-key-secret';
import { LAST_USED_RESOLUTION_MS } from '../../src/services/api-key-store';
import { ARTICLE_FIELDS, articleInput, codes, CREATE_ARTICLE } from '../support/content';
import { grantRole, signUp, VIEWER, type SignedUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { API_KEYS, bearer, CREATE_API_KEY, createKey, REVOKE_API_KEY } from './keys';

/**
 * API keys end to end: created and listed with a session, used as `Authorization: Bearer atr_…` to act as
 * their owner, refused like a bad token once revoked or expired, and never able to reach key or account
 * management.
 */

let app: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { API_KEYS_MAX_ACTIVE_PER_USER: '50' } });
  owner = await signUp(app);
});
afterAll(async () => {
  await app.close();
});

/** The viewer's user id as a key sees it, or null when the request ran as anonymous. */
async function viewerIdWith(secret: string): Promise<string | null> {
  const result = await app.execute(VIEWER, { header: bearer(secret) });
  expect(result.errors).toBeUndefined();
  return (result.data?.viewer?.user?.id as string | undefined) ?? null;
}

describe('the secret', () => {
  const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const base62 = (n: number, width: number) => {
    let out = '';
    for (let rest = n; rest > 0; rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62] + out;
    return out.padStart(width, '0');
  };

  test('when a secret is made, then it is atr_, 43 base62 characters (256 bits) and their CRC32 in 6 base62 characters', () => {
    const secrets = Array.from({ length: 50 }, () => newApiKeySecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^atr_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$/);
      const random = secret.slice(4, 47);
      expect(secret.slice(47)).toBe(base62(crc32(random), 6));
      expect(isWellFormedApiKeySecret(secret)).toBe(true);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  test('when a key is sent as a bearer token, then it is read as an API key, and access tokens still as tokens', () => {
    const secret = newApiKeySecret();
    expect(readAuthorization(`Bearer ${secret}`)).toEqual({ kind: 'apiKey', secret });
    expect(readAuthorization(`bearer  ${secret}`)).toEqual({ kind: 'apiKey', secret });
    expect(readAuthorization('Bearer atr_short')).toEqual({ kind: 'apiKey', secret: 'atr_short' });
    expect(readAuthorization('Token eyJhbGciOi.x.y')).toEqual({
      kind: 'accessToken',
      token: 'eyJhbGciOi.x.y',
    });
    expect(readAuthorization(`Bearer ${secret} extra`)).toEqual({ kind: 'unreadable' });
  });

  test('when one character of a secret changes, then its checksum no longer matches', () => {
    const secret = newApiKeySecret();
    const at = 10;
    const changed = secret.slice(0, at) + (secret[at] === 'a' ? 'b' : 'a') + secret.slice(at + 1);
    expect(isWellFormedApiKeySecret(changed)).toBe(false);
    expect(isWellFormedApiKeySecret(secret.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKeySecret(`${secret}0`)).toBe(false);
    expect(isWellFormedApiKeySecret(secret.replace('atr_', 'atx_'))).toBe(false);
  });

  test('when a malformed key is presented, then it is refused as TOKEN_INVALID without a database read', async () => {
    const secret = newApiKeySecret();
    const forged = `${secret.slice(0, -6)}${secret.slice(-6) === '000000' ? '000001' : '000000'}`;
    const result = await app.execute(VIEWER, { header: bearer(forged) });
    expect(result.data?.viewer).toBeNull();
    expect(result.extensions?.['authentication']).toEqual({ error: 'TOKEN_INVALID' });
    expect(result.commands.byTag['auth.apiKey'] ?? 0).toBe(0);
    expect(result.commands.wireTotal).toBe(0);
  });

  test('when a key is created, then only the SHA-256 hash of its secret is stored, and the prefix is its start', async () => {
    const key = await createKey(app, owner.token, ['READ']);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    expect(key.prefix).toMatch(/^atr_[0-9A-Za-z]{8}$/);
    const stored = await app.deps.models.ApiKey.findById(key.id).lean();
    const text = JSON.stringify(stored);
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(key.secret.slice(4, 47));
    const { createHash } = await import('node:crypto');
    expect(stored?.secretHash).toBe(createHash('sha256').update(key.secret).digest('base64url'));
    // Nor does the audit log hold it.
    const events = await app.deps.models.AuditEvent.find({ target: `apiKey:${key.id}` }).lean();
    expect(JSON.stringify(events)).not.toContain(key.secret);
  });
});

describe('lifecycle', () => {
  test('when a user creates a key, then it is listed without its secret, and the key acts as its owner', async () => {
    const result = await app.execute(CREATE_API_KEY, {
      as: owner.token,
      variables: {
        input: {
          name: '  CI publisher ',
          scopes: ['READ', 'ARTICLES_WRITE', 'READ'],
          clientMutationId: 'c1',
        },
      },
    });
    const payload = result.data?.createApiKey;
    expect(payload.errors).toEqual([]);
    expect(payload.clientMutationId).toBe('c1');
    expect(payload.apiKey).toMatchObject({
      name: 'CI publisher',
      scopes: ['READ', 'ARTICLES_WRITE'],
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const secret = payload.secret as string;

    const listed = await app.execute(API_KEYS, { as: owner.token });
    const mine = listed.data?.viewer.apiKeys.find((k: { id: string }) => k.id === payload.apiKey.id);
    expect(mine).toEqual(payload.apiKey);
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    expect(await viewerIdWith(secret)).toBe(owner.id);
    const published = await app.execute(CREATE_ARTICLE, {
      header: bearer(secret),
      variables: { input: articleInput() },
    });
    expect(published.errors).toBeUndefined();
    expect(published.data?.createArticle.article.author.id).toBe(owner.id);
    expect(published.data?.createArticle.article.viewerCanUpdate).toBe(true);
  });

  test('when a key is used, then lastUsedAt is written once, and not again within a minute', async () => {
    const key = await createKey(app, owner.token, ['READ']);
    const updates: string[] = [];
    const client = app.deps.db.connection.getClient();
    const watch = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'update' && event.command['comment'] === 'apiKeys.touch')
        updates.push('update');
    };
    client.on('commandStarted', watch);
    try {
      expect(await viewerIdWith(key.secret)).toBe(owner.id);
      await app.deps.background.idle();
      const first = (await app.deps.models.ApiKey.findById(key.id).lean())!.lastUsedAt;
      expect(first).toBeInstanceOf(Date);
      expect(updates).toHaveLength(1);

      // Within the minute: the read says it is not due, and nothing is written.
      for (let i = 0; i < 5; i += 1) expect(await viewerIdWith(key.secret)).toBe(owner.id);
      await app.deps.background.idle();
      expect(updates).toHaveLength(1);
      expect((await app.deps.models.ApiKey.findById(key.id).lean())!.lastUsedAt).toEqual(first);

      // A minute later (the stored time moved back rather than waiting): written again, once.
      const earlier = new Date(first!.getTime() - LAST_USED_RESOLUTION_MS - 1000);
      await app.deps.models.ApiKey.updateOne({ _id: key.id }, { $set: { lastUsedAt: earlier } });
      expect(await viewerIdWith(key.secret)).toBe(owner.id);
      await app.deps.background.idle();
      expect(updates).toHaveLength(2);
      const second = (await app.deps.models.ApiKey.findById(key.id).lean())!.lastUsedAt!;
      expect(second.getTime()).toBeGreaterThan(earlier.getTime());
    } finally {
      client.off('commandStarted', watch);
    }
    const listed = await app.execute(API_KEYS, { as: owner.token });
    const shown = listed.data?.viewer.apiKeys.find((k: { id: string }) => k.id === key.id);
    expect(shown.lastUsedAt).toEqual(expect.any(String));
  });

  test('when a key is used, then its request reads the key and its owner in one command', async () => {
    const key = await createKey(app, owner.token, ['READ']);
    const result = await app.execute('{ viewer { role } }', { header: bearer(key.secret) });
    expect(result.data?.viewer.role).toBe('user');
    expect(result.commands.byTag['auth.apiKey']).toBe(1);
    expect(result.commands.total).toBe(1);
  });

  test('when a key is revoked, then the next request with it runs anonymous with the bad-token signal over HTTP', async () => {
    const key = await createKey(app, owner.token, ['READ']);
    expect(await viewerIdWith(key.secret)).toBe(owner.id);
    const revoked = await app.execute(REVOKE_API_KEY, {
      as: owner.token,
      variables: { input: { id: key.id, clientMutationId: 'r1' } },
    });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data?.revokeApiKey).toEqual({
      apiKey: { id: key.id, revokedAt: expect.any(String) },
      clientMutationId: 'r1',
    });

    const res = await app.gql(VIEWER, { headers: { authorization: bearer(key.secret) } });
    expect(res.status).toBe(200);
    expect(res.json.data.viewer).toBeNull();
    expect(res.json.extensions.authentication).toEqual({ error: 'TOKEN_INVALID' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const acting = await app.gql(CREATE_ARTICLE, {
      headers: { authorization: bearer(key.secret) },
      variables: { input: articleInput() },
    });
    expect(acting.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    // Revoking again changes nothing and says when it was revoked.
    const again = await app.execute(REVOKE_API_KEY, {
      as: owner.token,
      variables: { input: { id: key.id } },
    });
    expect(again.data?.revokeApiKey.apiKey.revokedAt).toBe(revoked.data?.revokeApiKey.apiKey.revokedAt);
    const events = await app.deps.models.AuditEvent.find({ target: `apiKey:${key.id}` }).lean();
    expect(events.map((e) => e.action).sort()).toEqual(['API_KEY_CREATED', 'API_KEY_REVOKED']);
  });

  test('when a key expires, then it is refused as TOKEN_EXPIRED, over HTTP too', async () => {
    const key = await createKey(app, owner.token, ['READ'], { expiresInDays: 1 });
    const stored = (await app.deps.models.ApiKey.findById(key.id).lean())!;
    expect(stored.expiresAt!.getTime() - stored.createdAt.getTime()).toBe(24 * 3600 * 1000);

    // The clock a day and a second on: the same key, the same read, now expired.
    const credentials = readAuthorization(bearer(key.secret));
    const before = await authenticate(app.deps, credentials, new Date(stored.expiresAt!.getTime() - 1000));
    expect(before.viewer.kind).toBe('apiKey');
    const after = await authenticate(app.deps, credentials, new Date(stored.expiresAt!.getTime() + 1000));
    expect(after).toMatchObject({ viewer: { kind: 'anonymous' }, problem: 'TOKEN_EXPIRED' });

    // Through the server: a key whose expiry has passed.
    await app.deps.models.ApiKey.updateOne(
      { _id: key.id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const res = await app.gql(VIEWER, { headers: { authorization: bearer(key.secret) } });
    expect(res.json.data.viewer).toBeNull();
    expect(res.json.extensions.authentication).toEqual({ error: 'TOKEN_EXPIRED' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  test('when a key is revoked or has an expiry, then MongoDB deletes it 30 days after it ended, by a TTL index', async () => {
    const indexes = await app.deps.models.ApiKey.collection.indexes();
    expect(indexes.find((i) => i.key['purgeAt'] === 1)?.expireAfterSeconds).toBe(0);
    expect(indexes.find((i) => i.key['secretHash'] === 1)?.unique).toBe(true);
    const DAYS_30 = 30 * 24 * 3600 * 1000;
    const lasting = await createKey(app, owner.token, ['READ']);
    expect((await app.deps.models.ApiKey.findById(lasting.id).lean())!.purgeAt).toBeNull();
    const expiring = await createKey(app, owner.token, ['READ'], { expiresInDays: 7 });
    const stored = (await app.deps.models.ApiKey.findById(expiring.id).lean())!;
    expect(stored.purgeAt!.getTime() - stored.expiresAt!.getTime()).toBe(DAYS_30);
    await app.execute(REVOKE_API_KEY, { as: owner.token, variables: { input: { id: expiring.id } } });
    const revoked = (await app.deps.models.ApiKey.findById(expiring.id).lean())!;
    expect(revoked.purgeAt!.getTime() - revoked.revokedAt!.getTime()).toBe(DAYS_30);
  });

  test('when a user has more than 100 keys stored, then the newest 100 are listed', async () => {
    const user = await signUp(app);
    const base = Date.now() - 1_000_000;
    await app.deps.models.ApiKey.insertMany(
      Array.from({ length: 105 }, (_, i) => ({
        userId: user.id,
        name: `old ${i}`,
        prefix: 'atr_00000000',
        secretHash: `hash-${user.id}-${i}`,
        scopes: ['READ'],
        revokedAt: new Date(base + i),
        createdAt: new Date(base + i),
      })),
    );
    const listed = await app.execute(API_KEYS, { as: user.token });
    const names = listed.data?.viewer.apiKeys.map((k: { name: string }) => k.name);
    expect(names).toHaveLength(100);
    expect(names[0]).toBe('old 104');
    expect(names[99]).toBe('old 5');
  });

  test('when a well-formed key is unknown, then it is refused as TOKEN_INVALID', async () => {
    const result = await app.execute(VIEWER, { header: bearer(newApiKeySecret()) });
    expect(result.data?.viewer).toBeNull();
    expect(result.extensions?.['authentication']).toEqual({ error: 'TOKEN_INVALID' });
  });

  test('when the input is wrong, then errors name the field and no key is made', async () => {
    const before = await app.deps.models.ApiKey.countDocuments({});
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '   ', scopes: ['READ'] }, 'name'],
      [{ name: 'x'.repeat(101), scopes: ['READ'] }, 'name'],
      [{ name: 'bad\u200bname', scopes: ['READ'] }, 'name'],
      [{ name: 'ok', scopes: [] }, 'scopes'],
      [{ name: 'ok', scopes: ['READ'], expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'ok', scopes: ['READ'], expiresInDays: 3651 }, 'expiresInDays'],
    ];
    for (const [input, path] of cases) {
      const result = await app.execute(CREATE_API_KEY, { as: owner.token, variables: { input } });
      expect(result.errors).toBeUndefined();
      expect(result.data?.createApiKey).toMatchObject({ apiKey: null, secret: null });
      expect(result.data?.createApiKey.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
    expect(await app.deps.models.ApiKey.countDocuments({})).toBe(before);
  });

  test('when a user holds the most active keys allowed, then another is refused, also when asked for at once, until one is revoked', async () => {
    const limited = await createTestApp({ env: { API_KEYS_MAX_ACTIVE_PER_USER: '3' } });
    try {
      const user = await signUp(limited);
      // An expired key does not count.
      const old = await createKey(limited, user.token, ['READ'], { expiresInDays: 1 });
      await limited.deps.models.ApiKey.updateOne(
        { _id: old.id },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      );
      await createKey(limited, user.token, ['READ']);
      // Five at once for the two places left: the user's keys change one transaction at a time.
      const burst = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          limited.execute(CREATE_API_KEY, {
            as: user.token,
            variables: { input: { name: `k${i}`, scopes: ['READ'] } },
          }),
        ),
      );
      const created = burst.filter((r) => r.data?.createApiKey.secret);
      const refused = burst.filter((r) => r.data?.createApiKey.errors.length > 0);
      expect(created).toHaveLength(2);
      expect(refused).toHaveLength(3);
      for (const r of refused) expect(r.data?.createApiKey.errors[0].message).toMatch(/3 active API keys/);
      const active = { userId: user.id, revokedAt: null, expiresAt: null };
      expect(await limited.deps.models.ApiKey.countDocuments(active)).toBe(3);

      const first = created[0]!.data!.createApiKey.apiKey.id as string;
      await limited.execute(REVOKE_API_KEY, { as: user.token, variables: { input: { id: first } } });
      await createKey(limited, user.token, ['READ']);
    } finally {
      await limited.close();
    }
  });

  test("when a user revokes another user's key or an id that is no key, then NOT_FOUND and the key still works", async () => {
    const key = await createKey(app, owner.token, ['READ']);
    const other = await signUp(app);
    for (const id of [key.id, '0123456789abcdef01234567', 'nonsense']) {
      const result = await app.execute(REVOKE_API_KEY, { as: other.token, variables: { input: { id } } });
      expect(codes(result)).toEqual(['NOT_FOUND']);
    }
    expect(await viewerIdWith(key.secret)).toBe(owner.id);
    const listed = await app.execute(API_KEYS, { as: other.token });
    expect(listed.data?.viewer.apiKeys).toEqual([]);
  });

  test('when nobody is signed in, then creating, listing or revoking keys is UNAUTHENTICATED', async () => {
    const created = await app.execute(CREATE_API_KEY, {
      variables: { input: { name: 'x', scopes: ['READ'] } },
    });
    expect(codes(created)).toEqual(['UNAUTHENTICATED']);
    const revoked = await app.execute(REVOKE_API_KEY, {
      variables: { input: { id: '0123456789abcdef01234567' } },
    });
    expect(codes(revoked)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a key never reaches key or account management', () => {
  let secret: string;
  beforeAll(async () => {
    secret = (
      await createKey(app, owner.token, [
        'READ',
        'ARTICLES_WRITE',
        'COMMENTS_WRITE',
        'SOCIAL_WRITE',
        'WEBHOOKS_MANAGE',
      ])
    ).secret;
  });

  test('when a key with every scope lists, creates or revokes keys, then FORBIDDEN and nothing changes', async () => {
    const before = await app.deps.models.ApiKey.countDocuments({});
    const listed = await app.execute(API_KEYS, { header: bearer(secret) });
    expect(codes(listed)).toEqual(['FORBIDDEN']);
    const created = await app.execute(CREATE_API_KEY, {
      header: bearer(secret),
      variables: { input: { name: 'minted', scopes: ['READ'] } },
    });
    expect(codes(created)).toEqual(['FORBIDDEN']);
    expect(created.errors?.[0]?.extensions?.['requiredScope']).toBeUndefined();
    const target = await createKey(app, owner.token, ['READ']);
    const revoked = await app.execute(REVOKE_API_KEY, {
      header: bearer(secret),
      variables: { input: { id: target.id } },
    });
    expect(codes(revoked)).toEqual(['FORBIDDEN']);
    expect(await app.deps.models.ApiKey.countDocuments({})).toBe(before + 1);
    expect(await viewerIdWith(target.secret)).toBe(owner.id);
  });

  test('when a key with every scope changes the account or signs out, then FORBIDDEN and the account is unchanged', async () => {
    const updated = await app.execute(
      `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { username } errors { message } } }`,
      {
        header: bearer(secret),
        variables: {
          input: { username: 'takenover', email: 'takenover@example.com', password: 'new password 123' },
        },
      },
    );
    expect(codes(updated)).toEqual(['FORBIDDEN']);
    const signedOut = await app.execute(
      'mutation { signOut(input: { allSessions: true }) { endedSessionCount } }',
      { header: bearer(secret) },
    );
    expect(codes(signedOut)).toEqual(['FORBIDDEN']);
    const user = await app.deps.models.User.findById(owner.id).lean();
    expect(user?.username).toBe(owner.username);
    expect(await app.deps.models.Session.countDocuments({ userId: owner.id })).toBeGreaterThan(0);
  });
});

describe('the audit log', () => {
  test('when a key is created and revoked, then admins read both events, naming the key, the owner and the scopes, without the secret', async () => {
    const admin = await signUp(app);
    await grantRole(app, admin.id, 'admin');
    const user = await signUp(app);
    const key = await createKey(app, user.token, ['READ', 'SOCIAL_WRITE'], { name: 'private name' });
    await app.execute(REVOKE_API_KEY, { as: user.token, variables: { input: { id: key.id } } });
    const result = await app.execute(
      `query($actor: String) { auditEvents(first: 10, actor: $actor) { nodes { action target detail actor { id } requestId } } }`,
      { as: admin.token, variables: { actor: user.username } },
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.auditEvents.nodes as Record<string, any>[];
    const ofKey = nodes.filter((n) => n['target'] === `apiKey:${key.id}`);
    expect(ofKey.map((n) => n['action'])).toEqual(['API_KEY_REVOKED', 'API_KEY_CREATED']);
    for (const event of ofKey) {
      expect(event['actor']).toEqual({ id: user.id });
      expect(event['requestId']).toEqual(expect.any(String));
    }
    expect(ofKey[1]!['detail']).toBe('scopes READ,SOCIAL_WRITE');
    // The name is the user's input, and the secret is a secret: neither is in the log.
    const stored = JSON.stringify(
      await app.deps.models.AuditEvent.find({ target: `apiKey:${key.id}` }).lean(),
    );
    expect(stored).not.toContain(key.secret);
    expect(stored).not.toContain('private name');
  });

  test('when a key cannot be created (too many), then no event is written', async () => {
    const limited = await createTestApp({ env: { API_KEYS_MAX_ACTIVE_PER_USER: '1' } });
    try {
      const user = await signUp(limited);
      await createKey(limited, user.token, ['READ']);
      const refused = await limited.execute(CREATE_API_KEY, {
        as: user.token,
        variables: { input: { name: 'second', scopes: ['READ'] } },
      });
      expect(refused.data?.createApiKey.errors).toHaveLength(1);
      expect(await limited.deps.models.AuditEvent.countDocuments({ action: 'API_KEY_CREATED' })).toBe(1);
      expect(await limited.deps.models.ApiKey.countDocuments({})).toBe(1);
    } finally {
      await limited.close();
    }
  });
});

describe('revocation across instances', () => {
  test('when one instance revokes a key, then another instance on the same database refuses it at once', async () => {
    // A second instance over the same database: another process would share nothing but MongoDB either.
    const { openDatabase } = await import('../../src/db');
    const { createDeps } = await import('../../src/deps');
    const { createServer } = await import('../../src/server');
    const { createContext } = await import('../../src/context');
    const { mongoUri } = await import('../support/harness');
    const db = await openDatabase(mongoUri(), app.deps.db.connection.name, { maxTimeMS: 10_000 });
    try {
      const deps = await createDeps(app.config, app.deps.logger, db);
      const server = await createServer(deps);
      const viaSecond = async (secret: string) => {
        const response = await server.apollo.executeOperation(
          { query: VIEWER },
          {
            contextValue: await createContext(deps, {
              authorization: bearer(secret),
              clientAddress: '127.0.0.1',
            }),
          },
        );
        if (response.body.kind !== 'single') throw new Error('single result expected');
        return response.body.singleResult;
      };
      const key = await createKey(app, owner.token, ['READ']);
      expect(((await viaSecond(key.secret)).data as any)?.viewer.user.id).toBe(owner.id);

      await app.execute(REVOKE_API_KEY, { as: owner.token, variables: { input: { id: key.id } } });
      const after = await viaSecond(key.secret);
      expect((after.data as any)?.viewer).toBeNull();
      expect(after.extensions?.['authentication']).toEqual({ error: 'TOKEN_INVALID' });
      await server.stop();
      await deps.background.idle();
    } finally {
      await db.close();
    }
  });
});

describe('articles written with a key', () => {
  test('when a key publishes, then the article is its owner’s and the owner may edit it with a session', async () => {
    const key = await createKey(app, owner.token, ['ARTICLES_WRITE']);
    const published = await app.execute(CREATE_ARTICLE, {
      header: bearer(key.secret),
      variables: { input: articleInput() },
    });
    const article = published.data?.createArticle.article;
    const read = await app.execute(`query($slug: String!) { article(slug: $slug) { ${ARTICLE_FIELDS} } }`, {
      as: owner.token,
      variables: { slug: article.slug },
    });
    expect(read.data?.article).toMatchObject({
      id: article.id,
      viewerCanUpdate: true,
      author: { id: owner.id },
    });
  });

  test("when a moderator's key with ARTICLES_WRITE deletes another's article, then it may, as its owner may; a user's key may not", async () => {
    const moderator = await signUp(app);
    await grantRole(app, moderator.id, 'moderator');
    const author = await signUp(app);
    const DELETE = 'mutation($id: ID!) { deleteArticle(input: { id: $id }) { article { id } } }';
    const { publish } = await import('../support/content');
    const article = await publish(app, author);

    const userKey = await createKey(app, owner.token, ['ARTICLES_WRITE']);
    const refused = await app.execute(DELETE, {
      header: bearer(userKey.secret),
      variables: { id: article.id },
    });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0]?.extensions?.['requiredScope']).toBeUndefined();

    const moderatorKey = await createKey(app, moderator.token, ['ARTICLES_WRITE']);
    const deleted = await app.execute(DELETE, {
      header: bearer(moderatorKey.secret),
      variables: { id: article.id },
    });
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.deleteArticle.article.id).toBe(article.id);
    const events = await app.deps.models.AuditEvent.find({ target: `article:${article.id}` }).lean();
    expect(events.map((e) => [e.action, e.actorId?.toHexString()])).toEqual([
      ['ARTICLE_DELETED_BY_MODERATOR', moderator.id],
    ]);
  });
});
