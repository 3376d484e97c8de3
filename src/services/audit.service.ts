import { hasRole, type Viewer } from '../auth/viewer';
import { ForbiddenError } from '../errors';
import { auditListName, type AuditEventRecord, type AuditLog } from './audit-log';
import { emptyConnection, type CursorCodec, type PageArgs } from './pagination';
import type { Connection } from './records';
import type { UserService } from './user.service';

export interface AuditFilter {
  readonly action?: string | null | undefined;
  /** Username of the user who acted. */
  readonly actor?: string | null | undefined;
}

/** The longest action name a filter may carry: longer ones name no action. */
const ACTION_MAX_LENGTH = 64;

/** Reading the audit log: admins only, here as well as at the edge, since every list is reachable some other way. */
export class AuditService {
  constructor(
    private readonly viewer: Viewer,
    private readonly users: UserService,
    private readonly log: AuditLog,
    private readonly cursors: CursorCodec,
  ) {}

  async list(filter: AuditFilter, page: PageArgs): Promise<Connection<AuditEventRecord>> {
    if (!hasRole(this.viewer, 'admin')) throw new ForbiddenError('Only admins can read the audit log.');
    const action = filter.action ?? null;
    const actor = filter.actor == null ? null : await this.users.getByUsername(filter.actor);
    if ((filter.actor != null && !actor) || (action !== null && action.length > ACTION_MAX_LENGTH)) {
      return emptyConnection(page, this.cursors, auditListName({ action, actorId: '' }));
    }
    return this.log.page({ action, actorId: actor?.id ?? null }, page, this.cursors);
  }
}
