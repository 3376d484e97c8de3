import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from '../support/harness';

/** Polls `condition` until it holds; fails after `timeoutMs` (a bound, not a measurement). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Connection {
  readonly client: Client;
  /** The connection_ack payload, once acknowledged. */
  readonly acked: Promise<Record<string, unknown> | undefined>;
  /** Resolves with the close event's code and reason once the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

export interface ConnectOptions {
  /** Sent in connection_init as `authorization`. */
  authorization?: string;
  headers?: Record<string, string>;
}

/** A graphql-ws client on the app's /graphql, that does not retry: each test sees exactly what happened. */
export function connect(app: TestApp, options: ConnectOptions = {}): Connection {
  let ack!: (payload: Record<string, unknown> | undefined) => void;
  let close!: (event: { code: number; reason: string }) => void;
  const acked = new Promise<Record<string, unknown> | undefined>((resolve) => (ack = resolve));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (close = resolve));
  const headers = options.headers;
  class Socket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, headers ? { headers } : {});
    }
  }
  const client = createClient({
    url: `${app.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: headers ? Socket : WebSocket,
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    connectionParams: options.authorization ? { authorization: options.authorization } : {},
    on: {
      connected: (_socket, payload) => ack(payload),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        close({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, acked, closed, dispose: () => client.dispose() as Promise<void> };
}

export interface Subscription<T = any> {
  readonly results: FormattedExecutionResult<T, unknown>[];
  /** Errors the subscription ended with (an error message), or the close event. */
  readonly failed: unknown[];
  readonly completed: Promise<void>;
  stop(): void;
}

export function subscribe<T = any>(
  connection: Connection,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const results: FormattedExecutionResult<T, unknown>[] = [];
  const failed: unknown[] = [];
  let done!: () => void;
  const completed = new Promise<void>((resolve) => (done = resolve));
  const stop = connection.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => results.push(result),
      error: (error) => {
        failed.push(error);
        done();
      },
      complete: () => done(),
    },
  );
  return { results, failed, completed, stop };
}

/** Waits until the app holds `count` open subscriptions (each live or replaying). */
export function subscriptionsOpen(app: TestApp, count: number): Promise<void> {
  return waitFor(() => app.server.realtime.hub.size >= count, 15_000, `${count} open subscriptions`);
}

/** The error codes a subscription got: in its results (execution errors) or as its error message. */
export function errorCodes(subscription: Subscription): unknown[] {
  const fromResults = subscription.results.flatMap((r) => r.errors ?? []);
  const fromError = subscription.failed.flatMap((f) => (Array.isArray(f) ? f : []));
  return [...fromResults, ...fromError].map((e: any) => e.extensions?.code);
}
