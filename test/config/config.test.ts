import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config';
import { buildEntryPoint, removeBuild, root } from '../support/build';

const strongSecret = () => randomBytes(48).toString('base64');

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('.env.example', () => {
  test('when .env.example is parsed, then it lists exactly the configuration keys, each once', () => {
    const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const keys = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split('=')[0]);
    expect([...keys].sort()).toEqual([...CONFIG_KEYS].sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('when the values of .env.example are loaded, then they are valid (with the secret production needs)', () => {
    const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const env: Record<string, string> = {};
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const [key, ...value] = line.split('=');
      env[key!] = value.join('=');
    }
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe('loadConfig', () => {
  // One bad value per key: the error names the key, so that an operator knows what to fix.
  const bad: Record<string, string[]> = {
    NODE_ENV: ['prod', 'PRODUCTION'],
    PORT: ['-1', '65536', 'http', '80.5'],
    METRICS_PORT: ['-1', '65536', 'metrics', '4000'],
    MONGODB_URI: ['localhost:27017', 'http://db'],
    TOKEN_SECRET: ['short', 'a'.repeat(64), 'change-me-change-me-change-me-change-me-0123456789'],
    ACCESS_TOKEN_TTL_SECONDS: ['0', '10', 'never', `${25 * 3600}`],
    REFRESH_TOKEN_TTL_SECONDS: ['1', 'x'],
    REFRESH_REUSE_GRACE_SECONDS: ['-1', '301', 'soon'],
    BCRYPT_ROUNDS: ['3', '16', 'ten'],
    CORS_ORIGINS: ['*', 'not a url', 'https://app.example.com/path'],
    LOG_LEVEL: ['verbose'],
    INTROSPECTION: ['yes', 'on'],
    GRAPHQL_JIT: ['yes', 'jit'],
    SIGNIN_MAX_FAILURES: ['0', 'many'],
    // Below SIGNIN_MAX_FAILURES (10 by default) as well as out of range.
    SIGNIN_ADDRESS_MAX_FAILURES: ['0', 'x', '9'],
    SIGNIN_ACCOUNT_MAX_FAILURES: ['0', '1.5', '9'],
    SIGNIN_WINDOW_SECONDS: ['0', '1e3'],
    SHUTDOWN_TIMEOUT_MS: ['-5', 'soon'],
    BODY_LIMIT_BYTES: ['10', '1mb'],
    REQUEST_TIMEOUT_MS: ['0', '99', 'forever'],
    MAX_QUERY_TOKENS: ['10', 'lots'],
    MAX_QUERY_DEPTH: ['1', '101'],
    MAX_QUERY_ALIASES: ['-1', 'x'],
    MAX_QUERY_DIRECTIVES: ['1001'],
    MAX_QUERY_SELECTIONS: ['5'],
    MAX_QUERY_COST: ['0', 'x'],
    PERSISTED_QUERY_TTL_SECONDS: ['59', 'week'],
    PERSISTED_QUERY_MAX_BYTES: ['255', '1048577'],
    TRUSTED_DOCUMENTS_FILE: [],
    TRUSTED_DOCUMENTS_MODE: ['on', 'ENFORCE'],
    RATE_LIMIT_ENABLED: ['maybe'],
    RATE_LIMIT_STORE: ['redis'],
    RATE_LIMIT_MAX_POINTS: ['0'],
    RATE_LIMIT_RESTORE_RATE: ['0', '0.5'],
    RATE_LIMIT_API_KEY_MAX_POINTS: ['0', 'lots'],
    RATE_LIMIT_API_KEY_RESTORE_RATE: ['0', '1.5'],
    API_KEYS_MAX_ACTIVE_PER_USER: ['0', '1001', 'ten'],
    TRUST_PROXY: ['true', '11', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/1'],
    HOST: [],
    DATA_DIR: [],
    PUBLIC_APP_URL: ['localhost:3000', 'ftp://example.com', 'https://app.example.com/?x=1', 'https://a.b/#x'],
    SMTP_URL: ['mail.example.com', 'http://mail.example.com', 'smtp://'],
    MAIL_FROM: ['nobody', 'Name <nobody>', 'a@b.c\nBcc: x@y.z'],
    PASSWORD_RESET_TTL_SECONDS: ['0', '86401', 'hour'],
    EMAIL_VERIFICATION_TTL_SECONDS: ['60', 'x'],
    ACCOUNT_MAIL_MAX_PER_EMAIL: ['0', 'x'],
    ACCOUNT_MAIL_MAX_PER_ADDRESS: ['0'],
    ACCOUNT_MAIL_WINDOW_SECONDS: ['59'],
    AUDIT_RETENTION_DAYS: ['0', '3651'],
    DATA_ENCRYPTION_KEY: [
      'short',
      Buffer.alloc(16, 7).toString('base64'),
      `${randomBytes(32).toString('base64')},nope`,
      randomBytes(32).toString('hex'),
    ],
    WEBHOOK_RETRY_SCHEDULE: ['soon', '5,,10', '-1', '5,x'],
    WEBHOOK_ALLOW_PRIVATE_TARGETS: ['yes'],
    WEBHOOK_MAX_ENDPOINTS_PER_USER: ['0', 'x'],
    WEBHOOK_MAX_PAYLOAD_BYTES: ['10', '1mb'],
    WEBHOOK_TIMEOUT_MS: ['0', '60001'],
    WEBHOOK_DISABLE_AFTER_SECONDS: ['0', 'week'],
    WEBHOOK_POLL_INTERVAL_MS: ['1'],
    WEBHOOK_CONCURRENCY: ['0', '257'],
    EVENTS_MAX_AWAIT_MS: ['0', '60001', 'x'],
    EVENTS_RETRY_MS: ['9', 'soon'],
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: ['0', '1001'],
    WS_MAX_CONNECTIONS_PER_CALLER: ['0', 'x'],
    WS_MAX_CONNECTIONS: ['0'],
    WS_MAX_MESSAGE_BYTES: ['1023', '1kb'],
    WS_CONNECTION_INIT_TIMEOUT_MS: ['99'],
    WS_KEEPALIVE_MS: ['-1', '600001'],
    WS_MAX_BUFFERED_BYTES: ['100'],
  };

  test('when every key is covered, then the table above names each of them', () => {
    expect(Object.keys(bad).sort()).toEqual([...CONFIG_KEYS].sort());
  });

  for (const [key, values] of Object.entries(bad)) {
    for (const value of values) {
      test(`when ${key}=${JSON.stringify(value)}, then loading fails naming ${key}`, () => {
        const error = errorOf({ [key]: value });
        expect(error.key).toBe(key);
        expect(error.message).toContain(key);
      });
    }
  }

  test('when nothing is set, then development defaults apply', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      corsOrigins: undefined,
      introspection: true,
      requestTimeoutMs: 10_000,
      maxQueryTokens: 3000,
      maxQueryDepth: 12,
      maxQueryAliases: 30,
      maxQueryDirectives: 20,
      maxQuerySelections: 5000,
      maxQueryCost: 1000,
      rateLimitEnabled: true,
      rateLimitStore: 'memory',
      rateLimitMaxPoints: 1000,
      rateLimitRestoreRate: 50,
      trustProxy: { kind: 'none' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('when NODE_ENV=production without MONGODB_URI, then loading fails naming MONGODB_URI', () => {
    expect(errorOf({ NODE_ENV: 'production', TOKEN_SECRET: strongSecret() }).key).toBe('MONGODB_URI');
  });

  test('when NODE_ENV=production without DATA_ENCRYPTION_KEY, then loading fails naming DATA_ENCRYPTION_KEY', () => {
    expect(
      errorOf({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db:27017/atrium',
        TOKEN_SECRET: strongSecret(),
      }).key,
    ).toBe('DATA_ENCRYPTION_KEY');
  });

  test('when NODE_ENV=production without TOKEN_SECRET, then loading fails naming TOKEN_SECRET', () => {
    expect(errorOf({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/atrium' }).key).toBe(
      'TOKEN_SECRET',
    );
  });

  test('when NODE_ENV=production with a weak secret, then loading fails naming TOKEN_SECRET', () => {
    for (const secret of ['short-secret', 'x'.repeat(40), 'secretsecretsecretsecretsecretsecret12345']) {
      const error = errorOf({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db:27017/atrium',
        TOKEN_SECRET: secret,
      });
      expect(error.key).toBe('TOKEN_SECRET');
    }
  });

  test('when NODE_ENV=production is complete, then production rules apply', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/atrium',
      TOKEN_SECRET: strongSecret(),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(config).toMatchObject({ isProduction: true, introspection: false, corsOrigins: [] });
  });

  test('when METRICS_PORT is the public PORT, then loading fails naming METRICS_PORT', () => {
    expect(errorOf({ PORT: '8080', METRICS_PORT: '8080' }).key).toBe('METRICS_PORT');
    expect(errorOf({ METRICS_PORT: '4000' }).message).toContain('PORT (4000)');
    expect(loadConfig({ PORT: '8080', METRICS_PORT: '9464' })).toMatchObject({
      port: 8080,
      metricsPort: 9464,
    });
    // Both ephemeral: the system gives them different ports.
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  test('when METRICS_PORT is unset, then metrics are off, in production too', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    const production = loadConfig({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/atrium',
      TOKEN_SECRET: strongSecret(),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(production.metricsPort).toBeUndefined();
  });

  test('when MAX_QUERY_COST exceeds RATE_LIMIT_MAX_POINTS, then loading fails naming MAX_QUERY_COST', () => {
    expect(errorOf({ MAX_QUERY_COST: '500', RATE_LIMIT_MAX_POINTS: '100' }).key).toBe('MAX_QUERY_COST');
  });

  test('when MAX_QUERY_COST exceeds RATE_LIMIT_API_KEY_MAX_POINTS, then loading fails naming MAX_QUERY_COST; unset, the key bucket grows to it', () => {
    expect(
      errorOf({ MAX_QUERY_COST: '500', RATE_LIMIT_MAX_POINTS: '1000', RATE_LIMIT_API_KEY_MAX_POINTS: '100' })
        .key,
    ).toBe('MAX_QUERY_COST');
    expect(loadConfig({})).toMatchObject({
      rateLimitApiKeyMaxPoints: 5000,
      rateLimitApiKeyRestoreRate: 250,
      apiKeysMaxActivePerUser: 10,
    });
    expect(
      loadConfig({ MAX_QUERY_COST: '8000', RATE_LIMIT_MAX_POINTS: '8000' }).rateLimitApiKeyMaxPoints,
    ).toBe(8000);
  });

  test('when the per-address and per-account sign-in limits are unset, then they are never below the per-pair one', () => {
    expect(loadConfig({})).toMatchObject({
      signInMaxFailures: 10,
      signInAddressMaxFailures: 50,
      signInAccountMaxFailures: 100,
    });
    expect(loadConfig({ SIGNIN_MAX_FAILURES: '200' })).toMatchObject({
      signInMaxFailures: 200,
      signInAddressMaxFailures: 200,
      signInAccountMaxFailures: 200,
    });
    expect(loadConfig({ SIGNIN_MAX_FAILURES: '3', SIGNIN_ACCOUNT_MAX_FAILURES: '3' })).toMatchObject({
      signInAccountMaxFailures: 3,
    });
  });

  test('when TRUST_PROXY is a hop count or a list of CIDRs, then it is parsed', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1,192.168.1.7' }).trustProxy).toEqual({
      kind: 'addresses',
      addresses: ['10.0.0.0/8', '::1', '192.168.1.7'],
    });
  });
  test('when SMTP_URL is refused, then the message does not repeat it: it may carry a password', () => {
    const error = errorOf({ SMTP_URL: 'http://mailer:hunter2-secret@mail.example.com' });
    expect(error.key).toBe('SMTP_URL');
    expect(error.message).not.toContain('hunter2-secret');
  });

  test('when PUBLIC_APP_URL ends with a slash, then links are built from it without one', () => {
    expect(loadConfig({ PUBLIC_APP_URL: 'https://app.example.com/conduit/' }).publicAppUrl).toBe(
      'https://app.example.com/conduit',
    );
  });
});

describe('the process', () => {
  let main: string;
  beforeAll(async () => {
    main = await buildEntryPoint();
  }, 120_000);
  afterAll(() => removeBuild(main));

  function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [main], {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  test('when started in production with a weak TOKEN_SECRET, then it exits 1 naming the key', async () => {
    const { code, stderr } = await run({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://127.0.0.1:9/atrium',
      TOKEN_SECRET: 'password1234password1234password1234',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('TOKEN_SECRET');
  });

  test('when started with a bad PORT, then it exits 1 naming the key', async () => {
    const { code, stderr } = await run({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).not.toContain('    at '); // a message, not a stack
  });
});
