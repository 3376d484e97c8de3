import type { OperationTypeNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QUERY_OPERATIONS } from './diagnostics';
import { QUERY_TAGS } from './query-tags';

/** The routes of the public edge; any other path is `other`, so that a scan of made-up paths adds no series. */
export type Route = '/graphql' | '/health/live' | '/health/ready' | 'other';

/** query, mutation or subscription. */
export type OperationType = OperationTypeNode | `${OperationTypeNode}`;

/** Which limit refused a caller: the cost-point bucket of GraphQL operations, or the sign-in throttle. */
export const RATE_LIMITS = ['cost', 'sign_in', 'account_mail'] as const;
export type RateLimit = (typeof RATE_LIMITS)[number];

/** How an API key authentication ended: it was accepted, or why it was refused (the request then ran anonymous). */
export const API_KEY_OUTCOMES = ['ok', 'malformed', 'unknown', 'expired', 'revoked'] as const;
export type ApiKeyOutcome = (typeof API_KEY_OUTCOMES)[number];

/**
 * How a webhook delivery attempt ended: succeeded (a 2xx), retrying (failed, tried again later), failed
 * (failed for good: the last of the retry schedule, or its endpoint disabled or deleted).
 */
export const WEBHOOK_OUTCOMES = ['succeeded', 'retrying', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * Error codes an `outcome` label may carry: Atrium's own (src/errors.ts) and those graphql-js and Apollo give
 * to requests they refuse. Any other code is counted as OTHER.
 */
const OUTCOME_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'TIMEOUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_ALLOWED',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Query tags and the names untagged commands are counted under; anything else is `other`. */
const KNOWN_TAGS: ReadonlySet<string> = new Set<string>([
  ...QUERY_TAGS,
  ...QUERY_OPERATIONS,
  'aggregate',
  'insert',
  'update',
  'query',
]);

/**
 * A metric's series by label values, made on first use and then found without building a key: label values
 * are bounded, so are the maps.
 */
class Series<T> {
  private readonly byFirst = new Map<string | number, Map<string | number, T>>();

  constructor(private readonly make: (first: string, second: string) => T) {}

  get(first: string | number, second: string | number): T {
    let inner = this.byFirst.get(first);
    if (inner === undefined) {
      inner = new Map();
      this.byFirst.set(first, inner);
    }
    let found = inner.get(second);
    if (found === undefined) {
      found = this.make(String(first), String(second));
      inner.set(second, found);
    }
    return found;
  }
}

interface Observer {
  observe(value: number): void;
}

interface Incrementer {
  inc(value?: number): void;
}

/**
 * One server's Prometheus metrics, in a registry of its own (never prom-client's global one), so that
 * several servers in one process keep separate figures. Every label is drawn from a closed set: routes,
 * status codes, operation types, known error codes, the fixed query tags. A client can choose none of them.
 *
 * The edge holds it and puts it on each request's RequestDiagnostics; code that has no access to the server
 * (the mongoose plugin, loaders, services) records through the request it serves.
 */
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'atrium_http_request_duration_seconds',
    help: 'HTTP requests on the public port, by route and status code; _count is the number of requests.',
    labelNames: ['route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly operations = new Counter({
    name: 'atrium_graphql_operations_total',
    help: 'GraphQL requests answered, by operation type (unknown when none was resolved), trusted operation and outcome (ok, or the first error code).',
    labelNames: ['type', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly mongoDuration = new Histogram({
    name: 'atrium_mongodb_command_duration_seconds',
    help: 'MongoDB commands sent for requests, by query tag; _count is the number of commands.',
    labelNames: ['tag'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  private readonly batchSize = new Histogram({
    name: 'atrium_dataloader_batch_size',
    help: 'Keys per DataLoader batch, by loader tag.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });

  private readonly refusals = new Counter({
    name: 'atrium_rate_limit_refusals_total',
    help: 'Requests refused with RATE_LIMITED, by limit: cost (the GraphQL cost-point bucket), sign_in (failed sign-ins) or account_mail (password-reset and verification mail).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly cost = new Histogram({
    name: 'atrium_graphql_cost_points',
    help: 'Cost points of GraphQL operations: requested (the estimate, charged before running) and actual (what the result cost).',
    labelNames: ['measure'] as const,
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000],
    registers: [this.registry],
  });

  private readonly apiKeyAuthentications = new Counter({
    name: 'atrium_api_key_authentications_total',
    help: 'Requests that presented an API key, by outcome: ok, or why it granted nothing (malformed: a bad checksum, read nothing; unknown; expired; revoked).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'atrium_webhook_deliveries_total',
    help: 'Webhook delivery attempts made by this instance, by outcome: succeeded, retrying (failed, to be tried again) or failed (for good).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({
    name: 'atrium_graphql_subscriptions_open',
    help: 'GraphQL subscriptions open on this instance (over WebSocket).',
    registers: [this.registry],
  });
  private readonly eventExecutions = new Counter({
    name: 'atrium_graphql_subscription_executions_total',
    help: 'Executions of subscription selections for events: one per event and group of subscribers whose result is the same.',
    registers: [this.registry],
  });

  private readonly httpSeries = new Series<Observer>((route, status) =>
    this.httpDuration.labels(route, status),
  );
  private readonly operationSeries = new Series<Series<Incrementer>>(
    (type, operation) => new Series((outcome) => this.operations.labels(type, operation, outcome)),
  );
  private readonly mongoSeries = new Series<Observer>((tag) => this.mongoDuration.labels(tag));
  private readonly batchSeries = new Series<Observer>((tag) => this.batchSize.labels(tag));
  private readonly requestedCost = this.cost.labels('requested');
  private readonly actualCost = this.cost.labels('actual');

  constructor() {
    // Process figures (CPU, memory, handles, GC) and event loop lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
    // Refusals are rare: their series exist from the start, so that a rate over them starts at zero rather
    // than at the first refusal.
    for (const limit of RATE_LIMITS) this.refusals.labels(limit).inc(0);
    for (const outcome of API_KEY_OUTCOMES) this.apiKeyAuthentications.labels(outcome).inc(0);
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookDeliveries.labels(outcome).inc(0);
  }

  httpRequest(route: Route, status: number, seconds: number): void {
    this.httpSeries.get(route, status).observe(seconds);
  }

  /**
   * `errorCodes`: the codes of the response's errors, in order; none means ok. `trustedDocument`: the
   * name the trusted-documents manifest gives the request's document, if it is one of them; every other
   * document is counted as `adhoc`.
   */
  graphqlOperation(
    type: OperationType | undefined,
    errorCodes: readonly string[],
    trustedDocument?: string,
  ): void {
    const first = errorCodes[0];
    const outcome = first === undefined ? 'ok' : OUTCOME_CODES.has(first) ? first : 'OTHER';
    this.operationSeries
      .get(type ?? 'unknown', operationLabel(trustedDocument))
      .get(outcome, '')
      .inc();
  }

  mongoCommand(tag: string, seconds: number): void {
    const label = KNOWN_TAGS.has(tag) ? tag : 'other';
    this.mongoSeries.get(label, '').observe(seconds);
  }

  loaderBatch(tag: string, size: number): void {
    const label = KNOWN_TAGS.has(tag) ? tag : 'other';
    this.batchSeries.get(label, '').observe(size);
  }

  rateLimited(limit: RateLimit): void {
    this.refusals.labels(limit).inc();
  }

  apiKeyAuthentication(outcome: ApiKeyOutcome): void {
    this.apiKeyAuthentications.labels(outcome).inc();
  }

  webhookDelivery(outcome: WebhookOutcome): void {
    this.webhookDeliveries.labels(outcome).inc();
  }

  /** `actual` is absent for an operation that never ran. */
  operationCost(requested: number, actual: number | undefined): void {
    this.requestedCost.observe(requested);
    if (actual !== undefined) this.actualCost.observe(actual);
  }

  openSubscriptions(count: number): void {
    this.subscriptions.set(count);
  }

  subscriptionExecuted(): void {
    this.eventExecutions.inc();
  }

  /** The registry in Prometheus's text format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The `operation` label of atrium_graphql_operations_total. Operation names are chosen by clients, so they
 * would add a series per name anyone cares to send: only the names of trusted documents are labels, a set
 * the manifest loaded at start bounds. Every other document is `adhoc`.
 */
function operationLabel(trustedDocument: string | undefined): string {
  return trustedDocument ?? 'adhoc';
}
