/**
 * Every error a caller can see has a stable code. Services throw these; `formatError` (src/http/format-error.ts)
 * is the one place that turns them into GraphQL errors, and masks everything else.
 */

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** The HTTP status a request gets when this error ends it before execution. */
  readonly httpStatus: number | undefined = undefined;
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
  // Its 429 and Retry-After come from the response plugin (src/http/plugins.ts), wherever it was thrown.
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many attempts. Try again later.',
  ) {
    super(message);
    this.extensions = { retryAfter: retryAfterSeconds };
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
