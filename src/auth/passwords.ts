import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * bcrypt reads only the first 72 bytes of its input, so two passwords that differ after byte 72 would
 * share a hash. Every password is first reduced to a SHA-256 digest, base64-encoded (44 bytes, no NUL),
 * so every byte of it counts.
 */
function preHash(password: string): string {
  return createHash('sha256').update(password.normalize('NFC'), 'utf8').digest('base64');
}

export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly rounds: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(preHash(password), this.rounds);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(preHash(password), hash);
  }

  /**
   * Spends the time of a real comparison when there is no account to compare against, so that an unknown
   * email cannot be told from a wrong password by timing.
   */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash('atrium-timing-equaliser', this.rounds);
    await bcrypt.compare(preHash(password), await this.dummyHash);
    return false;
  }
}
