import pino from 'pino';
import type { Config } from '../config';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout (or on `destination`); credentials never reach a log line. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'atrium' },
      redact: {
        paths: ['req.headers.authorization', '*.password', '*.refreshToken', '*.token'],
        remove: true,
      },
    },
    destination,
  );
}
