import { isIP } from 'node:net';
import path from 'node:path';

/**
 * The only reader of process.env. Every key the service understands is declared once in `SPEC`, with its
 * parser and its default; `.env.example` documents exactly these keys with exactly these defaults (a test
 * holds the two together).
 */

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Which peers may say who the client is. `none`: the socket address is the client. `hops`: that many
 * proxies stand in front, each appending to X-Forwarded-For. `addresses`: proxies with these addresses or
 * CIDR ranges are skipped from the right of X-Forwarded-For.
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'addresses'; readonly addresses: readonly string[] };

export type RateLimitStore = 'memory' | 'mongodb';

/** `off`: any document runs; `enforce`: only trusted documents, except for callers exempted in viewer.ts. */
export type TrustedDocumentsMode = 'off' | 'enforce';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  /**
   * The port of the Prometheus listener (`GET /metrics`), never the public one; absent: no metrics are kept
   * and none are served. 0 picks a free port.
   */
  readonly metricsPort: number | undefined;
  /** Absent: an embedded MongoDB is started with its data under `dataDir`. */
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  /** Absent outside production: a secret is generated once and kept in `dataDir`. */
  readonly tokenSecret: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** A spent refresh token presented again this soon after its rotation gets the same successor (0: never). */
  readonly refreshReuseGraceSeconds: number;
  readonly bcryptRounds: number;
  /** Origins allowed by CORS; `undefined` means any origin (development only). */
  readonly corsOrigins: readonly string[] | undefined;
  readonly logLevel: LogLevel;
  readonly introspection: boolean;
  /** Execute operations compiled by graphql-jit instead of graphql-js's interpreter. */
  readonly graphqlJit: boolean;
  /** Failed sign-ins allowed for one account from one client address, per window. */
  readonly signInMaxFailures: number;
  /** Failed sign-ins allowed from one client address across every account, per window. */
  readonly signInAddressMaxFailures: number;
  /** Failed sign-ins allowed for one account from every address together, per window (distributed guessing). */
  readonly signInAccountMaxFailures: number;
  readonly signInWindowSeconds: number;
  /** The whole shutdown ends within this: in-flight requests, then closing MongoDB. */
  readonly shutdownTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** A request still running after this long is answered with an error; MongoDB commands get it as maxTimeMS. */
  readonly requestTimeoutMs: number;
  readonly maxQueryTokens: number;
  readonly maxQueryDepth: number;
  readonly maxQueryAliases: number;
  readonly maxQueryDirectives: number;
  /** Field selections an operation may hold with every fragment spread expanded. */
  readonly maxQuerySelections: number;
  readonly maxQueryCost: number;
  /** How long a document registered by automatic persisted queries is kept after its last registration. */
  readonly persistedQueryTtlSeconds: number;
  /** Longer documents run but are not registered: the shared store holds small documents only. */
  readonly persistedQueryMaxBytes: number;
  /** The trusted-documents manifest (Apollo's persisted query list format); absent: none. */
  readonly trustedDocumentsFile: string | undefined;
  readonly trustedDocumentsMode: TrustedDocumentsMode;
  readonly rateLimitEnabled: boolean;
  readonly rateLimitStore: RateLimitStore;
  /** Size of each caller's bucket of query-cost points. */
  readonly rateLimitMaxPoints: number;
  /** Points given back per second. */
  readonly rateLimitRestoreRate: number;
  /** Size of each API key's bucket of query-cost points (a key's own, apart from its owner's). */
  readonly rateLimitApiKeyMaxPoints: number;
  /** Points given back to an API key's bucket per second. */
  readonly rateLimitApiKeyRestoreRate: number;
  /** API keys a user may hold at once (neither revoked nor expired). */
  readonly apiKeysMaxActivePerUser: number;
  readonly trustProxy: TrustProxy;
  /** The web app's address: links in account mail point there. */
  readonly publicAppUrl: string;
  /** Absent: each message is written to `dataDir/mail/` instead of being sent. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly passwordResetTtlSeconds: number;
  readonly emailVerificationTtlSeconds: number;
  /** Account mail (reset, verification) asked for one address or account, and from one client address, per window. */
  readonly accountMailMaxPerEmail: number;
  readonly accountMailMaxPerAddress: number;
  readonly accountMailWindowSeconds: number;
  readonly auditRetentionDays: number;
  /**
   * AES-256-GCM keys for data stored encrypted (webhook signing secrets), each 32 bytes; the first encrypts,
   * every one decrypts what it encrypted. Absent outside production: one is generated into `dataDir`.
   */
  readonly dataEncryptionKeys: readonly Buffer[] | undefined;
  /** Seconds to wait after each failed delivery attempt; past the last one a delivery is FAILED. */
  readonly webhookRetrySchedule: readonly number[];
  /** Targets on loopback, private and other non-public addresses, and plain http, are allowed (never in production by default). */
  readonly webhookAllowPrivateTargets: boolean;
  readonly webhookMaxEndpointsPerUser: number;
  /** A delivery whose body would be larger is FAILED at once rather than sent. */
  readonly webhookMaxPayloadBytes: number;
  /** One attempt, connection and response included, ends within this. */
  readonly webhookTimeoutMs: number;
  /** An endpoint whose every attempt has failed for this long is disabled. */
  readonly webhookDisableAfterSeconds: number;
  /** How often each instance looks for due deliveries another instance recorded or left behind. */
  readonly webhookPollIntervalMs: number;
  /** Attempts one instance makes at once. */
  readonly webhookConcurrency: number;
  /** How long one read of the change stream waits for changes (its getMore's await time). */
  readonly eventsMaxAwaitMs: number;
  /** The first wait before a failed change stream is reopened; doubled on each failure, up to 32 times. */
  readonly eventsRetryMs: number;
  /** GraphQL over WebSocket: subscriptions one connection may hold at once. */
  readonly wsMaxSubscriptionsPerConnection: number;
  /** Open connections per caller (a signed-in user, else a client address). */
  readonly wsMaxConnectionsPerCaller: number;
  /** Open connections per instance. */
  readonly wsMaxConnections: number;
  /** The largest message a client may send, in bytes. */
  readonly wsMaxMessageBytes: number;
  /** A connection that has not sent `connection_init` this long after opening is closed (4408). */
  readonly wsConnectionInitTimeoutMs: number;
  /** Ping interval; a connection that misses a pong within one interval is closed. 0: no pings. */
  readonly wsKeepAliveMs: number;
  /** A connection whose unsent data passes this many bytes is closed (1013): it is not reading. */
  readonly wsMaxBufferedBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`Invalid configuration: ${key} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const int =
  (min: number, max: number) =>
  (key: string, raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new ConfigError(key, `must be an integer, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new ConfigError(key, `must be between ${min} and ${max}, got ${raw}`);
    return value;
  };

