import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { actorOf, apiKeyOf, type Viewer } from '../auth/viewer';
import { QueryTooComplexError, RateLimitedError, type AppError } from '../errors';
import { currentDiagnostics } from '../observability/diagnostics';
import type { Logger } from '../observability/logger';
import { secondsUntil, type Limiter, type Limiters } from '../rate-limit';
import { addressKey } from '../services/throttle';
import { operationCost, resultCost } from './cost';

export interface BudgetOptions {
  readonly maxCost: number;
  /** Absent: costs are reported but nobody is limited. */
  readonly limiter: Limiters | undefined;
  readonly logger: Logger;
}

/** An operation once the transport has parsed, validated and resolved it, before it runs. */
export interface ResolvedOperation {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
}

/** Who pays: API keys each their own bucket, signed-in callers per user, anonymous ones per client address. */
export interface Caller {
  readonly viewer: Viewer;
  readonly clientAddress: string;
}

/** What a response reports as `extensions.cost`, in Shopify's shape. */
export interface CostReport {
  readonly requestedQueryCost: number;
  readonly actualQueryCost: number;
  readonly throttleStatus?: {
    readonly maximumAvailable: number;
    readonly currentlyAvailable: number;
    readonly restoreRate: number;
  };
}

export interface Admission {
  /** Why the operation may not run (QUERY_TOO_COMPLEX, RATE_LIMITED); nothing was taken then. */
  readonly refusal: AppError | undefined;
  /**
   * Once the operation's result is known (`executed` false when it never ran): gives back the points it did
   * not use and says what to report.
   */
  settle(data: unknown, executed: boolean): CostReport;
}

export type Budget = (operation: ResolvedOperation, caller: Caller) => Promise<Admission>;

/**
 * Prices each operation once it is resolved and before it runs: over MAX_QUERY_COST it is refused
 * (QUERY_TOO_COMPLEX); otherwise its cost comes out of the caller's bucket (RATE_LIMITED when short), and what
 * it did not use goes back afterwards. Every response reports the figures, so that clients can pace themselves.
 */
export function createBudget({ maxCost, limiter, logger }: BudgetOptions): Budget {
  return async ({ schema, document, operation, variables }, { viewer, clientAddress }) => {
    // The metrics of the server taking this request, if it keeps them.
    const metrics = currentDiagnostics()?.metrics;
    const requested = operationCost(schema, document, operation, variables);
    let available: number | undefined;
    let charged = 0;
    let key = '';
    let bucket: Limiter | undefined;
    let refusal: AppError | undefined;
    if (requested > maxCost) {
      refusal = new QueryTooComplexError(requested, maxCost);
    } else if (limiter) {
      // An API key spends from a bucket of its own, sized for integrations, apart from its owner's. Signed-in
      // callers are limited per user wherever they connect from; anonymous ones per address, an IPv6 one per
      // /64 as the sign-in throttle counts it.
      const apiKey = apiKeyOf(viewer);
      const actor = actorOf(viewer);
      bucket = apiKey ? limiter.apiKeys : limiter;
      key = apiKey
        ? `apiKey:${apiKey.keyId}`
        : actor
          ? `user:${actor.id}`
          : `address:${addressKey(clientAddress)}`;
      const taken = await bucket.store.take(key, requested, Date.now());
      available = taken.available;
      if (taken.allowed) {
        charged = requested;
      } else {
        metrics?.rateLimited('cost');
        const retryAfter = secondsUntil(bucket.policy, taken.available, requested);
        refusal = new RateLimitedError(
          retryAfter,
          `This operation costs ${requested} points and ${Math.floor(taken.available)} are available. Try again in ${retryAfter} s.`,
        );
      }
    }

    return {
      refusal,
      settle(data, executed) {
        // A refused operation ran nothing; an executed one is charged for what came back, at most its estimate.
        const actual = executed ? resultCost(data, operation, requested) : 0;
        metrics?.operationCost(requested, executed ? actual : undefined);
        if (bucket && charged > actual) {
          const refund = charged - actual;
          charged = actual;
          available = Math.min(bucket.policy.maxPoints, (available ?? 0) + refund);
          bucket.store.refund(key, refund, Date.now()).catch((error: unknown) => {
            logger.warn({ err: error }, 'rate limit refund failed');
          });
        }
        return {
          requestedQueryCost: requested,
          actualQueryCost: actual,
          ...(bucket && available !== undefined
            ? {
                throttleStatus: {
                  maximumAvailable: bucket.policy.maxPoints,
                  currentlyAvailable: Math.floor(available),
                  restoreRate: bucket.policy.restoreRate,
                },
              }
            : {}),
        };
      },
    };
  };
}
