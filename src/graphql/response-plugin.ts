import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { httpStatusOf, isErrorCode, refusesWholeRequest } from '../errors';

/**
 * Shapes every GraphQL response after execution: the bad-credentials signal, the status of a request an error
 * refused as a whole (RATE_LIMITED's 429, with Retry-After), and (outside production) what the request cost
 * MongoDB.
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

          // An error raised before execution brought its status with it (requestError); one that refuses the
          // whole request gives the response its status wherever it was raised.
          for (const error of result.errors ?? []) {
            const code = error.extensions?.['code'];
            if (!isErrorCode(code) || !refusesWholeRequest(code)) continue;
            response.http.status = httpStatusOf(code);
            const retryAfter = error.extensions?.['retryAfter'];
            if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
            break;
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
