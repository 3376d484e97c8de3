import type { Viewer } from '../auth/viewer';
import type { AppDeps } from '../deps';
import { SessionService, type RequestInfo } from './session.service';
import { UserService } from './user.service';

/** The services of one request, built from its viewer, each owning fresh DataLoaders. */
export function createServices(deps: AppDeps, viewer: Viewer, request: RequestInfo) {
  const users = new UserService(deps, viewer);
  const sessions = new SessionService(deps, viewer, users, request);
  return { users, sessions };
}

export type Services = ReturnType<typeof createServices>;
export type { RequestInfo };
