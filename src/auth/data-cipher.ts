import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A value stored encrypted: AES-256-GCM, with the id of the key that encrypted it. */
export interface Sealed {
  /** The first 16 hex digits of SHA-256 of the key: names the key without telling anything about it. */
  readonly keyId: string;
  /** 12-byte nonce, base64. */
  readonly iv: string;
  /** 16-byte authentication tag, base64. */
  readonly tag: string;
  /** base64. */
  readonly data: string;
}

/** The id a key is stored under beside what it encrypted. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Encrypts data stored at rest (webhook signing secrets: they must be recoverable, since they sign every
 * delivery) with the first of DATA_ENCRYPTION_KEY's keys, and decrypts with whichever key a value names, so
 * that a new key can be put first while values encrypted under the old one are still read. `context` binds a
 * value to its place (the endpoint it belongs to) as GCM's additional data: a ciphertext copied onto another
 * record does not decrypt.
 */
export class DataCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: readonly Buffer[]) {
    const [current] = keys;
    if (!current) throw new Error('DataCipher needs at least one key');
    this.keys = new Map(keys.map((key) => [keyIdOf(key), key]));
    this.currentId = keyIdOf(current);
  }

  seal(plain: Buffer, context: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      keyId: this.currentId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /** Throws when the key is not configured or the value was altered. */
  open(sealed: Sealed, context: string): Buffer {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`no configured DATA_ENCRYPTION_KEY has id ${sealed.keyId}`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  }
}
