import type { DataCipher, Sealed } from '../auth/data-cipher';

/**
 * The endpoint a sealed signing key belongs to is bound into its ciphertext: a secret copied onto another
 * endpoint's document does not decrypt there.
 */
const contextOf = (endpointId: string) => `webhook_endpoint:${endpointId}`;

export function sealSigningKey(cipher: DataCipher, endpointId: string, key: Buffer): Sealed {
  return cipher.seal(key, contextOf(endpointId));
}

export function openSigningKey(
  cipher: DataCipher,
  endpoint: { readonly _id: { toHexString(): string }; readonly secret: Sealed },
): Buffer {
  return cipher.open(endpoint.secret, contextOf(endpoint._id.toHexString()));
}

/** How long a rotated-out secret still signs beside the new one: time for the receiver to switch. */
export const PREVIOUS_SECRET_HOURS = 24;

/** The keys a delivery is signed with now: the current one, and the previous one while it is still valid. */
export function signingKeys(
  cipher: DataCipher,
  endpoint: {
    readonly _id: { toHexString(): string };
    readonly secret: Sealed;
    readonly previousSecret?: Sealed | null;
    readonly previousSecretExpiresAt?: Date | null;
  },
  now: Date,
): Buffer[] {
  const keys = [openSigningKey(cipher, endpoint)];
  const { previousSecret, previousSecretExpiresAt } = endpoint;
  if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt > now) {
    keys.push(cipher.open(previousSecret, contextOf(endpoint._id.toHexString())));
  }
  return keys;
}
