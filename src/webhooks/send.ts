import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress, TargetPolicy } from './targets';
import { TargetRefused } from './targets';

/** What one attempt came to. */
export interface AttemptResult {
  readonly ok: boolean;
  /** The response's status; null when none came (refused, timed out, not allowed). */
  readonly statusCode: number | null;
  /** Short, for the delivery log; null on success. */
  readonly error: string | null;
  readonly durationMs: number;
}

export interface SendOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly policy: TargetPolicy;
  /** Aborts the attempt (the process is stopping). */
  readonly signal?: AbortSignal;
}

const MAX_ERROR_LENGTH = 200;

/** A connection's lookup that always answers `resolved`: the address the policy checked is the one used. */
function pinnedLookup(resolved: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  };
}

/**
 * POSTs one delivery. The target is resolved and checked for this attempt, and the connection goes to that
 * address (a pinned `lookup`; TLS still verifies the certificate against the URL's host name). Redirects are
 * not followed: a 3xx is a failure like any other non-2xx. The whole attempt, response status included, ends
 * within `timeoutMs`; the response body is not read beyond being discarded.
 */
export async function sendDelivery(options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failure = (statusCode: number | null, error: string): AttemptResult => ({
    ok: false,
    statusCode,
    error: error.slice(0, MAX_ERROR_LENGTH),
    durationMs: elapsed(),
  });

  const url = new URL(options.url);
  let resolved: ResolvedAddress;
  try {
    resolved = await options.policy.resolve(url);
  } catch (error) {
    return failure(null, error instanceof TargetRefused ? error.message : 'target could not be checked');
  }

  const client = url.protocol === 'https:' ? https : http;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          'user-agent': 'Atrium-Webhooks/1',
        },
        lookup: pinnedLookup(resolved),
        // One connection per attempt: an agent's pooled socket could be one made to another address.
        agent: false,
        signal,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        response.on('error', () => {});
        if (status >= 200 && status < 300) {
          settle({ ok: true, statusCode: status, error: null, durationMs: elapsed() });
        } else if (status >= 300 && status < 400) {
          settle(failure(status, `HTTP ${status}: redirects are not followed`));
        } else {
          settle(failure(status, `HTTP ${status}`));
        }
        // The socket is not kept: once the status is known, nothing more is read.
        request.destroy();
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (timeout.aborted) settle(failure(null, `timed out after ${options.timeoutMs} ms`));
      else if (options.signal?.aborted) settle(failure(null, 'attempt abandoned: the instance is stopping'));
      else settle(failure(null, error.code ? `${error.code}: ${error.message}` : error.message));
    });
    request.end(options.body);
  });
}
