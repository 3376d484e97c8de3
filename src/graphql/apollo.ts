import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { PrefixingKeyValueCache } from '@apollo/utils.keyvaluecache';
import { context, createContextKey, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OperationTypeNode, type ParseOptions, type ValidationRule } from 'graphql';
import type { Context } from '../context';
import { BadUserInputError, httpStatusOf, isErrorCode, refusesWholeRequest } from '../errors';
import type { Admission } from './budget';
import type { KeyValueCache } from './persisted-queries';
import { requestError, type FormatError } from './format-error';
import type { GraphQLRules } from './rules';

export interface ApolloRuleOptions {
  readonly introspection: boolean;
  readonly hideSchemaDetailsFromClientErrors: boolean;
  readonly parseOptions: ParseOptions;
  readonly validationRules: ValidationRule[];
  readonly formatError: FormatError;
  readonly plugins: ApolloServerPlugin<Context>[];
}

/**
 * The GraphQL rules as Apollo Server options and a plugin. Only what is HTTP's is decided here: the status of
 * a response (from ERROR_CODES), Retry-After and WWW-Authenticate.
 */
export function apolloOptions(rules: GraphQLRules): ApolloRuleOptions {
  return {
    // The validation rules refuse introspection and the error formatter drops schema suggestions when
    // introspection is off, for every transport; Apollo's own switches would do it for HTTP alone.
    introspection: true,
    hideSchemaDetailsFromClientErrors: false,
    // Apollo caches parsed and validated documents, so these run once per distinct document.
    parseOptions: rules.parseOptions,
    // Not Apollo's maxRecursiveSelections: with it set, Apollo runs these rules only after graphql-js's own,
    // and the document limits must come first to spare them documents over a limit.
    validationRules: [...rules.validationRules],
    formatError: rules.formatError,
    plugins: [rulesPlugin(rules), operationSpanPlugin()],
  };
}

/**
 * Apollo's automatic persisted queries over `documents` (src/graphql/persisted-queries.ts). Apollo prefixes
 * the keys of a cache it is given, to keep it apart from its other caches; these documents have a store of
 * their own, keyed by the bare SHA-256 that trusted documents are listed by.
 */
export function persistedQueryOptions(documents: KeyValueCache, ttlSeconds: number) {
  return {
    cache: PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(documents),
    ttl: ttlSeconds,
  };
}

const tracer = trace.getTracer('atrium');
const OPERATION_SPAN = createContextKey('atrium.graphql.operation-span');

type HTTPGraphQLExecution = ApolloServer<Context>['executeHTTPGraphQLRequest'];

/**
 * Runs one HTTP GraphQL request through Apollo inside a span for its operation, which operationSpanPlugin
 * names once Apollo has resolved the operation. Everything the request runs (the session check, the resolvers,
 * their MongoDB commands) is beneath it, with either executor: a plugin sees each step but cannot make a span
 * active around execution, and the compiled executor bypasses graphql-js's `execute`.
 */
export function executeInOperationSpan(
  apollo: ApolloServer<Context>,
  request: Parameters<HTTPGraphQLExecution>[0],
): ReturnType<HTTPGraphQLExecution> {
  // Kind INTERNAL: the HTTP server span is the request's entry, and backends that count requests from SERVER
  // spans would count each one twice.
  const span = tracer.startSpan('GraphQL Operation', { kind: SpanKind.INTERNAL });
  // Tracing off, or a trace the caller did not sample: nothing to record.
  if (!span.isRecording()) return apollo.executeHTTPGraphQLRequest(request);
  return context.with(trace.setSpan(context.active(), span).setValue(OPERATION_SPAN, span), async () => {
    try {
      return await apollo.executeHTTPGraphQLRequest(request);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Names the operation span per OpenTelemetry's GraphQL conventions (`query ArticlePage`, with
 * `graphql.operation.type` and `graphql.operation.name`) and marks it failed when the server failed. The
 * document itself (`graphql.document`) is left out: it may hold inline passwords and tokens.
 */
function operationSpanPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const span = context.active().getValue(OPERATION_SPAN) as Span | undefined;
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const type = operation.operation;
          span.setAttribute('graphql.operation.type', type);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
          span.updateName(operationName ? `${type} ${operationName}` : type);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          // A client's mistake (a bad input, a refused or throttled request) is not the server failing.
          const failed = response.body.singleResult.errors?.some(
            (error) => error.extensions?.['code'] === 'INTERNAL_SERVER_ERROR',
          );
          if (!failed) return;
          span.setAttribute('error.type', 'INTERNAL_SERVER_ERROR');
          span.setStatus({ code: SpanStatusCode.ERROR });
        },
      };
    },
  };
}

function rulesPlugin(rules: GraphQLRules): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      contextValue.diagnostics.graphql = true;
      contextValue.diagnostics.operationName = request.operationName ?? null;
      let admission: Admission | undefined;
      let executed = false;
      return {
        async didResolveOperation({ schema, document, operation, operationName, request }) {
          contextValue.diagnostics.operationName = operationName ?? null;
          // Apollo resolves the operation before this hook; without one there is nothing to run.
          if (!operation) return;
          contextValue.diagnostics.operationType = operation.operation;
          // Apollo would run a subscription's field once, as a query, with nothing to subscribe to.
          if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
            const refusal = new BadUserInputError('Subscriptions are served over WebSocket at /graphql.');
            throw requestError(refusal, { http: { status: httpStatusOf(refusal.code) } });
          }
          admission = await rules.admit(
            { schema, document, operation, variables: request.variables },
            contextValue,
          );
          const { refusal } = admission;
          // Apollo takes `http` off the error and gives the response its status.
          if (refusal) throw requestError(refusal, { http: { status: httpStatusOf(refusal.code) } });
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          contextValue.diagnostics.errorCodes = (result.errors ?? []).map((e) => {
            const code = e.extensions?.['code'];
            return typeof code === 'string' ? code : 'UNKNOWN';
          });

          const extensions: Record<string, unknown> = {
            ...result.extensions,
            ...(admission ? { cost: admission.settle(result.data, executed) } : {}),
            ...rules.responseExtensions(contextValue),
          };
          if (Object.keys(extensions).length > 0) result.extensions = extensions;

          // An error that refuses the whole request gives the response its status wherever it was raised
          // (RATE_LIMITED from the sign-in throttle too).
          for (const error of result.errors ?? []) {
            const code = error.extensions?.['code'];
            if (!isErrorCode(code) || !refusesWholeRequest(code)) continue;
            response.http.status = httpStatusOf(code);
            const retryAfter = error.extensions?.['retryAfter'];
            if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
            break;
          }
          if (contextValue.authProblem) {
            response.http.headers.set('www-authenticate', 'Bearer error="invalid_token"');
          }
        },
      };
    },
  };
}
