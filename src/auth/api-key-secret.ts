import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { hashSecretToken } from './tokens';

/**
 * API key secrets, in the shape GitHub gives its tokens so that secret scanners can recognise them and a typo
 * is caught without a database read: `atr_`, 256 random bits in base62 (43 characters, zero-padded), then the
 * CRC32 of those 43 characters in base62 (6 characters, zero-padded). The checksum is no protection (anyone can
 * compute it); it only tells a mistyped or truncated secret from a real one.
 */
export const API_KEY_PREFIX = 'atr_';
const RANDOM_BYTES = 32;
/** 62^43 > 2^256: 43 base62 characters hold any 32 bytes. */
const RANDOM_LENGTH = 43;
/** 62^6 > 2^32: 6 base62 characters hold any CRC32. */
const CHECKSUM_LENGTH = 6;
/** The leading characters of the random part shown beside a key so that people can tell keys apart. */
const DISPLAY_LENGTH = 8;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = BigInt(ALPHABET.length);

export const API_KEY_SECRET = new RegExp(
  `^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH}}[0-9A-Za-z]{${CHECKSUM_LENGTH}}$`,
);

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % BASE)]! + out;
    rest /= BASE;
  }
  return out.padStart(width, '0');
}

function checksum(random: string): string {
  return base62(BigInt(crc32(random)), CHECKSUM_LENGTH);
}

/** A fresh secret: the only time it exists outside its holder's hands. */
export function newApiKeySecret(): string {
  const random = base62(BigInt(`0x${randomBytes(RANDOM_BYTES).toString('hex')}`), RANDOM_LENGTH);
  return `${API_KEY_PREFIX}${random}${checksum(random)}`;
}

/** Whether `secret` has the shape and checksum of one `newApiKeySecret` makes: anything else is no key. */
export function isWellFormedApiKeySecret(secret: string): boolean {
  if (!API_KEY_SECRET.test(secret)) return false;
  const random = secret.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_LENGTH);
  return secret.slice(API_KEY_PREFIX.length + RANDOM_LENGTH) === checksum(random);
}

/** Whether a presented credential is meant as an API key (well formed or not), rather than an access token. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** The non-secret leading part shown in lists: `atr_` and 8 characters, 47 of the 256 random bits. */
export function apiKeyDisplayPrefix(secret: string): string {
  return secret.slice(0, API_KEY_PREFIX.length + DISPLAY_LENGTH);
}

/** Secrets are stored only as this hash (SHA-256) and looked up by it. */
export function hashApiKeySecret(secret: string): string {
  return hashSecretToken(secret);
}
