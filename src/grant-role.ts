import { createDeps } from './app';
import { ROLES, type Role } from './auth/roles';
import { ConfigError, loadConfig } from './config';
import type { AppDeps } from './deps';
import { createLogger } from './logger';
import { identityKey, normalize } from './services/text';

/**
 * Admin command line: `npm run grant-role -- <username> <role>`. Roles are granted here and nowhere in the
 * API, so that no bug in a resolver can make someone an admin. The change holds from the user's next
 * request: every request reads the role with the session.
 */

export class GrantRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrantRoleError';
  }
}

export interface GrantedRole {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly previousRole: Role;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Gives the user with this username (matched as sign-up matches it: case and form folded) the role. */
export async function grantRole(
  deps: Pick<AppDeps, 'models'>,
  username: string,
  role: string,
): Promise<GrantedRole> {
  if (!isRole(role)) throw new GrantRoleError(`Unknown role "${role}". Roles: ${ROLES.join(', ')}.`);
  const usernameKey = identityKey(normalize(username));
  const before = await deps.models.User.findOneAndUpdate(
    { usernameKey },
    { $set: { role } },
    { returnDocument: 'before' },
  )
    .select({ username: 1, role: 1 })
    .comment('users.grantRole')
    .lean();
  if (!before) throw new GrantRoleError(`No user is named "${username}".`);
  return { userId: before._id.toHexString(), username: before.username, role, previousRole: before.role };
}

export const USAGE = `Usage: npm run grant-role -- <username> <role>\nRoles: ${ROLES.join(', ')}`;

/** The command line: returns the exit code. */
export async function main(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [username, role, ...rest] = args;
  if (username === undefined || role === undefined || rest.length > 0 || username.trim() === '') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // Refused before connecting: a typo in the role should not wait for a database.
  if (!isRole(role)) {
    process.stderr.write(`Unknown role "${role}". Roles: ${ROLES.join(', ')}.\n`);
    return 1;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // Log lines would mix with the answer on stdout; only warnings and worse are worth showing here.
  const logger = createLogger({ logLevel: config.logLevel === 'silent' ? 'silent' : 'warn' });
  const deps = await createDeps(config, logger);
  try {
    const granted = await grantRole(deps, username, role);
    const change =
      granted.previousRole === granted.role
        ? `already had the role ${granted.role}; nothing changed`
        : `now has the role ${granted.role} (was ${granted.previousRole})`;
    process.stdout.write(`${granted.username} ${change}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof GrantRoleError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await deps.db.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `grant-role failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
