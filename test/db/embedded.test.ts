import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { createLogger } from '../../src/logger';

/** With no MONGODB_URI, `npm start` runs an embedded MongoDB whose data lives under DATA_DIR. */

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-data-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('when the embedded database restarts, then the data written before is still there', async () => {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  expect(config.mongodbUri).toBeUndefined();
  const logger = createLogger(config);

  const first = await connectDatabase(config, logger);
  expect(await first.ping()).toBe(true);
  await first.models.Throttle.create({
    _id: 'survives-restart',
    count: 1,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  await first.close();
  expect(fs.readdirSync(path.join(dataDir, 'mongodb')).length).toBeGreaterThan(0);

  const second = await connectDatabase(config, logger);
  try {
    expect(await second.models.Throttle.countDocuments({ _id: 'survives-restart' })).toBe(1);
  } finally {
    await second.close();
  }
});
