import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context as WsContext } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, readAuthorization, type Authentication } from '../auth/authenticate';
import { sessionIdOf } from '../auth/viewer';
import { contextOf, type Context } from '../context';
import type { AppDeps } from '../deps';
import { ForbiddenError } from '../errors';
import { requestError } from '../graphql/format-error';
import type { GraphQLRules } from '../graphql/rules';
import { admitDocument, type TrustedDocuments } from '../graphql/trusted-documents';
import type { ClientAddressOf } from '../http/client-address';
import { isOriginAllowed } from '../http/origins';
import type { Metrics } from '../observability/metrics';
import { SubscriptionHub, type EventPayload } from './hub';
import { resultGroupOf } from './multiplex';

/** Close codes beside graphql-ws's own (4403 Forbidden for an expired token or an ended session). */
export const WS_CLOSE = {
  /** The connection's caller holds WS_MAX_CONNECTIONS_PER_CALLER connections already. */
  TOO_MANY_CONNECTIONS: 4429,
  GOING_AWAY: 1001,
} as const;

/** What the transport keeps of a connection. */
interface Extra {
  readonly socket: WebSocket;
  readonly request: http.IncomingMessage;
  readonly clientAddress: string;
  auth?: Authentication;
  callerKey?: string;
  expiry?: NodeJS.Timeout;
}

/** The longest delay a Node timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes the connection with 4403 when `expiresAt` comes, however far off (a key may live for years). */
function closeAtExpiry(extra: Extra, expiresAt: Date): void {
  const ms = expiresAt.getTime() - Date.now();
  extra.expiry =
    ms > MAX_TIMER_MS
      ? setTimeout(() => closeAtExpiry(extra, expiresAt), MAX_TIMER_MS)
      : setTimeout(() => extra.socket.close(CloseCode.Forbidden, 'Token expired'), Math.max(0, ms));
}

export interface RealtimeServer {
  readonly hub: SubscriptionHub;
  /** Open WebSocket connections. */
  readonly connections: number;
  /**
   * Refuses new connections, lets the events already taken reach their sockets, then closes every socket
   * with 1001 (Going away). Once only.
   */
  drain(timeoutMs: number): Promise<void>;
}

export interface RealtimeOptions {
  readonly deps: AppDeps;
  readonly httpServer: http.Server;
  readonly schema: GraphQLSchema;
  readonly rules: GraphQLRules;
  /** The trusted documents, when a manifest is configured: TRUSTED_DOCUMENTS_MODE applies here as over HTTP. */
  readonly trusted: TrustedDocuments | undefined;
  readonly clientAddressOf: ClientAddressOf;
  readonly metrics: Metrics | undefined;
}

/** Distinct valid documents kept parsed (the oldest goes first). */
const DOCUMENT_CACHE_SIZE = 1000;

/** Sessions that ended lately: a connection authenticated just before the news still hears of it. */
const RECENT_MS = 60_000;

/**
 * GraphQL over WebSocket (graphql-transport-ws, the graphql-ws library) on the HTTP server's `/graphql`, with
 * the rules of HTTP: the same authentication, origins, document limits, cost and rate limit (per
 * subscription), error formatting and masking.
 */
