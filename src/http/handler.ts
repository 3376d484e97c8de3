import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import bodyParser from 'body-parser';
import cors from 'cors';
import { createContext, type Context } from '../context';
import type { AppDeps } from '../deps';
import { httpStatusOf, shownCode, type ErrorCode } from '../errors';
import { executeInOperationSpan } from '../graphql/apollo';
import { admitDocument, type SentDocument, type TrustedDocuments } from '../graphql/trusted-documents';
import { RequestDiagnostics, runWithDiagnostics } from '../observability/diagnostics';
import type { Metrics, Route } from '../observability/metrics';
import { clientAddressResolver } from './client-address';
import { checkPersistedQuery } from './persisted-query';
import { allowedOrigins } from './origins';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const JSON_MEDIA_TYPE = /^application\/(?:json|graphql-response\+json)\s*(?:;|$)/i;

/**
 * The HTTP edge on plain `node:http`: routes, CORS, the JSON body (size-limited, compressed or not), then
 * Apollo's own request pipeline. Every response is JSON except Apollo's landing page, and every request
 * leaves one log line and, with `metrics`, is counted once it is answered (whatever the log level).
 */
export function createRequestHandler(
  deps: AppDeps,
  apollo: ApolloServer<Context>,
  metrics?: Metrics,
  trusted?: TrustedDocuments,
) {
  const { config, logger } = deps;
  const corsMiddleware: Middleware = cors({
    // Development: any origin, echoing the requested headers. Production: the allow-list only.
    origin: allowedOrigins(config),
    methods: ['GET', 'POST', 'OPTIONS'],
    maxAge: 600,
  });
  const parseJson: Middleware = bodyParser.json({
    limit: config.bodyLimitBytes,
    strict: true,
    inflate: true,
    type: () => true,
  });
  const clientAddressOf = clientAddressResolver(config.trustProxy);

  const graphql = async (
    req: IncomingMessage,
    res: ServerResponse,
    search: string,
    diagnostics: RequestDiagnostics,
  ) => {
    // The deadline covers reading the body too. GraphQL execution cannot be interrupted, so the request is
    // answered now and what still runs ends on its own: every MongoDB command carries the same limit.
    const deadline = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn(
        { requestId: diagnostics.requestId, timeoutMs: config.requestTimeoutMs },
        'request timed out',
      );
      diagnostics.errorCodes = ['TIMEOUT'];
      sendError(res, 'TIMEOUT', 'The request took too long. Try again later.');
    }, config.requestTimeoutMs);
    try {
      await graphqlWithin(req, res, search, diagnostics);
    } finally {
      clearTimeout(deadline);
    }
  };

  const graphqlWithin = async (
    req: IncomingMessage,
    res: ServerResponse,
    search: string,
    diagnostics: RequestDiagnostics,
  ) => {
    if (req.method === 'OPTIONS') {
      // The cors middleware answers preflights itself.
      corsMiddleware(req, res, () => sendError(res, 'NOT_FOUND', 'Not found.'));
      return;
    }
    // CORS headers concern browsers, which always send Origin on cross-origin calls; same-origin and
    // server-to-server requests skip the middleware.
    if (req.headers.origin !== undefined) await run(corsMiddleware, req, res);
    else res.setHeader('vary', 'Origin');
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, POST, OPTIONS');
      return sendError(res, 'METHOD_NOT_ALLOWED', 'Use GET for queries or POST.');
    }
    if (req.method === 'POST') {
      if (!JSON_MEDIA_TYPE.test(req.headers['content-type'] ?? '')) {
        return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
      }
      try {
        await run(parseJson, req, res);
      } catch (error) {
        // body-parser's errors carry a status: 413 and 415 have codes of their own, and the rest (400, or 500
        // for a stream it could not read) are the client's bad request.
        const { status, type } = error as { status?: number; type?: string };
        if (status === 413) return sendError(res, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
        if (status === 415) return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content encoding.');
        const message =
          type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : 'Bad request.';
        return sendError(res, 'BAD_REQUEST', message);
      }
      if (res.headersSent) return;
    }

    const persisted = persistedQueryRequest(req.method, (req as { body?: unknown }).body, search);
    if (!persisted.ok) return sendError(res, 'BAD_REQUEST', persisted.message);
    // Made once, for the trusted-documents rule when it needs the viewer and then for Apollo.
    let context: Promise<Context> | undefined;
    const contextOf = () =>
      (context ??= createContext(deps, {
        authorization: req.headers.authorization,
        clientAddress: clientAddressOf(req),
        diagnostics,
      }));
    // Before Apollo reads the cache or parses anything: a refused document costs no work, and its
    // validation errors say nothing of the schema. A context that cannot be made is Apollo's to report.
    const admission = await admitDocument(
      trusted,
      config.trustedDocumentsMode,
      persisted.document,
      async () => (await contextOf()).viewer,
    ).catch(() => undefined);
    diagnostics.trustedDocument = admission?.trusted;
    if (admission?.refusal) {
      diagnostics.graphql = true;
      diagnostics.errorCodes = [admission.refusal.code];
      return sendError(res, admission.refusal.code, admission.refusal.message);
    }

    const headers = new HeaderMap();
    for (const name of APOLLO_HEADERS) {
      const value = req.headers[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await executeInOperationSpan(apollo, {
      httpGraphQLRequest: {
        method: req.method === 'HEAD' ? 'GET' : req.method,
        headers,
        search: persisted.search,
        body: persisted.body,
      },
      context: contextOf,
    });
    if (res.headersSent) return; // the deadline answered first
    res.statusCode = response.status ?? 200;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // The landing page (an HTML page loading Apollo's scripts) is the one response that is not JSON.
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      res.removeHeader('content-security-policy');
    }
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const incomingId = req.headers['x-request-id'];
    const diagnostics = new RequestDiagnostics(
      typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
      metrics,
    );
    res.setHeader('x-request-id', diagnostics.requestId);
    setSecurityHeaders(res, config.isProduction);
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const log = logger.isLevelEnabled('info');
    if (log || metrics)
      res.on('finish', () => {
        const durationMs = diagnostics.elapsedMs();
        if (metrics) {
          metrics.httpRequest(routeOf(pathname), res.statusCode, durationMs / 1000);
          if (diagnostics.graphql)
            metrics.graphqlOperation(
              diagnostics.operationType,
              diagnostics.errorCodes,
              diagnostics.trustedDocument,
            );
        }
        if (!log) return;
        const { mongoCommands, mongoMs } = diagnostics.snapshot();
        logger.info(
          {
            requestId: diagnostics.requestId,
            method: req.method,
            path: pathname,
            status: res.statusCode,
            operationName: diagnostics.operationName,
            outcome: outcome(res.statusCode, diagnostics.errorCodes),
            errorCodes: diagnostics.errorCodes.length > 0 ? diagnostics.errorCodes : undefined,
            durationMs: Math.round(durationMs * 1000) / 1000,
            mongoCommands,
            mongoMs,
          },
          'request',
        );
      });

    runWithDiagnostics(diagnostics, async () => {
      switch (pathname) {
        case '/graphql':
          return graphql(req, res, queryAt === -1 ? '' : target.slice(queryAt), diagnostics);
        case '/health/live':
          return sendJson(res, 200, { status: 'ok' });
        case '/health/ready': {
          const ready = await deps.db.ping();
          return sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', mongodb: ready });
        }
        default:
          return sendError(res, 'NOT_FOUND', 'Not found. The API is at /graphql.');
      }
    }).catch((error: unknown) => {
      logger.error({ err: error, requestId: diagnostics.requestId }, 'request failed');
      if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  };
}

/**
 * The request with a `documentId` turned into Apollo's persistedQuery extension, or why a document sent by
 * hash is refused (src/http/persisted-query.ts), from a POST body or GET's search parameters.
 */
function persistedQueryRequest(
  method: string | undefined,
  body: unknown,
  search: string,
): { ok: true; body: unknown; search: string; document: SentDocument } | { ok: false; message: string } {
  if (method === 'POST') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: true, body, search, document: {} };
    }
    const { documentId, ...rest } = body as Record<string, unknown>;
    const checked = checkPersistedQuery({ query: rest['query'], extensions: rest['extensions'], documentId });
    if (!checked.ok) return checked;
    const rewritten = checked.extensions ? { ...rest, extensions: checked.extensions } : body;
    return { ok: true, body: rewritten, search, document: checked.document };
  }
  const params = new URLSearchParams(search);
  let extensions: unknown;
  try {
    extensions = JSON.parse(params.get('extensions') ?? 'null');
  } catch {
    // Apollo refuses extensions that are not JSON, in its own words.
    extensions = undefined;
  }
  const checked = checkPersistedQuery({
    query: params.get('query') ?? undefined,
    extensions,
    documentId: params.get('documentId') ?? undefined,
  });
  if (!checked.ok) return checked;
  if (!checked.extensions) return { ok: true, body, search, document: checked.document };
  params.delete('documentId');
  params.set('extensions', JSON.stringify(checked.extensions));
  return { ok: true, body, search: `?${params.toString()}`, document: checked.document };
}

/** The metrics' route label: the edge's own paths, and `other` for any path a client makes up. */
function routeOf(pathname: string): Route {
  switch (pathname) {
    case '/graphql':
    case '/health/live':
    case '/health/ready':
      return pathname;
    default:
      return 'other';
  }
}

function outcome(status: number, codes: readonly string[]): string {
  if (status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) return 'error';
  if (status >= 400) return 'rejected';
  return codes.length > 0 ? 'partial' : 'ok';
}

function run(middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- middleware errors are passed on as given
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * The request headers Apollo's pipeline reads: content negotiation, CSRF prevention and the operation-name
 * hint. Credentials and the client address are read by the edge itself.
 */
const APOLLO_HEADERS = [
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
] as const;

function setSecurityHeaders(res: ServerResponse, production: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-site');
  // Responses are JSON meant for scripts: nothing in them may load, run or be framed.
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  // Responses carry private data (the viewer, emails); no shared cache may keep them.
  res.setHeader('cache-control', 'no-store');
  if (production) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * Requests refused before GraphQL runs get a GraphQL-shaped JSON error, never an HTML page, with the status
 * of its code (src/errors.ts).
 */
export function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, httpStatusOf(code), { errors: [{ message, extensions: { code: shownCode(code) } }] });
}
