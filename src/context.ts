import { authenticate, readAuthorization, type Authentication } from './auth/authenticate';
import type { TokenProblem } from './auth/tokens';
import type { Viewer } from './auth/viewer';
import type { AppDeps } from './deps';
import type { LoaderScope } from './loaders';
import { RequestDiagnostics } from './observability/diagnostics';
import { createServices, type Services } from './services';
import type { SubscriptionHub } from './subscriptions/hub';

/** What the edge knows of a request before it runs. */
export interface RequestMeta {
  readonly authorization?: string | undefined;
  readonly clientAddress: string;
  readonly diagnostics?: RequestDiagnostics | undefined;
}

/** Per-request GraphQL context: built fresh, read-only, never written to by resolvers. */
export interface Context {
  readonly requestId: string;
  readonly viewer: Viewer;
  /** The caller's address as the edge decided it; the one source for every per-address limit. */
  readonly clientAddress: string;
  /** Set when credentials were presented but granted nothing: the response says so. */
  readonly authProblem: TokenProblem | undefined;
  readonly services: Services;
  readonly diagnostics: RequestDiagnostics;
  /** Set on WebSocket connections: where subscriptions open, with the connection's authentication. */
  readonly realtime?: { readonly hub: SubscriptionHub; readonly auth: Authentication } | undefined;
}

export async function createContext(deps: AppDeps, meta: RequestMeta): Promise<Context> {
  const auth = await authenticate(deps, readAuthorization(meta.authorization));
  return contextOf(deps, auth, meta);
}

/**
 * The context of a caller already authenticated: a WebSocket connection authenticates once, and each event
 * it receives runs in a context of its own, whose loaders `scope` shares with the event's other subscribers.
 */
export function contextOf(
  deps: AppDeps,
  auth: Authentication,
  meta: Omit<RequestMeta, 'authorization'>,
  scope?: LoaderScope,
): Context {
  const diagnostics = meta.diagnostics ?? new RequestDiagnostics();
  const services = createServices(
    deps,
    auth.viewer,
    { clientAddress: meta.clientAddress, requestId: diagnostics.requestId },
    scope,
  );
  if (auth.user) services.users.prime(auth.user);
  return {
    requestId: diagnostics.requestId,
    viewer: auth.viewer,
    clientAddress: meta.clientAddress,
    authProblem: auth.problem,
    services,
    diagnostics,
  };
}
