import pino from 'pino';
import type { Config } from '../config';
import { activeTraceId, tracingStarted } from './tracing';

export type Logger = pino.Logger;

type LoggerConfig = Pick<Config, 'logLevel'> & Partial<Pick<Config, 'nodeEnv'>>;

/**
 * Lines for a person: in development, on a terminal, when pino-pretty is installed (a development
 * dependency, so never in a production image). Everywhere else, JSON lines for machines.
 */
export function wantsPrettyLogs(config: LoggerConfig, isTTY: boolean, prettyInstalled: boolean): boolean {
  return config.nodeEnv === 'development' && isTTY && prettyInstalled;
}

function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Structured JSON logs on stdout (or on `destination`); credentials never reach a log line. With tracing on,
 * each line written while a span is active carries its trace's id as `traceId`. In development on a terminal
 * they are printed readably instead (the same lines, through pino-pretty).
 */
export function createLogger(config: LoggerConfig, destination?: pino.DestinationStream): Logger {
  const pretty =
    destination === undefined && wantsPrettyLogs(config, process.stdout.isTTY === true, prettyInstalled());
  return pino(
    {
      level: config.logLevel,
      base: { service: 'atrium' },
      redact: {
        paths: ['req.headers.authorization', '*.password', '*.refreshToken', '*.token'],
        remove: true,
      },
      ...(tracingStarted() ? { mixin: traceFields } : {}),
    },
    pretty
      ? pino.transport({
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
        })
      : destination,
  );
}

// pino merges the line's own fields into the object returned, so each call returns a new one.
function traceFields(): { traceId?: string } {
  const traceId = activeTraceId();
  return traceId === undefined ? {} : { traceId };
}
