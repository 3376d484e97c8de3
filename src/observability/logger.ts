import pino from 'pino';
import type { Config } from '../config';
import { activeTraceId, tracingStarted } from './tracing';

export type Logger = pino.Logger;

/**
 * Structured JSON logs on stdout (or on `destination`); credentials never reach a log line. With tracing on,
 * each line written while a span is active carries its trace's id as `traceId`.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
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
    destination,
  );
}

// pino merges the line's own fields into the object returned, so each call returns a new one.
function traceFields(): { traceId?: string } {
  const traceId = activeTraceId();
  return traceId === undefined ? {} : { traceId };
}
