import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataCipher, keyIdOf } from '../../src/auth/data-cipher';
import { resolveDataEncryptionKeys } from '../../src/auth/secret';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';

const keyText = () => randomBytes(32).toString('base64');

describe('DataCipher', () => {
  test('when a value is sealed, then it opens with its context only, and an altered ciphertext does not open', () => {
    const cipher = new DataCipher([randomBytes(32)]);
    const plain = randomBytes(32);
    const sealed = cipher.seal(plain, 'webhook_endpoint:a');
    expect(Buffer.from(sealed.data, 'base64').equals(plain)).toBe(false);
    expect(cipher.open(sealed, 'webhook_endpoint:a').equals(plain)).toBe(true);
    expect(() => cipher.open(sealed, 'webhook_endpoint:b')).toThrow();
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    expect(() => cipher.open({ ...sealed, data: data.toString('base64') }, 'webhook_endpoint:a')).toThrow();
  });

  test('when a new key is put first, then values sealed under the old one still open, and new ones use the new key', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealedOld = new DataCipher([oldKey]).seal(Buffer.from('secret'), 'c');
    const rotated = new DataCipher([newKey, oldKey]);
    expect(rotated.open(sealedOld, 'c').toString()).toBe('secret');
    expect(rotated.seal(Buffer.from('x'), 'c').keyId).toBe(keyIdOf(newKey));
    expect(() => new DataCipher([newKey]).open(sealedOld, 'c')).toThrow(keyIdOf(oldKey));
  });
});

describe('DATA_ENCRYPTION_KEY', () => {
  test('when it lists two keys, then both are read, the first encrypting', () => {
    const [a, b] = [keyText(), keyText()];
    const config = loadConfig({ DATA_ENCRYPTION_KEY: `${a},${b}` });
    expect(config.dataEncryptionKeys!.map((k) => k.toString('base64'))).toEqual([a, b]);
  });

  test('when unset outside production, then a key is generated into DATA_DIR once and reused', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-key-'));
    try {
      const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
      const logger = createLogger(config);
      const [first] = await resolveDataEncryptionKeys(config, logger);
      const [again] = await resolveDataEncryptionKeys(config, logger);
      expect(first!.length).toBe(32);
      expect(again!.equals(first!)).toBe(true);
      const file = path.join(dataDir, 'data-encryption-key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      fs.writeFileSync(file, 'c2hvcnQ=');
      await expect(resolveDataEncryptionKeys(config, logger)).rejects.toThrow(
        'no usable data encryption key',
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
