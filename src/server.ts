import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { Context } from './context';
import type { AppDeps } from './deps';
import { apolloOptions } from './graphql/apollo';
import { jitGateway } from './graphql/jit-gateway';
import { createGraphQLRules } from './graphql/rules';
import { createRequestHandler } from './http/handler';
import { createBucketStore } from './rate-limit';
import { requestGracePeriodMs } from './shutdown';
import { buildSchema } from './schema';

export interface AtriumServer {
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<Context>;
  /** Listens and resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting connections and closes idle ones, lets in-flight requests finish (for at most
   * `requestGracePeriodMs(SHUTDOWN_TIMEOUT_MS)`, then their connections are closed), then stops Apollo. The
   * resolvers of a request cut off that way, or already answered by its deadline, may still be running.
   */
  stop(): Promise<void>;
}

/** Builds the HTTP server and Apollo over the given dependencies. No side effects until `listen`. */
export async function createServer(
  deps: AppDeps,
  schema: GraphQLSchema = buildSchema(),
): Promise<AtriumServer> {
  const { config, logger } = deps;
  const httpServer = http.createServer({
    // A client that sends its request slowly holds a socket; it gets as long as a request may run.
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
  });
  const limiter = await createBucketStore(config, deps.db);
  // The GraphQL request rules (limits, cost, rate limit, errors, introspection) as Apollo options and plugins.
  const { plugins: rulePlugins, ...ruleOptions } = apolloOptions(
    createGraphQLRules({ config, logger, limiter }),
  );
  const apollo = new ApolloServer<Context>({
    ...(config.graphqlJit ? { gateway: jitGateway(schema) } : { schema }),
    ...ruleOptions,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    logger,
    stopOnTerminationSignals: false,
    plugins: [
      // Requests still running after the grace period have their connections closed; the rest of
      // SHUTDOWN_TIMEOUT_MS is kept for closing MongoDB.
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: requestGracePeriodMs(config.shutdownTimeoutMs),
      }),
      // No cache hints are used; the hook it installs on every field costs time on lists.
      ApolloServerPluginCacheControlDisabled(),
      config.isProduction
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false, includeCookies: false }),
      ...rulePlugins,
    ],
  });
  await apollo.start();
  httpServer.on('request', createRequestHandler(deps, apollo));

  return {
    httpServer,
    apollo,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async stop() {
      await apollo.stop();
    },
  };
}
