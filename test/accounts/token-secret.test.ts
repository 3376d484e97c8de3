import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveTokenSecret } from '../../src/auth/secret';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';

const logger = createLogger({ logLevel: 'silent' });
let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'atrium-secret-'));
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

function devConfig() {
  return loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir });
}

test('when no secret is configured in development, then one is generated, kept private and reused', async () => {
  const first = await resolveTokenSecret(devConfig(), logger);
  expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
  const stat = await fs.stat(path.join(dataDir, 'token-secret'));
  expect(stat.mode & 0o777).toBe(0o600);

  expect(await resolveTokenSecret(devConfig(), logger)).toBe(first);
  // Nothing but the secret is left behind.
  expect(await fs.readdir(dataDir)).toEqual(['token-secret']);
});

test('when several processes start at once, then they all end up with the same secret', async () => {
  const secrets = await Promise.all(Array.from({ length: 8 }, () => resolveTokenSecret(devConfig(), logger)));
  expect(new Set(secrets).size).toBe(1);
  expect(await fs.readFile(path.join(dataDir, 'token-secret'), 'utf8')).toBe(secrets[0]);
});

test('when the kept secret file is empty or short, then it is refused, not used as a key', async () => {
  for (const content of ['', 'short\n']) {
    await fs.writeFile(path.join(dataDir, 'token-secret'), content);
    await expect(resolveTokenSecret(devConfig(), logger)).rejects.toThrow(/no usable token secret/);
  }
});

test('when a secret is configured, then it is used and no file is written', async () => {
  const secret = 'V3ry-r4nd0m+bytes/f0r=the&test_only~9876543210ABCDEFGH';
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, TOKEN_SECRET: secret });
  expect(await resolveTokenSecret(config, logger)).toBe(secret);
  expect(await fs.readdir(dataDir)).toEqual([]);
});
