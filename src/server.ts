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
import { apolloOptions, persistedQueryOptions } from './graphql/apollo';
import { jitGateway } from './graphql/jit-gateway';
import { MongoPersistedQueryCache, PersistedDocumentCache } from './graphql/persisted-queries';
import { loadTrustedDocuments } from './graphql/trusted-documents';
import { createGraphQLRules } from './graphql/rules';
import { clientAddressResolver } from './http/client-address';
import { createRequestHandler } from './http/handler';
import { Metrics } from './observability/metrics';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server';
import { createBucketStore } from './rate-limit';
import { requestGracePeriodMs } from './shutdown';
import { buildSchema } from './schema';
import { attachRealtime, type RealtimeServer } from './subscriptions/ws';

export interface AtriumServer {
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<Context>;
  /** This server's metrics; absent unless METRICS_PORT is set. */
  readonly metrics: Metrics | undefined;
  /** GraphQL over WebSocket on the same server: its connections and subscriptions. */
  readonly realtime: RealtimeServer;
  /**
   * Refuses new WebSocket connections, lets events already taken reach their subscribers, then closes every
   * socket with 1001. Part of `stop`; its own shutdown step, before the requests'.
   */
  stopSubscriptions(): Promise<void>;
  /** Listens and resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Serves `GET /metrics` on a listener of its own and resolves with its bound port; only with METRICS_PORT
   * set. Closed by `stop`, after the last in-flight request has been counted.
   */
  listenMetrics(port: number, host?: string): Promise<number>;
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
  const rules = createGraphQLRules({ config, logger, limiter });
  const { plugins: rulePlugins, ...ruleOptions } = apolloOptions(rules);
  // Checked once, as requests are: a manifest with a document that could not run stops the start.
  const trusted = config.trustedDocumentsFile
    ? await loadTrustedDocuments(config.trustedDocumentsFile, schema, rules, config.maxQueryCost)
    : undefined;
  if (trusted) {
    logger.info(
      { file: config.trustedDocumentsFile, documents: trusted.size, mode: config.trustedDocumentsMode },
      'trusted documents loaded',
    );
  }
  const apollo = new ApolloServer<Context>({
    ...(config.graphqlJit ? { gateway: jitGateway(schema) } : { schema }),
    ...ruleOptions,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Trusted documents, then those registered by automatic persisted queries, shared through MongoDB.
    persistedQueries: persistedQueryOptions(
      new PersistedDocumentCache(
        trusted,
        new MongoPersistedQueryCache(deps.models.PersistedQuery, logger, config.persistedQueryMaxBytes),
      ),
      config.persistedQueryTtlSeconds,
    ),
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
  // A registry of this server's own: several servers in one process (tests) keep separate figures.
  const metrics = config.metricsPort === undefined ? undefined : new Metrics();
  httpServer.on('request', createRequestHandler(deps, apollo, metrics, trusted));
  // Subscriptions (and any operation) over WebSocket on the same port and path, under the same rules.
  const realtime = attachRealtime({
    deps,
    httpServer,
    schema,
    rules,
    trusted,
    clientAddressOf: clientAddressResolver(config.trustProxy),
    metrics,
  });
  const stopSubscriptions = () => realtime.drain(requestGracePeriodMs(config.shutdownTimeoutMs) / 2);
  let metricsServer: MetricsServer | undefined;

  return {
    httpServer,
    apollo,
    metrics,
    realtime,
    stopSubscriptions,
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
    async listenMetrics(port, host) {
      if (!metrics) throw new Error('metrics are off: METRICS_PORT is not set');
      if (metricsServer) throw new Error('the metrics listener is already started');
      metricsServer = await startMetricsServer(metrics, logger, port, host);
      return metricsServer.port;
    },
    async stop() {
      await stopSubscriptions();
      await apollo.stop();
      await metricsServer?.close();
    },
  };
}
