import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError } from '../errors';
import type { Logger } from '../observability/logger';

/**
 * Codes graphql-js and Apollo give to requests that are wrong before or while variables are read: shown as they
 * are. Apollo decides their HTTP status; a transport of its own gives graphql-js's parse and validation errors
 * GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED, as Apollo does.
 */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** graphql-js's "Did you mean …?" hints, which name fields and types of the schema. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * An AppError that ends a request before execution (QUERY_TOO_COMPLEX, RATE_LIMITED): a GraphQL error with the
 * AppError's code and extensions, plus what the transport adds (Apollo: the HTTP status).
 */
export function requestError(error: AppError, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { ...error.extensions, code: error.code, ...extensions },
  });
}

/** The AppError behind a GraphQL error, whether a field raised it or the request was refused with it. */
function appErrorOf(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof AppError) return error.originalError;
  return undefined;
}

export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * The one place errors become responses: an AppError shows its code and message; graphql-js request errors
 * show as they are (without schema suggestions when the schema is not public); anything else is masked as
 * INTERNAL_SERVER_ERROR and logged once, with its stack. `formatted` is the error as the transport formatted it,
 * with its code; `error`, the error itself.
 */
export function createFormatError(logger: Logger, options: { hideSuggestions: boolean }): FormatError {
  return (formatted, error) => {
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    const appError = appErrorOf(error);
    if (appError) {
      return {
        ...base,
        message: appError.message,
        extensions: { ...appError.extensions, code: appError.code },
      };
    }
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      void _stack;
      const message = options.hideSuggestions ? base.message.replace(SUGGESTION, '') : base.message;
      return { ...base, message, extensions };
    }
    // A field's error wraps what was thrown; that is what the log needs.
    const original =
      error instanceof GraphQLError && error.path && error.originalError ? error.originalError : error;
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
