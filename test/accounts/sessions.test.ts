import { decodeJwt } from 'jose';
import { ANONYMOUS } from '../../src/auth/viewer';
import { UnauthenticatedError } from '../../src/errors';
import { createServices } from '../../src/services';
import { createTestApp, type TestApp } from '../support/harness';
import { newSession, refreshSession, SIGN_OUT, signUp, viewerIdOf } from '../support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

function expectRefused(result: Awaited<ReturnType<typeof refreshSession>>) {
  expect(result.data).toBeNull();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions?.['code']).toBe('UNAUTHENTICATED');
}

function signOut(token: string, input: { allSessions?: boolean } = {}) {
  return app.execute(SIGN_OUT, { as: token, variables: { input } });
}

function sessionIdOf(token: string): string {
  return decodeJwt(token)['sid'] as string;
}

const graceMs = () => app.config.refreshReuseGraceSeconds * 1000;

/** Moves a session's latest rotation back past the reuse grace period, as the passing of time would. */
async function outOfGrace(accessToken: string) {
  await app.deps.models.Session.updateOne(
    { _id: sessionIdOf(accessToken) },
    { $set: { rotatedAt: new Date(Date.now() - graceMs() - 1000) } },
  );
}

/** The session service of a fresh request, for calls that take the time as an argument. */
function sessions() {
  return createServices(app.deps, ANONYMOUS, { clientAddress: '127.0.0.1' }).sessions;
}