const bool = (key: string, raw: string): boolean => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(key, `must be true or false, got "${raw}"`);
};

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (key: string, raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(key, `must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

type Parser<T> = (key: string, raw: string) => T;

/** A key's parser, and the value it has when unset; `undefined` when loadConfig derives it from other keys. */
interface Setting<T, D extends T | undefined = T | undefined> {
  readonly parse: Parser<T>;
  readonly default: D;
}

function setting<T>(parse: Parser<T>): Setting<T, undefined>;
function setting<T>(parse: Parser<T>, fallback: T): Setting<T, T>;
function setting<T>(parse: Parser<T>, fallback?: T): Setting<T> {
  return { parse, default: fallback };
}

const text = (_key: string, raw: string) => raw;

const NO_PROXY: TrustProxy = { kind: 'none' };

/** An absolute http(s) URL with no query or fragment, returned without a trailing slash. */
const appUrl = (key: string, raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(key, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(key, `must be an http(s) URL without a query or fragment, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
};

/** Never echoed in an error: the URL may carry the SMTP password. */
const smtpUrl = (key: string, raw: string): string => {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
    throw new ConfigError(key, 'must be an smtp:// or smtps:// URL with a host');
  }
  return raw;
};

/** `address@host` or `Name <address@host>`, on one line (a line break would start another header). */
const mailbox = (key: string, raw: string): string => {
  if (!/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(raw)) {
    throw new ConfigError(key, `must be an address or "Name <address>", got "${raw}"`);
  }
  return raw;
};

