import { createDeps } from './deps';
import { configFrom, describeFailure } from './cli/command';
import { createLogger, type Logger } from './observability/logger';
import { flushTraces } from './observability/tracing';
import { createServer } from './server';
import { stopOnSignals } from './shutdown';
import { startWebhooks } from './webhooks';

/** Process entry: loadConfig → connect → createServer → listen → graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configFrom(process.env);
  const logger = createLogger(config);
  processLogger = logger;
  const deps = await createDeps(config, logger);
  const server = await createServer(deps);
  const port = await server.listen(config.port, config.host);
  if (config.metricsPort !== undefined) {
    const metricsPort = await server.listenMetrics(config.metricsPort, config.host);
    logger.info({ metricsPort }, 'metrics at /metrics');
  }
  const webhooks = await startWebhooks(deps, { metrics: server.metrics });
  const url = `http://localhost:${port}/graphql`;
  logger.info(
    {
      port,
      env: config.nodeEnv,
      url,
      ...(config.isProduction ? {} : { sandbox: `open ${url} for Apollo Sandbox` }),
      database: deps.db.location,
    },
    'Atrium is ready',
  );

  stopOnSignals(process, {
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [
      // Subscribers get the events already taken, then their sockets close with 1001.
      { name: 'subscriptions', run: () => server.stopSubscriptions() },
      { name: 'requests', run: () => server.stop() },
      // The batch of events in hand is recorded; attempts in flight are abandoned, to be made by another instance.
      { name: 'webhooks', run: () => webhooks.stop() },
      // The change streams close after the batch in hand has been handed over.
      { name: 'change streams', run: () => deps.events.stop() },
      // Mail that requests started goes out before the database closes.
      { name: 'background work', run: () => deps.background.idle() },
      {
        name: 'database',
        run: async () => {
          deps.mailer.close();
          await deps.db.close();
        },
      },
      // Spans still waiting for their batch are exported before the process exits.
      { name: 'traces', run: () => flushTraces() },
    ],
    exit: (code) => process.exit(code),
  });
}

/** Set once the configuration is read; before that, stderr is all there is. */
let processLogger: Logger | undefined;

// Every promise is awaited or given a catch; one that slips through is a bug to log once, with its stack, and
// not a reason to take down the requests in flight.
process.on('unhandledRejection', (reason) => {
  if (processLogger) processLogger.error({ err: reason }, 'unhandled rejection');
  else
    process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

main().catch((error: unknown) => {
  // A bad configuration prints only its message, naming the key; anything else its stack.
  process.stderr.write(`${describeFailure('Atrium start', error)}\n`);
  process.exit(1);
});
