import { createDeps } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger, type Logger } from './logger';
import { createServer } from './server';

/** Process entry: loadConfig → connect → createServer → listen → graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  processLogger = logger;
  const deps = await createDeps(config, logger);
  const server = await createServer(deps);
  const port = await server.listen(config.port, config.host);
  logger.info({ port, env: config.nodeEnv, url: `http://localhost:${port}/graphql` }, 'Atrium is ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await server.stop();
      await deps.db.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
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
  process.stderr.write(
    `Atrium failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