/** The size of a data encryption key: AES-256. */
export const ENCRYPTION_KEY_BYTES = 32;

/** One or more base64 keys of exactly 32 bytes, comma-separated; never echoed in an error. */
const encryptionKeys = (key: string, raw: string): readonly Buffer[] => {
  const parts = raw.split(',').map((part) => part.trim());
  return parts.map((part, index) => {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(part) ? Buffer.from(part, 'base64') : Buffer.alloc(0);
    if (bytes.length !== ENCRYPTION_KEY_BYTES || bytes.toString('base64') !== part) {
      throw new ConfigError(
        key,
        `key ${index + 1} must be ${ENCRYPTION_KEY_BYTES} random bytes in base64 (try: openssl rand -base64 32)`,
      );
    }
    return bytes;
  });
};

/** Comma-separated seconds, at least one. */
const retrySchedule = (key: string, raw: string): readonly number[] => {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length > 50) throw new ConfigError(key, 'must list at most 50 delays');
  return parts.map((part) => int(0, 7 * 24 * 3600)(key, part));
};

/**
 * Every configuration key, with its parser and its default. Values that are empty strings count as unset.
 * Keys without a default here get one in loadConfig from other keys (most from NODE_ENV).
 */
export const SPEC = {
  NODE_ENV: setting(oneOf<NodeEnv>(['development', 'production', 'test']), 'development'),
  HOST: setting(text, '0.0.0.0'),
  PORT: setting(int(0, 65535), 4000),
  // Unset: no metrics, in every environment; production turns them on only where this is set.
  METRICS_PORT: setting(int(0, 65535)),
  // Unset: an embedded MongoDB.
  MONGODB_URI: setting((key: string, raw: string) => {
    if (!/^mongodb(\+srv)?:\/\//.test(raw))
      throw new ConfigError(key, 'must start with mongodb:// or mongodb+srv://');
    return raw;
  }),
  DATA_DIR: setting(text, '.data'),
  // Required in production; elsewhere one is generated into DATA_DIR.
  TOKEN_SECRET: setting(text),
  ACCESS_TOKEN_TTL_SECONDS: setting(int(30, 24 * 3600), 15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: setting(int(300, 365 * 24 * 3600), 30 * 24 * 3600),
  REFRESH_REUSE_GRACE_SECONDS: setting(int(0, 300), 30),
  BCRYPT_ROUNDS: setting(int(4, 15), 12),
  CORS_ORIGINS: setting((key: string, raw: string) => {
    const origins = raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      if (origin === '*') throw new ConfigError(key, 'must list origins; "*" is not allowed');
      let parsed: URL;
      try {
        parsed = new URL(origin);
      } catch {
        throw new ConfigError(key, `has an invalid origin "${origin}"`);
      }
      if (parsed.origin !== origin)
        throw new ConfigError(key, `origin "${origin}" must be scheme://host[:port]`);
    }
    return origins;
  }),
  // Outside NODE_ENV=test, where it is silent.
  LOG_LEVEL: setting(oneOf<LogLevel>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  INTROSPECTION: setting(bool),
  GRAPHQL_JIT: setting(bool, false),
  // Per account and client address: someone else's failures never lock an account out at the owner's address.
  SIGNIN_MAX_FAILURES: setting(int(1, 1000), 10),
  // Per client address, whichever accounts it tries. Never below SIGNIN_MAX_FAILURES: unset, it takes that
  // value when it is higher; set lower, loading fails.
  SIGNIN_ADDRESS_MAX_FAILURES: setting(int(1, 100_000), 50),
  // Per account, from every address together; the same rule.
  SIGNIN_ACCOUNT_MAX_FAILURES: setting(int(1, 100_000), 100),
  SIGNIN_WINDOW_SECONDS: setting(int(1, 24 * 3600), 15 * 60),
  SHUTDOWN_TIMEOUT_MS: setting(int(0, 600_000), 10_000),
  // Room for the largest valid article (64 KiB of body, JSON-escaped up to six bytes a character) and more.
  BODY_LIMIT_BYTES: setting(int(1024, 64 * 1024 * 1024), 512 * 1024),
  REQUEST_TIMEOUT_MS: setting(int(100, 600_000), 10_000),
  MAX_QUERY_TOKENS: setting(int(100, 100_000), 3000),
  MAX_QUERY_DEPTH: setting(int(2, 100), 12),
  MAX_QUERY_ALIASES: setting(int(0, 1000), 30),
  MAX_QUERY_DIRECTIVES: setting(int(0, 1000), 20),
  MAX_QUERY_SELECTIONS: setting(int(10, 10_000_000), 5000),
  MAX_QUERY_COST: setting(int(1, 1_000_000), 1000),
  PERSISTED_QUERY_TTL_SECONDS: setting(int(60, 365 * 24 * 3600), 7 * 24 * 3600),
  PERSISTED_QUERY_MAX_BYTES: setting(int(256, 1024 * 1024), 32 * 1024),
  // Unset: no trusted documents. Required by TRUSTED_DOCUMENTS_MODE=enforce.
  TRUSTED_DOCUMENTS_FILE: setting(text),
  TRUSTED_DOCUMENTS_MODE: setting(oneOf<TrustedDocumentsMode>(['off', 'enforce']), 'off'),
  RATE_LIMIT_ENABLED: setting(bool),
  RATE_LIMIT_STORE: setting(oneOf<RateLimitStore>(['memory', 'mongodb']), 'memory'),
  // Raised to MAX_QUERY_COST when that is higher.
  RATE_LIMIT_MAX_POINTS: setting(int(1, 10_000_000), 1000),
  RATE_LIMIT_RESTORE_RATE: setting(int(1, 1_000_000), 50),
  // Each API key's own bucket: integrations run batches, so it is larger than a person's. Raised to
  // MAX_QUERY_COST when that is higher.
  RATE_LIMIT_API_KEY_MAX_POINTS: setting(int(1, 10_000_000), 5000),
  RATE_LIMIT_API_KEY_RESTORE_RATE: setting(int(1, 1_000_000), 250),
  API_KEYS_MAX_ACTIVE_PER_USER: setting(int(1, 1000), 10),
  TRUST_PROXY: setting((key: string, raw: string): TrustProxy => {
    if (raw === 'false') return { kind: 'none' };
    if (/^\d+$/.test(raw)) {
      const hops = int(0, 10)(key, raw);
      return hops === 0 ? { kind: 'none' } : { kind: 'hops', hops };
    }
    const addresses = raw
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const entry of addresses) {
      const [address = '', prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const bits = family === 6 ? 128 : 32;
      const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
      if (family === 0 || !prefixOk || rest.length > 0) {
        throw new ConfigError(key, `must be false, a hop count, or addresses/CIDRs; got "${entry}"`);
      }
    }
    return addresses.length === 0 ? NO_PROXY : { kind: 'addresses', addresses };
  }, NO_PROXY),
  // The web app's address; account mail links to `<PUBLIC_APP_URL>/reset-password#token=…`.
  PUBLIC_APP_URL: setting(appUrl, 'http://localhost:3000'),
  // Unset: messages are written to DATA_DIR/mail/ and their links logged.
  SMTP_URL: setting(smtpUrl),
  MAIL_FROM: setting(mailbox, 'Conduit <no-reply@localhost>'),
  PASSWORD_RESET_TTL_SECONDS: setting(int(300, 24 * 3600), 3600),
  EMAIL_VERIFICATION_TTL_SECONDS: setting(int(3600, 30 * 24 * 3600), 48 * 3600),
  ACCOUNT_MAIL_MAX_PER_EMAIL: setting(int(1, 1000), 5),
  ACCOUNT_MAIL_MAX_PER_ADDRESS: setting(int(1, 100_000), 20),
  ACCOUNT_MAIL_WINDOW_SECONDS: setting(int(60, 24 * 3600), 3600),
  AUDIT_RETENTION_DAYS: setting(int(1, 3650), 365),
  // Required in production; elsewhere one is generated into DATA_DIR. Comma-separated to rotate: the first
  // encrypts, the others still decrypt.
  DATA_ENCRYPTION_KEY: setting(encryptionKeys),
  WEBHOOK_RETRY_SCHEDULE: setting(retrySchedule, [5, 300, 1800, 7200, 18000, 36000, 36000]),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: setting(bool, false),
  WEBHOOK_MAX_ENDPOINTS_PER_USER: setting(int(1, 1000), 10),
  // Room for the largest comment (10,000 characters, JSON-escaped up to six bytes a character) and more.
  WEBHOOK_MAX_PAYLOAD_BYTES: setting(int(1024, 16 * 1024 * 1024), 256 * 1024),
  WEBHOOK_TIMEOUT_MS: setting(int(100, 60_000), 10_000),
  WEBHOOK_DISABLE_AFTER_SECONDS: setting(int(1, 365 * 24 * 3600), 5 * 24 * 3600),
  WEBHOOK_POLL_INTERVAL_MS: setting(int(50, 600_000), 1000),
  WEBHOOK_CONCURRENCY: setting(int(1, 256), 8),
  EVENTS_MAX_AWAIT_MS: setting(int(10, 60_000), 1000),
  EVENTS_RETRY_MS: setting(int(10, 60_000), 500),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: setting(int(1, 1000), 20),
  WS_MAX_CONNECTIONS_PER_CALLER: setting(int(1, 100_000), 10),
  WS_MAX_CONNECTIONS: setting(int(1, 1_000_000), 10_000),
  WS_MAX_MESSAGE_BYTES: setting(int(1024, 16 * 1024 * 1024), 64 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: setting(int(100, 600_000), 10_000),
  WS_KEEPALIVE_MS: setting(int(0, 600_000), 30_000),
  WS_MAX_BUFFERED_BYTES: setting(int(1024, 1024 * 1024 * 1024), 1024 * 1024),
} as const;

type Key = keyof typeof SPEC;
type Parsed<K extends Key> = ReturnType<(typeof SPEC)[K]['parse']>;
type Default<K extends Key> = (typeof SPEC)[K]['default'];

export const CONFIG_KEYS = Object.keys(SPEC) as Key[];

/** The shortest token secret accepted in production, in bytes. */
export const MIN_SECRET_BYTES = 32;

export function loadConfig(env: Env): Config {
  const read = <K extends Key>(key: K): Parsed<K> | undefined => {
    const raw = env[key]?.trim();
    if (raw === undefined || raw === '') return undefined;
    return SPEC[key].parse(key, raw) as Parsed<K>;
  };
  /** The key's value, or its default from SPEC. */
  const value = <K extends Key>(key: K): Parsed<K> | Default<K> => read(key) ?? SPEC[key].default;

  const nodeEnv = value('NODE_ENV');
  const isProduction = nodeEnv === 'production';
  const mongodbUri = read('MONGODB_URI');
  const tokenSecret = read('TOKEN_SECRET');
  const dataEncryptionKeys = read('DATA_ENCRYPTION_KEY');

  if (isProduction) {
    if (!mongodbUri) throw new ConfigError('MONGODB_URI', 'is required when NODE_ENV=production');
    if (!tokenSecret) throw new ConfigError('TOKEN_SECRET', 'is required when NODE_ENV=production');
  }
  if (tokenSecret !== undefined) assertStrongSecret('TOKEN_SECRET', tokenSecret);
  if (isProduction && !dataEncryptionKeys) {
    throw new ConfigError('DATA_ENCRYPTION_KEY', 'is required when NODE_ENV=production');
  }

  const port = value('PORT');
  const metricsPort = read('METRICS_PORT');
  // The metrics describe the service to its operators; on the public port anyone could read them. Port 0
  // twice is two distinct free ports.
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('METRICS_PORT', `must not be the public PORT (${port})`);
  }

  const corsOrigins = read('CORS_ORIGINS');
  const maxQueryCost = value('MAX_QUERY_COST');
  const rateLimitMaxPoints =
    read('RATE_LIMIT_MAX_POINTS') ?? Math.max(SPEC.RATE_LIMIT_MAX_POINTS.default, maxQueryCost);
  // A query the bucket could never hold would be refused forever with a retry time that never comes.
  if (maxQueryCost > rateLimitMaxPoints) {
    throw new ConfigError('MAX_QUERY_COST', `must not exceed RATE_LIMIT_MAX_POINTS (${rateLimitMaxPoints})`);
  }
  const rateLimitApiKeyMaxPoints =
    read('RATE_LIMIT_API_KEY_MAX_POINTS') ??
    Math.max(SPEC.RATE_LIMIT_API_KEY_MAX_POINTS.default, maxQueryCost);
  if (maxQueryCost > rateLimitApiKeyMaxPoints) {
    throw new ConfigError(
      'MAX_QUERY_COST',
      `must not exceed RATE_LIMIT_API_KEY_MAX_POINTS (${rateLimitApiKeyMaxPoints})`,
    );
  }
  const signInMaxFailures = value('SIGNIN_MAX_FAILURES');
  // A per-address or per-account limit below the per-pair one would let anyone's failures lock an account out.
  const atLeastPairLimit = (key: 'SIGNIN_ADDRESS_MAX_FAILURES' | 'SIGNIN_ACCOUNT_MAX_FAILURES'): number => {
    const set = read(key);
    if (set === undefined) return Math.max(SPEC[key].default, signInMaxFailures);
    if (set < signInMaxFailures) {
      throw new ConfigError(key, `must not be below SIGNIN_MAX_FAILURES (${signInMaxFailures})`);
    }
    return set;
  };
  const trustedDocumentsFile = read('TRUSTED_DOCUMENTS_FILE');
  const trustedDocumentsMode = value('TRUSTED_DOCUMENTS_MODE');
  // Enforcing an empty list would refuse every caller but admins.
  if (trustedDocumentsMode === 'enforce' && trustedDocumentsFile === undefined) {
    throw new ConfigError('TRUSTED_DOCUMENTS_MODE', 'enforce needs TRUSTED_DOCUMENTS_FILE');
  }
  return Object.freeze({
    nodeEnv,
    isProduction,
    host: value('HOST'),
    port,
    metricsPort,
    mongodbUri,
    dataDir: path.resolve(value('DATA_DIR')),
    tokenSecret,
    accessTokenTtlSeconds: value('ACCESS_TOKEN_TTL_SECONDS'),
    refreshTokenTtlSeconds: value('REFRESH_TOKEN_TTL_SECONDS'),
    refreshReuseGraceSeconds: value('REFRESH_REUSE_GRACE_SECONDS'),
    bcryptRounds: value('BCRYPT_ROUNDS'),
    // Production answers only the listed origins (none when the key is unset); development any origin.
    corsOrigins: corsOrigins ?? (isProduction ? [] : undefined),
    logLevel: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : SPEC.LOG_LEVEL.default),
    introspection: read('INTROSPECTION') ?? !isProduction,
    graphqlJit: value('GRAPHQL_JIT'),
    signInMaxFailures,
    signInAddressMaxFailures: atLeastPairLimit('SIGNIN_ADDRESS_MAX_FAILURES'),
    signInAccountMaxFailures: atLeastPairLimit('SIGNIN_ACCOUNT_MAX_FAILURES'),
    signInWindowSeconds: value('SIGNIN_WINDOW_SECONDS'),
    shutdownTimeoutMs: value('SHUTDOWN_TIMEOUT_MS'),
    bodyLimitBytes: value('BODY_LIMIT_BYTES'),
    requestTimeoutMs: value('REQUEST_TIMEOUT_MS'),
    maxQueryTokens: value('MAX_QUERY_TOKENS'),
    maxQueryDepth: value('MAX_QUERY_DEPTH'),
    maxQueryAliases: value('MAX_QUERY_ALIASES'),
    maxQueryDirectives: value('MAX_QUERY_DIRECTIVES'),
    maxQuerySelections: value('MAX_QUERY_SELECTIONS'),
    maxQueryCost,
    persistedQueryTtlSeconds: value('PERSISTED_QUERY_TTL_SECONDS'),
    persistedQueryMaxBytes: value('PERSISTED_QUERY_MAX_BYTES'),
    trustedDocumentsFile: trustedDocumentsFile === undefined ? undefined : path.resolve(trustedDocumentsFile),
    trustedDocumentsMode,
    // Tests run many requests from one address in a burst; the tests of the limiter turn it on.
    rateLimitEnabled: read('RATE_LIMIT_ENABLED') ?? nodeEnv !== 'test',
    rateLimitStore: value('RATE_LIMIT_STORE'),
    rateLimitMaxPoints,
    rateLimitRestoreRate: value('RATE_LIMIT_RESTORE_RATE'),
    rateLimitApiKeyMaxPoints,
    rateLimitApiKeyRestoreRate: value('RATE_LIMIT_API_KEY_RESTORE_RATE'),
    apiKeysMaxActivePerUser: value('API_KEYS_MAX_ACTIVE_PER_USER'),
    trustProxy: value('TRUST_PROXY'),
    publicAppUrl: value('PUBLIC_APP_URL'),
    smtpUrl: read('SMTP_URL'),
    mailFrom: value('MAIL_FROM'),
    passwordResetTtlSeconds: value('PASSWORD_RESET_TTL_SECONDS'),
    emailVerificationTtlSeconds: value('EMAIL_VERIFICATION_TTL_SECONDS'),
    accountMailMaxPerEmail: value('ACCOUNT_MAIL_MAX_PER_EMAIL'),
    accountMailMaxPerAddress: value('ACCOUNT_MAIL_MAX_PER_ADDRESS'),
    accountMailWindowSeconds: value('ACCOUNT_MAIL_WINDOW_SECONDS'),
    auditRetentionDays: value('AUDIT_RETENTION_DAYS'),
    dataEncryptionKeys,
    webhookRetrySchedule: value('WEBHOOK_RETRY_SCHEDULE'),
    webhookAllowPrivateTargets: value('WEBHOOK_ALLOW_PRIVATE_TARGETS'),
    webhookMaxEndpointsPerUser: value('WEBHOOK_MAX_ENDPOINTS_PER_USER'),
    webhookMaxPayloadBytes: value('WEBHOOK_MAX_PAYLOAD_BYTES'),
    webhookTimeoutMs: value('WEBHOOK_TIMEOUT_MS'),
    webhookDisableAfterSeconds: value('WEBHOOK_DISABLE_AFTER_SECONDS'),
    webhookPollIntervalMs: value('WEBHOOK_POLL_INTERVAL_MS'),
    webhookConcurrency: value('WEBHOOK_CONCURRENCY'),
    eventsMaxAwaitMs: value('EVENTS_MAX_AWAIT_MS'),
    eventsRetryMs: value('EVENTS_RETRY_MS'),
    wsMaxSubscriptionsPerConnection: value('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'),
    wsMaxConnectionsPerCaller: value('WS_MAX_CONNECTIONS_PER_CALLER'),
    wsMaxConnections: value('WS_MAX_CONNECTIONS'),
    wsMaxMessageBytes: value('WS_MAX_MESSAGE_BYTES'),
    wsConnectionInitTimeoutMs: value('WS_CONNECTION_INIT_TIMEOUT_MS'),
    wsKeepAliveMs: value('WS_KEEPALIVE_MS'),
    wsMaxBufferedBytes: value('WS_MAX_BUFFERED_BYTES'),
  });
}

/**
 * A token secret must carry at least 32 bytes and must not be an obvious placeholder: a secret that
 * repeats a few characters or spells a well-known example has far less entropy than its length.
 */
export function assertStrongSecret(key: string, secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(
      key,
      `must be at least ${MIN_SECRET_BYTES} bytes of random data (try: openssl rand -base64 48)`,
    );
  }
  if (new Set(secret).size < 16 || /change.?me|secret|password|example/i.test(secret)) {
    throw new ConfigError(key, 'looks like a placeholder; use random data (try: openssl rand -base64 48)');
  }
}
