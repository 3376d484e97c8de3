import { PasswordHasher } from './auth/passwords';
import { resolveTokenSecret } from './auth/secret';
import { TokenService } from './auth/tokens';
import type { Config } from './config';
import { connectDatabase, type Database } from './db';
import type { AppDeps } from './deps';
import type { Logger } from './logger';
import { SessionStore } from './services/session-store';

/** Builds the long-lived dependencies of a process: database, models, token and password services. */
export async function createDeps(config: Config, logger: Logger, database?: Database): Promise<AppDeps> {
  const secret = await resolveTokenSecret(config, logger);
  const db = database ?? (await connectDatabase(config, logger));
  return {
    config,
    logger,
    db,
    models: db.models,
    tokens: new TokenService(secret, config.accessTokenTtlSeconds),
    passwords: new PasswordHasher(config.bcryptRounds),
    sessions: new SessionStore(db.models),
  };
}
