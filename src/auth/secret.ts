import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';

/**
 * The configured TOKEN_SECRET, or outside production one generated on first start and kept in DATA_DIR, so
 * that tokens survive a restart of a development server.
 */
export async function resolveTokenSecret(config: Config, logger: Logger): Promise<string> {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.isProduction) throw new Error('TOKEN_SECRET is required in production');
  const file = path.join(config.dataDir, 'token-secret');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64');
  try {
    await fs.writeFile(file, secret, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw error;
  }
  logger.info({ file }, 'generated a development token secret');
  return secret;
}
