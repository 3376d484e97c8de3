import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ENCRYPTION_KEY_BYTES, MIN_SECRET_BYTES, type Config } from '../config';
import type { Logger } from '../observability/logger';

/**
 * The configured TOKEN_SECRET, or outside production one generated on first start and kept in DATA_DIR, so
 * that tokens survive a restart of a development server.
 */
export async function resolveTokenSecret(config: Config, logger: Logger): Promise<string> {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.isProduction) throw new Error('TOKEN_SECRET is required in production');
  return developmentSecret(config, logger, {
    name: 'token-secret',
    what: 'token secret',
    generate: () => randomBytes(48).toString('base64'),
    problem: (secret) =>
      Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES
        ? `fewer than ${MIN_SECRET_BYTES} bytes`
        : undefined,
  });
}

/**
 * The configured DATA_ENCRYPTION_KEY (its keys, the first one encrypting), or outside production one key
 * generated on first start and kept in DATA_DIR, so that what it encrypted can be read after a restart.
 */
export async function resolveDataEncryptionKeys(config: Config, logger: Logger): Promise<readonly Buffer[]> {
  if (config.dataEncryptionKeys) return config.dataEncryptionKeys;
  if (config.isProduction) throw new Error('DATA_ENCRYPTION_KEY is required in production');
  const key = await developmentSecret(config, logger, {
    name: 'data-encryption-key',
    what: 'data encryption key',
    generate: () => randomBytes(ENCRYPTION_KEY_BYTES).toString('base64'),
    problem: (text) =>
      Buffer.from(text, 'base64').length !== ENCRYPTION_KEY_BYTES
        ? `not ${ENCRYPTION_KEY_BYTES} bytes in base64`
        : undefined,
  });
  return [Buffer.from(key, 'base64')];
}

interface GeneratedSecret {
  /** The file's name in DATA_DIR. */
  readonly name: string;
  /** For people, in the log line and errors. */
  readonly what: string;
  readonly generate: () => string;
  /** Why a stored value cannot be used, or undefined when it can. */
  readonly problem: (secret: string) => string | undefined;
}

/** The secret kept in DATA_DIR under `spec.name`, generated and stored there on first use. */
async function developmentSecret(config: Config, logger: Logger, spec: GeneratedSecret): Promise<string> {
  const file = path.join(config.dataDir, spec.name);
  const existing = await readSecret(file, spec);
  if (existing !== undefined) return existing;

  await fs.mkdir(config.dataDir, { recursive: true });
  const secret = spec.generate();
  // Written whole under a temporary name, then linked into place: the file appears with its content or not
  // at all, so a crash or a second process starting at the same moment never leaves an empty secret behind.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(temporary, secret, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(temporary, file);
  } catch (error) {
    // Another process linked its secret first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readSecret(file, spec))!;
    throw error;
  } finally {
    await fs.unlink(temporary);
  }
  logger.info({ file }, `generated a development ${spec.what}`);
  return secret;
}

/**
 * The secret kept in `file`, or undefined when there is none. An unusable one is refused rather than used: a
 * truncated file would otherwise sign tokens with a key anyone can guess.
 */
async function readSecret(file: string, spec: GeneratedSecret): Promise<string | undefined> {
  let secret: string;
  try {
    secret = (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const problem = spec.problem(secret);
  if (problem !== undefined) {
    throw new Error(
      `${file} holds no usable ${spec.what} (${problem}); delete it to have a new one generated`,
    );
  }
  return secret;
}
