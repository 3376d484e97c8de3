import { PasswordHasher } from './auth/passwords';
import { DataCipher } from './auth/data-cipher';
import { resolveDataEncryptionKeys, resolveTokenSecret } from './auth/secret';
import { TokenService } from './auth/tokens';
import type { Config } from './config';
import { connectDatabase, type Database } from './db';
import { EventSource } from './events';
import { createMailer, type Mailer } from './mail/mailer';
import type { Models } from './models';
import type { Logger } from './observability/logger';
import { ApiKeyStore } from './services/api-key-store';
import { BackgroundWork } from './services/background';
import { SessionStore } from './services/session-store';

/** The long-lived dependencies of a process, built once at its composition point (main.ts, a command). */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly models: Models;
  readonly tokens: TokenService;
  readonly passwords: PasswordHasher;
  /** The owner of the `sessions` collection, for authentication and the services alike. */
  readonly sessions: SessionStore;
  /** The owner of the `api_keys` collection, for authentication and the services alike. */
  readonly apiKeys: ApiKeyStore;
  /** Account mail, by SMTP or into files. */
  readonly mailer: Mailer;
  /** Work started by requests that they do not wait for; a stopping process waits for it. */
  readonly background: BackgroundWork;
  /** Encrypts what must be stored recoverable (webhook signing secrets) under DATA_ENCRYPTION_KEY. */
  readonly cipher: DataCipher;
  /** The content's change stream as domain events, on every instance; opened on first use, stopped at shutdown. */
  readonly events: EventSource;
}

/** Builds the long-lived dependencies: database (unless given), models, token and password services, mail. */
export async function createDeps(config: Config, logger: Logger, database?: Database): Promise<AppDeps> {
  const secret = await resolveTokenSecret(config, logger);
  const encryptionKeys = await resolveDataEncryptionKeys(config, logger);
  const db = database ?? (await connectDatabase(config, logger));
  return {
    config,
    logger,
    db,
    models: db.models,
    tokens: new TokenService(secret, config.accessTokenTtlSeconds),
    passwords: new PasswordHasher(config.bcryptRounds),
    sessions: new SessionStore(db.models),
    apiKeys: new ApiKeyStore(db.models),
    mailer: createMailer(config, logger),
    background: new BackgroundWork(logger),
    cipher: new DataCipher(encryptionKeys),
    events: new EventSource({
      db,
      logger,
      maxAwaitTimeMS: config.eventsMaxAwaitMs,
      retryDelayMs: config.eventsRetryMs,
    }),
  };
}
