import { ROLES, type Role } from '../auth/roles';
import { ConfigError } from '../config';
import type { AppDeps } from '../deps';
import { CommandError, configFrom, describeFailure, EXIT, runCommand, withDeps } from './command';
import { AuditLog, auditTarget } from '../services/audit-log';
import { identityKey, normalize } from '../services/text';

/**
 * Admin command line: `npm run grant-role -- <username> <role>`. Roles are granted here and nowhere in the
 * API, so that no bug in a resolver can make someone an admin. The change holds from the user's next
 * request: every request reads the role with the session.
 */

export class GrantRoleError extends CommandError {}

export interface GrantedRole {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly previousRole: Role;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Gives the user with this username (matched as sign-up matches it: case and form folded) the role. A change
 * is audited in the same transaction (no actor, no client address: it was made at the console).
 */
export async function grantRole(
  deps: Pick<AppDeps, 'config' | 'db' | 'models'>,
  username: string,
  role: string,
): Promise<GrantedRole> {
  if (!isRole(role)) throw new GrantRoleError(`Unknown role "${role}". Roles: ${ROLES.join(', ')}.`);
  const usernameKey = identityKey(normalize(username));
  const audit = new AuditLog(deps, { clientAddress: null, requestId: null });
  const before = await deps.db.transaction(async (session) => {
    const found = await deps.models.User.findOneAndUpdate(
      { usernameKey },
      { $set: { role } },
      { returnDocument: 'before', session },
    )
      .select({ username: 1, role: 1 })
      .comment('users.grantRole')
      .lean();
    if (found && found.role !== role) {
      const userId = found._id.toHexString();
      const detail = `${role} (was ${found.role})`;
      await audit.record(
        { action: 'ROLE_GRANTED', actorId: null, target: auditTarget.user(userId), detail },
        session,
      );
    }
    return found;
  });
  if (!before) throw new GrantRoleError(`No user is named "${username}".`);
  return { userId: before._id.toHexString(), username: before.username, role, previousRole: before.role };
}

export const USAGE = `Usage: npm run grant-role -- <username> <role>\nRoles: ${ROLES.join(', ')}`;

/** The command line: returns the exit code. */
export async function main(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [username, role, ...rest] = args;
  if (username === undefined || role === undefined || rest.length > 0 || username.trim() === '') {
    process.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    // Refused before connecting: a typo in the role should not wait for a database.
    if (!isRole(role)) throw new GrantRoleError(`Unknown role "${role}". Roles: ${ROLES.join(', ')}.`);
    const config = configFrom(env);
    const granted = await withDeps(config, (deps) => grantRole(deps, username, role));
    const change =
      granted.previousRole === granted.role
        ? `already had the role ${granted.role}; nothing changed`
        : `now has the role ${granted.role} (was ${granted.previousRole})`;
    process.stdout.write(`${granted.username} ${change}.\n`);
    return EXIT.ok;
  } catch (error) {
    // The person's mistakes end here with their message; anything else is a bug, for runCommand's stack.
    if (error instanceof GrantRoleError || error instanceof ConfigError) {
      process.stderr.write(`${describeFailure('grant-role', error)}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

if (require.main === module) runCommand('grant-role', () => main(process.argv.slice(2)));
