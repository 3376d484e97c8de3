import type { Config } from '../config';

/**
 * Which browser origins may call: the CORS allow-list over HTTP, and the WebSocket upgrade's check (browsers
 * apply no CORS to WebSockets, so the server refuses other origins itself). Unset outside production: any.
 */
export function allowedOrigins(config: Pick<Config, 'corsOrigins'>): true | string[] {
  return config.corsOrigins === undefined ? true : [...config.corsOrigins];
}

/** A request without an Origin header comes from no browser page: nothing to check. */
export function isOriginAllowed(config: Pick<Config, 'corsOrigins'>, origin: string | undefined): boolean {
  const allowed = allowedOrigins(config);
  return origin === undefined || allowed === true || allowed.includes(origin);
}
