import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` and the base64 of
 * the key; each request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (several, space-separated, while
 * more than one secret is valid).
 */

const PREFIX = 'whsec_';
const KEY_BYTES = 32;

/** A new signing key, and the secret shown once to the endpoint's owner. */
export function newSigningKey(): { key: Buffer; secret: string } {
  const key = randomBytes(KEY_BYTES);
  return { key, secret: secretOf(key) };
}

export function secretOf(key: Buffer): string {
  return `${PREFIX}${key.toString('base64')}`;
}

export function signature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The headers of one attempt, signed with each of `keys`. */
export function signedHeaders(
  keys: readonly Buffer[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((key) => signature(key, id, timestamp, body)).join(' '),
  };
}