describe('refreshSession', () => {
  test('when a refresh token is used, then new tokens for the same session come back and work', async () => {
    const alice = await signUp(app);
    const result = await refreshSession(app, alice.refreshToken);

    expect(result.errors).toBeUndefined();
    const payload = result.data.refreshSession;
    expect(payload.errors).toEqual([]);
    expect(payload.viewer.user).toEqual({ id: alice.id, username: alice.username });
    expect(payload.refreshToken).not.toBe(alice.refreshToken);
    expect(sessionIdOf(payload.token)).toBe(sessionIdOf(alice.token));
    expect(new Date(payload.tokenExpiresAt).getTime()).toBe(decodeJwt(payload.token).exp! * 1000);
    expect(await viewerIdOf(app, payload.token)).toBe(alice.id);
    // Rotation keeps the session, so the earlier access token still works until it expires.
    expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
  });

  test('when the rotated refresh token is used again, then it works: rotation is a chain', async () => {
    const alice = await signUp(app);
    const first = (await refreshSession(app, alice.refreshToken)).data.refreshSession;
    const second = await refreshSession(app, first.refreshToken);
    expect(second.data.refreshSession.errors).toEqual([]);
    expect(await viewerIdOf(app, second.data.refreshSession.token)).toBe(alice.id);
  });

  test('when a spent refresh token is presented after the grace period, then it is refused and its whole family is revoked', async () => {
    const alice = await signUp(app);
    const rotated = (await refreshSession(app, alice.refreshToken)).data.refreshSession;
    await outOfGrace(alice.token);

    expectRefused(await refreshSession(app, alice.refreshToken));

    // The newest tokens of the family stop working too.
    expectRefused(await refreshSession(app, rotated.refreshToken));
    const viewer = await app.execute('{ viewer { user { id } } }', { as: rotated.token });
    expect(viewer.data).toEqual({ viewer: null });
    expect(viewer.extensions?.['authentication']).toEqual({ error: 'SESSION_ENDED' });
    expect(await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean()).toBeNull();
  });

  test("when a family is revoked, then the user's other sessions keep working", async () => {
    const alice = await signUp(app);
    const laptop = await newSession(app, alice);
    await refreshSession(app, alice.refreshToken);
    await outOfGrace(alice.token);
    expectRefused(await refreshSession(app, alice.refreshToken));

    expect(await viewerIdOf(app, laptop.token)).toBe(alice.id);
    expect((await refreshSession(app, laptop.refreshToken)).data.refreshSession.errors).toEqual([]);
  });

  test('when a spent refresh token is presented again within the grace period, then the same successor comes back for the same session', async () => {
    const alice = await signUp(app);
    const first = (await refreshSession(app, alice.refreshToken)).data.refreshSession;
    const again = await refreshSession(app, alice.refreshToken);

    expect(again.errors).toBeUndefined();
    const second = again.data.refreshSession;
    expect(second.errors).toEqual([]);
    expect(second.refreshToken).toBe(first.refreshToken);
    expect(sessionIdOf(second.token)).toBe(sessionIdOf(alice.token));
    expect(await viewerIdOf(app, second.token)).toBe(alice.id);
    expect(await viewerIdOf(app, first.token)).toBe(alice.id);
    expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(1);
    // The successor rotates as usual: the chain goes on.
    const third = (await refreshSession(app, first.refreshToken)).data.refreshSession;
    expect(third.errors).toEqual([]);
    expect(third.refreshToken).not.toBe(first.refreshToken);
    expect(await viewerIdOf(app, third.token)).toBe(alice.id);
  });

  test('when a spent token comes back just inside the grace period, then the same pair; at its end, the family is revoked', async () => {
    const alice = await signUp(app);
    const rotatedAt = new Date();
    const first = await sessions().refresh(alice.refreshToken, rotatedAt);

    const inside = await sessions().refresh(
      alice.refreshToken,
      new Date(rotatedAt.getTime() + graceMs() - 1),
    );
    expect(inside.refreshToken).toBe(first.refreshToken);
    expect(sessionIdOf(inside.token)).toBe(sessionIdOf(alice.token));
    expect(inside.user.id).toBe(alice.id);

    await expect(
      sessions().refresh(alice.refreshToken, new Date(rotatedAt.getTime() + graceMs())),
    ).rejects.toThrow(UnauthenticatedError);
    expect(await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean()).toBeNull();
    expectRefused(await refreshSession(app, first.refreshToken));
  });

  test('when the successor was itself rotated already, then presenting the older token within the grace period is reuse', async () => {
    const alice = await signUp(app);
    const now = Date.now();
    const first = await sessions().refresh(alice.refreshToken, new Date(now));
    await sessions().refresh(first.refreshToken, new Date(now + 1000));

    await expect(sessions().refresh(alice.refreshToken, new Date(now + 2000))).rejects.toThrow(
      UnauthenticatedError,
    );
    expect(await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean()).toBeNull();
  });

  test('when the grace period is 0, then a spent token is reuse at once', async () => {
    const alice = await signUp(app);
    const deps = { ...app.deps, config: { ...app.config, refreshReuseGraceSeconds: 0 } };
    const noGrace = () => createServices(deps, ANONYMOUS, { clientAddress: '127.0.0.1' }).sessions;
    const now = Date.now();
    await noGrace().refresh(alice.refreshToken, new Date(now));
    await expect(noGrace().refresh(alice.refreshToken, new Date(now))).rejects.toThrow(UnauthenticatedError);
    expect(await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean()).toBeNull();
  });

  test('when two tabs refresh with one token at the same moment, then both get the same pair and the session stays one', async () => {
    const alice = await signUp(app);
    const results = await Promise.all([
      refreshSession(app, alice.refreshToken),
      refreshSession(app, alice.refreshToken),
    ]);

    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data.refreshSession.errors).toEqual([]);
    }
    const [a, b] = results.map((r) => r.data.refreshSession);
    expect(a.refreshToken).toBe(b.refreshToken);
    expect(sessionIdOf(a.token)).toBe(sessionIdOf(alice.token));
    expect(sessionIdOf(b.token)).toBe(sessionIdOf(alice.token));
    expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(1);
    expect(await viewerIdOf(app, a.token)).toBe(alice.id);
    expect(await viewerIdOf(app, b.token)).toBe(alice.id);
    // The one successor works for whichever tab refreshes next.
    expect((await refreshSession(app, a.refreshToken)).data.refreshSession.errors).toEqual([]);
  });

  test('when the session has expired but is not swept yet, then its refresh token is refused', async () => {
    const alice = await signUp(app);
    await app.deps.models.Session.updateOne(
      { _id: sessionIdOf(alice.token) },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    expectRefused(await refreshSession(app, alice.refreshToken));
    expect(await viewerIdOf(app, alice.token)).toBeNull();
  });

  test('when a refresh extends a session, then its expiry moves forward', async () => {
    const alice = await signUp(app);
    const soon = new Date(Date.now() + 60_000);
    await app.deps.models.Session.updateOne({ _id: sessionIdOf(alice.token) }, { $set: { expiresAt: soon } });
    await refreshSession(app, alice.refreshToken);
    const session = await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean();
    expect(session!.expiresAt.getTime()).toBeGreaterThan(soon.getTime());
  });

  test('when the refresh token is unknown or garbage, then it is refused and nothing else happens', async () => {
    const alice = await signUp(app);
    for (const token of ['', 'garbage', alice.token, `${alice.refreshToken}x`]) {
      expectRefused(await refreshSession(app, token));
    }
    expect(await viewerIdOf(app, alice.token)).toBe(alice.id);
  });

  test('when a session is stored, then it holds only hashes of its refresh tokens', async () => {
    const alice = await signUp(app);
    const rotated = (await refreshSession(app, alice.refreshToken)).data.refreshSession;
    const again = (await refreshSession(app, rotated.refreshToken)).data.refreshSession;
    const stored = await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean();
    const text = JSON.stringify(stored);
    for (const token of [alice.refreshToken, rotated.refreshToken, again.refreshToken]) {
      expect(text).not.toContain(token);
    }
    // What is kept of the tokens, the spent ones included, are their 43-character hashes.
    const kept = [stored!.refreshHash, stored!.previousRefreshHash, ...stored!.spentRefreshHashes];
    expect(kept).toHaveLength(4);
    for (const value of kept) expect(value).toMatch(/^[\w-]{43}$/);
  });
});

