import type { PasswordHasher } from './auth/passwords';
import type { TokenService } from './auth/tokens';
import type { Config } from './config';
import type { Database } from './db';
import type { Logger } from './logger';
import type { Models } from './models';
import type { SessionStore } from './services/session-store';

/** The long-lived dependencies of a process, built once at its composition point (main.ts). */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly models: Models;
  readonly tokens: TokenService;
  readonly passwords: PasswordHasher;
  /** The owner of the `sessions` collection, for authentication and the services alike. */
  readonly sessions: SessionStore;
}
