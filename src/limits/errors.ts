import { AppError } from '../errors';

/** An operation whose estimated cost is over MAX_QUERY_COST; refused before it runs. */
export class QueryTooComplexError extends AppError {
  readonly code = 'QUERY_TOO_COMPLEX';
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(cost: number, maxCost: number) {
    super(`The operation would cost ${cost} points; at most ${maxCost} are allowed. Ask for smaller pages.`);
    this.extensions = { cost, maxCost };
  }
}