describe('signOut', () => {
  test('when a user signs out, then that session ends and their other sessions go on', async () => {
    const alice = await signUp(app);
    const phone = await newSession(app, alice);

    const result = await signOut(alice.token, {});
    expect(result.errors).toBeUndefined();
    expect(result.data.signOut).toEqual({ endedSessionCount: 1, clientMutationId: null });

    expect(await viewerIdOf(app, alice.token)).toBeNull();
    expectRefused(await refreshSession(app, alice.refreshToken));
    expect(await viewerIdOf(app, phone.token)).toBe(alice.id);
  });

  test("when a user signs out of all sessions, then every one of theirs ends and no one else's", async () => {
    const alice = await signUp(app);
    const phone = await newSession(app, alice);
    const bob = await signUp(app);

    const result = await signOut(alice.token, { allSessions: true });
    expect(result.data.signOut.endedSessionCount).toBe(2);

    for (const session of [alice, phone]) {
      expect(await viewerIdOf(app, session.token)).toBeNull();
      expectRefused(await refreshSession(app, session.refreshToken));
    }
    expect(await app.deps.models.Session.countDocuments({ userId: alice.id })).toBe(0);
    expect(await viewerIdOf(app, bob.token)).toBe(bob.id);
  });

  test('when an anonymous caller signs out, then it is UNAUTHENTICATED', async () => {
    const result = await app.execute(SIGN_OUT, { variables: { input: { allSessions: true } } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  test('when signOut gets a clientMutationId, then it echoes it', async () => {
    const alice = await signUp(app);
    const result = await app.execute(SIGN_OUT, {
      as: alice.token,
      variables: { input: { clientMutationId: 'bye' } },
    });
    expect(result.data.signOut.clientMutationId).toBe('bye');
  });
});
