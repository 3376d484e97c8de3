import { isIP } from 'node:net';
import path from 'node:path';

/**
 * The only reader of process.env. Every key the service understands is declared once in `SPEC`;
 * `.env.example` documents exactly these keys (a test holds the two together).
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

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  /** Absent: an embedded MongoDB is started with its data under `dataDir`. */
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  /** Absent outside production: a secret is generated once and kept in `dataDir`. */
  readonly tokenSecret: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly bcryptRounds: number;
  /** Origins allowed by CORS; `undefined` means any origin (development only). */
  readonly corsOrigins: readonly string[] | undefined;
  readonly logLevel: LogLevel;
  readonly introspection: boolean;
  /** Execute operations compiled by graphql-jit instead of graphql-js's interpreter. */
  readonly graphqlJit: boolean;
  readonly signInMaxFailures: number;
  readonly signInWindowSeconds: number;
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
  readonly rateLimitEnabled: boolean;
  readonly rateLimitStore: RateLimitStore;
  /** Size of each caller's bucket of query-cost points. */
  readonly rateLimitMaxPoints: number;
  /** Points given back per second. */
  readonly rateLimitRestoreRate: number;
  readonly trustProxy: TrustProxy;
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

/** Every configuration key, with its parser. Values that are empty strings count as unset. */
export const SPEC = {
  NODE_ENV: oneOf<NodeEnv>(['development', 'production', 'test']),
  HOST: (_key: string, raw: string) => raw,
  PORT: int(0, 65535),
  MONGODB_URI: (key: string, raw: string) => {
    if (!/^mongodb(\+srv)?:\/\//.test(raw))
      throw new ConfigError(key, 'must start with mongodb:// or mongodb+srv://');
    return raw;
  },
  DATA_DIR: (_key: string, raw: string) => raw,
  TOKEN_SECRET: (_key: string, raw: string) => raw,
  ACCESS_TOKEN_TTL_SECONDS: int(30, 24 * 3600),
  REFRESH_TOKEN_TTL_SECONDS: int(300, 365 * 24 * 3600),
  BCRYPT_ROUNDS: int(4, 15),
  CORS_ORIGINS: (key: string, raw: string) => {
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
  },
  LOG_LEVEL: oneOf<LogLevel>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  INTROSPECTION: bool,
  GRAPHQL_JIT: bool,
  SIGNIN_MAX_FAILURES: int(1, 1000),
  SIGNIN_WINDOW_SECONDS: int(1, 24 * 3600),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000),
  BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024),
  REQUEST_TIMEOUT_MS: int(100, 600_000),
  MAX_QUERY_TOKENS: int(100, 100_000),
  MAX_QUERY_DEPTH: int(2, 100),
  MAX_QUERY_ALIASES: int(0, 1000),
  MAX_QUERY_DIRECTIVES: int(0, 1000),
  MAX_QUERY_SELECTIONS: int(10, 10_000_000),
  MAX_QUERY_COST: int(1, 1_000_000),
  RATE_LIMIT_ENABLED: bool,
  RATE_LIMIT_STORE: oneOf<RateLimitStore>(['memory', 'mongodb']),
  RATE_LIMIT_MAX_POINTS: int(1, 10_000_000),
  RATE_LIMIT_RESTORE_RATE: int(1, 1_000_000),
  TRUST_PROXY: (key: string, raw: string): TrustProxy => {
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
    return addresses.length === 0 ? { kind: 'none' } : { kind: 'addresses', addresses };
  },
} as const;

export const CONFIG_KEYS = Object.keys(SPEC) as (keyof typeof SPEC)[];

const NO_PROXY: TrustProxy = { kind: 'none' };

/** The shortest token secret accepted in production, in bytes. */
export const MIN_SECRET_BYTES = 32;

