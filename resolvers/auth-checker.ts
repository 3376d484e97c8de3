import type { AuthCheckerFn } from 'type-graphql';
import { hasRole, requireActor } from '../src/auth/viewer';
import type { Context } from '../src/context';
import { ForbiddenError } from '../src/errors';
import type { Role } from '../src/auth/roles';

/**
 * The edge gate for `@Authorized()`: a user is required, and with roles, one of them (or a higher one).
 * Ownership rules live in the services, so that no field resolver or loader can go around them.
 */
export const authChecker: AuthCheckerFn<Context, Role> = ({ context }, roles) => {
  requireActor(context.viewer);
  if (roles.length > 0 && !roles.some((role) => hasRole(context.viewer, role))) throw new ForbiddenError();
  return true;
};
