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
