import { decodeJwt } from 'jose';
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

  test('when a spent refresh token is presented, then it is refused and its whole family is revoked', async () => {
    const alice = await signUp(app);
    const rotated = (await refreshSession(app, alice.refreshToken)).data.refreshSession;

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
    expectRefused(await refreshSession(app, alice.refreshToken));

    expect(await viewerIdOf(app, laptop.token)).toBe(alice.id);
    expect((await refreshSession(app, laptop.refreshToken)).data.refreshSession.errors).toEqual([]);
  });

  test('when two refreshes race with one token, then exactly one succeeds', async () => {
    const alice = await signUp(app);
    const results = await Promise.all([
      refreshSession(app, alice.refreshToken),
      refreshSession(app, alice.refreshToken),
    ]);

    const succeeded = results.filter((r) => r.data?.refreshSession?.token);
    const refused = results.filter((r) => r.errors);
    expect(succeeded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expectRefused(refused[0]!);
    // The loser presented a token that was already spent: that is reuse, so the family is revoked.
    expectRefused(await refreshSession(app, succeeded[0]!.data.refreshSession.refreshToken));
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
    const stored = JSON.stringify(await app.deps.models.Session.findById(sessionIdOf(alice.token)).lean());
    expect(stored).not.toContain(alice.refreshToken);
    expect(stored).not.toContain(rotated.refreshToken);
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
