import fs from 'node:fs';
import path from 'node:path';
import { signUp } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/harness';
import { parseMail, tokenOf } from '../support/mailbox';

/**
 * With no SMTP_URL, `npm start` still works end to end: each message is written to DATA_DIR/mail/ as the
 * mail server would have got it, and outside production its link is logged.
 */

const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(input: { email: $email }) { errors { path } } }`;
const RESET = `mutation($token: String!, $password: String!) {
  resetPassword(input: { token: $token, password: $password }) { errors { path } }
}`;

function mailFiles(app: TestApp): string[] {
  const directory = path.join(app.config.dataDir, 'mail');
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => path.join(directory, name));
}

const writtenLines = (app: TestApp) =>
  app.logs.filter((l) => l['msg'] === 'mail written to a file (no SMTP_URL)');

describe('in development', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  test('when a reset is asked for, then the message is an .eml file, its link is logged, and the link works', async () => {
    const alice = await signUp(app);
    expect((await app.execute(REQUEST_RESET, { variables: { email: alice.email } })).data).toEqual({
      requestPasswordReset: { errors: [] },
    });
    await app.deps.background.idle();

    const [file, ...more] = mailFiles(app);
    expect(more).toEqual([]);
    // Readable by its owner only: it holds a live link.
    expect(fs.statSync(file!).mode & 0o077).toBe(0);
    const mail = await parseMail(fs.readFileSync(file!));
    expect(mail.to).toBe(alice.email);
    expect(mail.from).toContain('no-reply@localhost');
    expect(mail.subject).toBe('Reset your Conduit password');
    expect(mail.link.startsWith(`${app.config.publicAppUrl}/reset-password#token=`)).toBe(true);

    expect(writtenLines(app)).toEqual([
      expect.objectContaining({ file, to: alice.email, link: mail.link, level: 30 }),
    ]);
    const reset = await app.execute(RESET, {
      variables: { token: tokenOf(mail.link), password: 'from the file' },
    });
    expect(reset.data.resetPassword.errors).toEqual([]);
  });
});

describe('in production', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ production: true });
  });
  afterAll(async () => {
    await app.close();
  });

  test('when there is no SMTP_URL, then a warning says so at start, and no link reaches the log', async () => {
    expect(app.logs).toContainEqual(
      expect.objectContaining({ msg: 'SMTP_URL is not set: account mail is written to files, not sent' }),
    );
    const alice = await signUp(app);
    await app.execute(REQUEST_RESET, { variables: { email: alice.email } });
    await app.deps.background.idle();
    const [file] = mailFiles(app);
    const mail = await parseMail(fs.readFileSync(file!));
    const lines = writtenLines(app);
    expect(lines).toHaveLength(1);
    expect(lines[0]!['link']).toBeUndefined();
    expect(JSON.stringify(app.logs)).not.toContain(tokenOf(mail.link));
  });
});
