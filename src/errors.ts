/**
 * Every error a caller can see has a stable code. Services throw these; `formatError` (src/graphql/format-error.ts)
 * is the one place that turns them into GraphQL errors, and masks everything else.
 */

interface CodeRule {
  /**
   * The HTTP status of a response this error ends: refused at the HTTP edge, or before the operation runs.
   * Raised by a field while the operation runs, it leaves the status alone (200, with `data` beside `errors`),
   * unless `wholeRequest` is set.
   */
  readonly status: number;
  /** The response takes the status even when a field raised the error: the whole request was refused. */
  readonly wholeRequest?: true;
  /** Clients see INTERNAL_SERVER_ERROR instead, as for any failure of the service. */
  readonly masked?: true;
}

/**
 * Every code Atrium sends, with its HTTP status: the one place a status is decided. The HTTP edge and the
 * request plugins derive theirs from here. graphql-js and Apollo's own request errors (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, Apollo's BAD_REQUEST, …) keep the status Apollo gives them; src/graphql/format-error.ts
 * lists the ones shown as they are.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  BAD_USER_INPUT: { status: 400 },
  QUERY_TOO_COMPLEX: { status: 400 },
  // Apollo's persisted queries protocol: the client sends the document next. 200, as Apollo answers it:
  // Apollo Client stops using persisted queries altogether after a 400 or a 500.
  PERSISTED_QUERY_NOT_FOUND: { status: 200 },
  // TRUSTED_DOCUMENTS_MODE=enforce and a document that is not trusted, from a caller who must send trusted ones.
  PERSISTED_QUERY_NOT_ALLOWED: { status: 400 },
  // The caller must wait, whichever check refused it: the cost budget before the operation runs, or the
  // sign-in throttle inside a mutation.
  RATE_LIMITED: { status: 429, wholeRequest: true },
  INTERNAL_SERVER_ERROR: { status: 500 },
  // A request still running at REQUEST_TIMEOUT_MS, answered by the edge; masked like any other failure.
  TIMEOUT: { status: 503, masked: true },
  // The HTTP edge's own, for requests refused before GraphQL reads them.
  METHOD_NOT_ALLOWED: { status: 405 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  BAD_REQUEST: { status: 400 },
} as const satisfies Record<string, CodeRule>;

export type ErrorCode = keyof typeof ERROR_CODES;

const rules: Readonly<Record<ErrorCode, CodeRule>> = ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The HTTP status of a response that `code` ends. */
export function httpStatusOf(code: ErrorCode): number {
  return rules[code].status;
}

/** Whether `code` gives the whole response its status even when a field raised it. */
export function refusesWholeRequest(code: ErrorCode): boolean {
  return rules[code].wholeRequest === true;
}

/** The code clients are shown for `code`. */
export function shownCode(code: ErrorCode): ErrorCode {
  return rules[code].masked ? 'INTERNAL_SERVER_ERROR' : code;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  readonly extensions: Readonly<Record<string, unknown>> = {};
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'You must be signed in to do this.') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'You are not allowed to do this.') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  constructor(what: string) {
    super(`${what} was not found.`);
  }
}

export class BadUserInputError extends AppError {
  readonly code = 'BAD_USER_INPUT';
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(message: string, field?: string) {
    super(message);
    this.extensions = field ? { field } : {};
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  // Its status (ERROR_CODES) and Retry-After are set by the response plugin (src/graphql/response-plugin.ts), wherever
  // it was thrown.
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many attempts. Try again later.',
  ) {
    super(message);
    this.extensions = { retryAfter: retryAfterSeconds };
  }
}

/** An operation whose estimated cost is over MAX_QUERY_COST; refused before it runs. */
export class QueryTooComplexError extends AppError {
  readonly code = 'QUERY_TOO_COMPLEX';
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(cost: number, maxCost: number) {
    super(`The operation would cost ${cost} points; at most ${maxCost} are allowed. Ask for smaller pages.`);
    this.extensions = { cost, maxCost };
  }
}

/** TRUSTED_DOCUMENTS_MODE=enforce: the document is not in the trusted-documents manifest. */
export class PersistedQueryNotAllowedError extends AppError {
  readonly code = 'PERSISTED_QUERY_NOT_ALLOWED';
  constructor() {
    super('Only trusted documents may be sent: send a documentId from the trusted-documents manifest.');
  }
}

/** An expected mistake in a mutation's input, reported in the payload's `errors`, not as a GraphQL error. */
export interface UserErrorRecord {
  readonly message: string;
  /** The input field at fault, e.g. `email`. */
  readonly path: string | null;
}

/**
 * Thrown by services for expected input mistakes; mutation resolvers turn it into `errors: [UserError]`
 * (resolvers/common/payload.ts). Nothing has been written when it is thrown.
 */
export class UserInputErrors extends Error {
  constructor(readonly errors: readonly UserErrorRecord[]) {
    super(errors.map((e) => e.message).join(' '));
    this.name = 'UserInputErrors';
  }

  static single(path: string | null, message: string): UserInputErrors {
    return new UserInputErrors([{ path, message }]);
  }
}