export function attachRealtime(options: RealtimeOptions): RealtimeServer {
  const { deps, httpServer, schema, rules, trusted, clientAddressOf, metrics } = options;
  const { config, logger } = deps;
  const hub = new SubscriptionHub(deps, (open) => metrics?.openSubscriptions(open));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.wsMaxMessageBytes,
    handleProtocols: (protocols) => handleProtocols(protocols),
  });
  const perCaller = new Map<string, number>();
  const bySession = new Map<string, Set<WebSocket>>();
  const endedLately = new Map<string, number>();
  // Valid documents by their text, parsed once: many subscribers send the same few, and each open
  // subscription holds its document.
  const documents = new Map<string, DocumentNode>();
  let stopping = false;
  let sessionsWatched = false;

  const countCaller = (key: string, by: 1 | -1) => {
    const n = (perCaller.get(key) ?? 0) + by;
    if (n <= 0) perCaller.delete(key);
    else perCaller.set(key, n);
  };

  const endSession = (sessionId: string) => {
    const now = Date.now();
    endedLately.set(sessionId, now);
    for (const [id, at] of endedLately) if (now - at > RECENT_MS) endedLately.delete(id);
    for (const socket of bySession.get(sessionId) ?? []) socket.close(CloseCode.Forbidden, 'Session ended');
  };

  const refuse = (socket: Duplex, status: number, reason: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== '/graphql') return refuse(socket, 404, 'Not Found');
    if (stopping) return refuse(socket, 503, 'Service Unavailable');
    if (!isOriginAllowed(config, request.headers.origin)) return refuse(socket, 403, 'Forbidden');
    if (wss.clients.size >= config.wsMaxConnections) return refuse(socket, 503, 'Service Unavailable');
    // The caller is known at connection_init (onConnect), where its connections are counted.
    const clientAddress = clientAddressOf(request);
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, clientAddress));
  });

  const contextFor = (extra: Extra): Context => {
    const auth = extra.auth!;
    return { ...contextOf(deps, auth, { clientAddress: extra.clientAddress }), realtime: { hub, auth } };
  };

  const format = (errors: readonly GraphQLError[]) =>
    errors.map((error) => rules.formatError(error.toJSON(), error));
  const formattedResults = new WeakMap<object, object>();

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    schema,
    connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
    async onConnect(ctx) {
      const extra = ctx.extra;
      const fromPayload = ctx.connectionParams?.['authorization'];
      const header = typeof fromPayload === 'string' ? fromPayload : extra.request.headers.authorization;
      const credentials = readAuthorization(header);
      // The session news must be heard from before the session is read: an end after the read is then seen.
      if (credentials.kind === 'accessToken' && !sessionsWatched) {
        sessionsWatched = true;
        deps.events.onSessionEnded(endSession);
      }
      if (credentials.kind === 'accessToken') await deps.events.start();
      const auth = await authenticate(deps, credentials);
      extra.auth = auth;
      const user = auth.user?.id;
      const callerKey = user ? `user:${user}` : `address:${extra.clientAddress}`;
      if ((perCaller.get(callerKey) ?? 0) >= config.wsMaxConnectionsPerCaller) {
        extra.socket.close(WS_CLOSE.TOO_MANY_CONNECTIONS, 'Too many connections');
        return false;
      }
      extra.callerKey = callerKey;
      countCaller(callerKey, 1);
      const sessionId = sessionIdOf(auth.viewer);
      if (sessionId !== null) {
        if (endedLately.has(sessionId)) {
          extra.socket.close(CloseCode.Forbidden, 'Session ended');
          return false;
        }
        let sockets = bySession.get(sessionId);
        if (!sockets) bySession.set(sessionId, (sockets = new Set()));
        sockets.add(extra.socket);
      }
      // An access token's, or an API key's: the connection ends when its credential stops granting anything.
      if (auth.expiresAt) closeAtExpiry(extra, auth.expiresAt);
      // As over HTTP: the credentials were ignored, and why.
      return auth.problem ? { authentication: { error: auth.problem } } : true;
    },
    async onSubscribe(ctx, _id, payload) {
      // graphql-ws lists the subscription being opened already.
      if (Object.keys(ctx.subscriptions).length > config.wsMaxSubscriptionsPerConnection) {
        const error = new ForbiddenError(
          `A connection holds at most ${config.wsMaxSubscriptionsPerConnection} subscriptions at once.`,
        );
        return [requestError(error)];
      }
      // Before anything is parsed or built, as over HTTP: a refused document costs no work.
      const { refusal } = await admitDocument(
        trusted,
        config.trustedDocumentsMode,
        { query: payload.query },
        async () => ctx.extra.auth!.viewer,
      );
      if (refusal) return [requestError(refusal)];
      const contextValue = contextFor(ctx.extra);
      let document = documents.get(payload.query);
      if (!document) {
        try {
          document = parse(payload.query, rules.parseOptions);
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document, [...rules.validationRules, ...specifiedRules]);
        if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        documents.set(payload.query, document);
        if (documents.size > DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
      }
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) {
        return [
          withCode(new GraphQLError('Unable to identify the operation.'), 'OPERATION_RESOLUTION_FAILURE'),
        ];
      }
      const admission = await rules.admit(
        { schema, document, operation, variables: payload.variables ?? undefined },
        contextValue,
      );
      if (admission.refusal) return [requestError(admission.refusal)];
      return {
        schema,
        document,
        operationName: payload.operationName ?? null,
        variableValues: payload.variables ?? null,
        contextValue,
      } satisfies ExecutionArgs;
    },
    execute: (args) => execute(args),
    // Each event runs with the context the hub made for it (its loaders shared with the event's other
    // subscribers); the subscribe step itself runs with the connection's. The
    // subscribers of the same group (resultGroupOf) share one execution per event.
    subscribe: async (args) => {
      const source = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in source)) return source;
      const group = resultGroupOf({
        document: args.document,
        operationName: args.operationName,
        variableValues: args.variableValues,
        viewer: (args.contextValue as Context).viewer,
      });
      return mapEvents(source as AsyncIterableIterator<EventPayload>, (payload) => {
        let result = payload.results.get(group) as Promise<ExecutionResult> | undefined;
        if (!result) {
          metrics?.subscriptionExecuted();
          result = Promise.resolve(execute({ ...args, rootValue: payload, contextValue: payload.context }));
          payload.results.set(group, result);
        }
        return result;
      });
    },
    // A shared result's errors are formatted once for its group.
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors) return result;
      let formatted = formattedResults.get(result);
      if (!formatted)
        formattedResults.set(result, (formatted = { ...result, errors: format(result.errors) }));
      return formatted;
    },
    onError: (_ctx, _id, _payload, errors) => format(errors),
    onClose(ctx) {
      const { extra } = ctx;
      clearTimeout(extra.expiry);
      if (extra.callerKey) countCaller(extra.callerKey, -1);
      const sessionId = extra.auth ? sessionIdOf(extra.auth.viewer) : null;
      if (sessionId !== null) {
        const sockets = bySession.get(sessionId);
        sockets?.delete(extra.socket);
        if (sockets?.size === 0) bySession.delete(sessionId);
      }
    },
  });

  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage, clientAddress: string) => {
    let pongWait: NodeJS.Timeout | undefined;
    const keepAlive = config.wsKeepAliveMs;
    const ping =
      keepAlive > 0
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAlive);
            socket.once('pong', () => clearTimeout(pongWait));
            socket.ping();
          }, keepAlive)
        : undefined;
    socket.on('error', (error) => {
      logger.warn({ err: error }, 'WebSocket error');
      socket.terminate();
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        // Not awaiting the flush: a client that does not read would hold its subscriptions' events back
        // unseen. What it has not read is measured after each message instead, and bounded.
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          socket.send(data);
          if (socket.bufferedAmount > config.wsMaxBufferedBytes) {
            logger.warn(
              { bufferedBytes: socket.bufferedAmount },
              'WebSocket client does not read; disconnecting',
            );
            // It reads no close frame either.
            socket.terminate();
          }
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data: Buffer) => {
            cb(data.toString('utf8')).catch((error: unknown) => {
              logger.error({ err: error }, 'WebSocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request, clientAddress },
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });

  let draining: Promise<void> | undefined;
  return {
    hub,
    get connections() {
      return wss.clients.size;
    },
    drain(timeoutMs) {
      draining ??= (async () => {
        stopping = true;
        await hub.drain(timeoutMs);
        const sockets = [...wss.clients];
        const allClosed = Promise.all(
          sockets.map(
            (socket) =>
              new Promise<void>((resolve) => {
                if (socket.readyState === socket.CLOSED) return resolve();
                socket.once('close', () => resolve());
              }),
          ),
        );
        for (const socket of sockets) socket.close(WS_CLOSE.GOING_AWAY, 'Server shutting down');
        hub.endAll();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([allClosed, new Promise<void>((r) => (timer = setTimeout(r, 1_000)))]);
        clearTimeout(timer);
        for (const socket of wss.clients) socket.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return draining;
    },
  };
}

/** A request error with the code HTTP gives it (Apollo adds the same codes), for formatError to show. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** The source's payloads mapped one by one (in order); ending the result ends the source. */
function mapEvents<T, R>(
  source: AsyncIterableIterator<T>,
  map: (value: T) => R | Promise<R>,
): AsyncIterableIterator<Awaited<R>> {
  return {
    async next() {
      const item = await source.next();
      if (item.done) return { value: undefined, done: true };
      return { value: await map(item.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export type { WsContext };
