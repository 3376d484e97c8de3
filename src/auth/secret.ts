import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MIN_SECRET_BYTES, type Config } from '../config';
import type { Logger } from '../observability/logger';

/**
 * The configured TOKEN_SECRET, or outside production one generated on first start and kept in DATA_DIR, so
 * that tokens survive a restart of a development server.
 */
export async function resolveTokenSecret(config: Config, logger: Logger): Promise<string> {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.isProduction) throw new Error('TOKEN_SECRET is required in production');
  const file = path.join(config.dataDir, 'token-secret');
  const existing = await readSecret(file);
  if (existing !== undefined) return existing;

  await fs.mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64');
  // Written whole under a temporary name, then linked into place: the file appears with its content or not
  // at all, so a crash or a second process starting at the same moment never leaves an empty secret behind.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(temporary, secret, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(temporary, file);
  } catch (error) {
    // Another process linked its secret first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readSecret(file))!;
    throw error;
  } finally {
    await fs.unlink(temporary);
  }
  logger.info({ file }, 'generated a development token secret');
  return secret;
}

/**
 * The secret kept in `file`, or undefined when there is none. A short one is refused rather than used: a
 * truncated file would otherwise sign tokens with a key anyone can guess.
 */
async function readSecret(file: string): Promise<string | undefined> {
  let secret: string;
  try {
    secret = (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new Error(
      `${file} holds no usable token secret (fewer than ${MIN_SECRET_BYTES} bytes); delete it to have a new one generated`,
    );
  }
  return secret;
}
