import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { QueryTooComplexError, RateLimitedError } from '../errors';
import type { Logger } from '../logger';
import { secondsUntil, type BucketPolicy, type BucketStore } from '../rate-limit';
import { addressKey } from '../services/throttle';
import { operationCost, resultCost } from './cost';
import { requestError } from './format-error';

export interface CostPluginOptions {
  readonly maxCost: number;
  /** Absent: costs are reported but nobody is limited. */
  readonly limiter: { readonly store: BucketStore; readonly policy: BucketPolicy } | undefined;
  readonly logger: Logger;
}

/**
 * Prices each operation once it is resolved and before it runs: over MAX_QUERY_COST it is refused
 * (QUERY_TOO_COMPLEX); otherwise its cost comes out of the caller's bucket (RATE_LIMITED when short), and
 * what it did not use goes back afterwards. Every response reports the figures as `extensions.cost`, in
 * Shopify's shape, so that clients can pace themselves.
 */
export function costPlugin({ maxCost, limiter, logger }: CostPluginOptions): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let requested: number | undefined;
      let charged = 0;
      let available: number | undefined;
      let key = '';
      let refused = true;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // Apollo resolves the operation before this hook; without one there is nothing to run.
          if (!operation) return;
          const cost = operationCost(schema, document, operation, request.variables);
          requested = cost;
          if (cost > maxCost) throw requestError(new QueryTooComplexError(cost, maxCost));
          if (!limiter) return;
          // Signed-in callers are limited per user wherever they connect from; anonymous ones per address, an
          // IPv6 one per /64 as the sign-in throttle counts it.
          const { viewer, clientAddress } = contextValue;
          key = viewer.kind === 'user' ? `user:${viewer.id}` : `address:${addressKey(clientAddress)}`;
          const taken = await limiter.store.take(key, cost, Date.now());
          available = taken.available;
          if (!taken.allowed) {
            const retryAfter = secondsUntil(limiter.policy, taken.available, cost);
            throw requestError(
              new RateLimitedError(
                retryAfter,
                `This operation costs ${cost} points and ${Math.floor(taken.available)} are available. Try again in ${retryAfter} s.`,
              ),
            );
          }
          charged = cost;
        },
        async executionDidStart() {
          refused = false;
        },
        async willSendResponse({ response, operation }) {
          if (response.body.kind !== 'single' || requested === undefined) return;
          const result = response.body.singleResult;
          // A refused operation ran nothing; an executed one is charged for what came back, at most its estimate.
          const actual = refused ? 0 : resultCost(result.data, operation, requested);
          if (limiter && charged > actual) {
            const refund = charged - actual;
            available = Math.min(limiter.policy.maxPoints, (available ?? 0) + refund);
            limiter.store.refund(key, refund, Date.now()).catch((error: unknown) => {
              logger.warn({ err: error }, 'rate limit refund failed');
            });
          }
          result.extensions = {
            ...result.extensions,
            cost: {
              requestedQueryCost: requested,
              actualQueryCost: actual,
              ...(limiter && available !== undefined
                ? {
                    throttleStatus: {
                      maximumAvailable: limiter.policy.maxPoints,
                      currentlyAvailable: Math.floor(available),
                      restoreRate: limiter.policy.restoreRate,
                    },
                  }
                : {}),
            },
          };
        },
      };
    },
  };
}