export function loadConfig(env: Env): Config {
  const read = <K extends keyof typeof SPEC>(key: K): ReturnType<(typeof SPEC)[K]> | undefined => {
    const raw = env[key]?.trim();
    if (raw === undefined || raw === '') return undefined;
    return SPEC[key](key, raw) as ReturnType<(typeof SPEC)[K]>;
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  const isProduction = nodeEnv === 'production';
  const mongodbUri = read('MONGODB_URI');
  const tokenSecret = read('TOKEN_SECRET');

  if (isProduction) {
    if (!mongodbUri) throw new ConfigError('MONGODB_URI', 'is required when NODE_ENV=production');
    if (!tokenSecret) throw new ConfigError('TOKEN_SECRET', 'is required when NODE_ENV=production');
  }
  if (tokenSecret !== undefined) assertStrongSecret('TOKEN_SECRET', tokenSecret);

  const corsOrigins = read('CORS_ORIGINS');
  const maxQueryCost = read('MAX_QUERY_COST') ?? 1000;
  const rateLimitMaxPoints = read('RATE_LIMIT_MAX_POINTS') ?? Math.max(1000, maxQueryCost);
  // A query the bucket could never hold would be refused forever with a retry time that never comes.
  if (maxQueryCost > rateLimitMaxPoints) {
    throw new ConfigError('MAX_QUERY_COST', `must not exceed RATE_LIMIT_MAX_POINTS (${rateLimitMaxPoints})`);
  }
  return Object.freeze({
    nodeEnv,
    isProduction,
    host: read('HOST') ?? '0.0.0.0',
    port: read('PORT') ?? 4000,
    mongodbUri,
    dataDir: path.resolve(read('DATA_DIR') ?? '.data'),
    tokenSecret,
    accessTokenTtlSeconds: read('ACCESS_TOKEN_TTL_SECONDS') ?? 15 * 60,
    refreshTokenTtlSeconds: read('REFRESH_TOKEN_TTL_SECONDS') ?? 30 * 24 * 3600,
    bcryptRounds: read('BCRYPT_ROUNDS') ?? 12,
    // Production answers only the listed origins (none when the key is unset); development any origin.
    corsOrigins: corsOrigins ?? (isProduction ? [] : undefined),
    logLevel: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    introspection: read('INTROSPECTION') ?? !isProduction,
    graphqlJit: read('GRAPHQL_JIT') ?? false,
    signInMaxFailures: read('SIGNIN_MAX_FAILURES') ?? 10,
    signInWindowSeconds: read('SIGNIN_WINDOW_SECONDS') ?? 15 * 60,
    shutdownTimeoutMs: read('SHUTDOWN_TIMEOUT_MS') ?? 10_000,
    // Room for the largest valid article (64 KiB of body, JSON-escaped up to six bytes a character) and more.
    bodyLimitBytes: read('BODY_LIMIT_BYTES') ?? 512 * 1024,
    requestTimeoutMs: read('REQUEST_TIMEOUT_MS') ?? 10_000,
    maxQueryTokens: read('MAX_QUERY_TOKENS') ?? 3000,
    maxQueryDepth: read('MAX_QUERY_DEPTH') ?? 12,
    maxQueryAliases: read('MAX_QUERY_ALIASES') ?? 30,
    maxQueryDirectives: read('MAX_QUERY_DIRECTIVES') ?? 20,
    maxQuerySelections: read('MAX_QUERY_SELECTIONS') ?? 5000,
    maxQueryCost,
    // Tests run many requests from one address in a burst; the tests of the limiter turn it on.
    rateLimitEnabled: read('RATE_LIMIT_ENABLED') ?? nodeEnv !== 'test',
    rateLimitStore: read('RATE_LIMIT_STORE') ?? 'memory',
    rateLimitMaxPoints,
    rateLimitRestoreRate: read('RATE_LIMIT_RESTORE_RATE') ?? 50,
    trustProxy: read('TRUST_PROXY') ?? NO_PROXY,
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
