import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';

/**
 * Shapes every GraphQL response after execution: the bad-credentials signal, the 429 status of a rate-limited
 * request, and (outside production) what the request cost MongoDB.
 */
export function responsePlugin(options: { exposeDiagnostics: boolean }): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      contextValue.diagnostics.operationName = request.operationName ?? null;
      return {
        async didResolveOperation({ operationName }) {
          contextValue.diagnostics.operationName = operationName ?? null;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const codes = (result.errors ?? []).map((e) => {
            const code = e.extensions?.['code'];
            return typeof code === 'string' ? code : 'UNKNOWN';
          });
          contextValue.diagnostics.errorCodes = codes;

          const limited = result.errors?.find((e) => e.extensions?.['code'] === 'RATE_LIMITED');
          if (limited) {
            response.http.status = 429;
            const retryAfter = limited.extensions?.['retryAfter'];
            response.http.headers.set('retry-after', String(typeof retryAfter === 'number' ? retryAfter : 1));
          }
          const extensions: Record<string, unknown> = { ...result.extensions };
          if (contextValue.authProblem) {
            // The request ran as anonymous; say why, so that clients know to refresh or sign in again.
            response.http.headers.set('www-authenticate', 'Bearer error="invalid_token"');
            extensions['authentication'] = { error: contextValue.authProblem };
          }
          if (options.exposeDiagnostics) {
            const { mongoCommands, mongoMs } = contextValue.diagnostics.snapshot();
            extensions['diagnostics'] = { mongoCommands, mongoMs };
          }
          if (Object.keys(extensions).length > 0) result.extensions = extensions;
        },
      };
    },
  };
}
