import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';

/**
 * Starts the OpenTelemetry Node SDK for traces: a server span per HTTP request (with the caller's W3C
 * `traceparent` as its parent), a client span per MongoDB command beneath whatever span is active, and the
 * span per GraphQL operation that src/graphql/apollo.ts opens. The SDK reads the OTEL_* variables itself:
 * the exporter from OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf` by default, `http/json`, `grpc`), the
 * endpoint, headers and timeout, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the sampler, the
 * propagators and the batch processor's OTEL_BSP_* settings. Only tracing-preload.ts loads this file.
 */
export function startTracing(): void {
  const sdk = new NodeSDK({
    // `atrium` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names the service: detected attributes
    // are merged over this one.
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': 'atrium' })),
    instrumentations: [
      new HttpInstrumentation(),
      new MongoDBCommandInstrumentation({ dbStatementSerializer: commandText }),
    ],
    // Traces only. Metrics are served to Prometheus, and logs are JSON lines on stdout; without these the SDK
    // would also export both over OTLP.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}

/** Commands whose first field names their collection. */
const COLLECTION_COMMANDS = [
  'aggregate',
  'count',
  'delete',
  'distinct',
  'find',
  'findAndModify',
  'insert',
  'update',
];

/**
 * A command as `db.query.text`: its shape with every value replaced by `?` (filters hold emails and token
 * hashes), as the instrumentation's own default does, but keeping the collection a command names and the
 * query tag Atrium gives it (`comment`, a constant such as `articles.byId`).
 */
function commandText(command: Record<string, unknown>): string {
  const [name = ''] = Object.keys(command);
  const kept = (key: string): boolean =>
    (key === name && COLLECTION_COMMANDS.includes(name)) || key === 'comment';
  return JSON.stringify(command, function (this: unknown, key: string, value: unknown) {
    if (this === command && kept(key) && typeof value === 'string') return value;
    return typeof value === 'object' && value !== null ? value : '?';
  });
}

/** The collection at the head of a command's text, as commandText writes it. */
const COLLECTION_IN_TEXT = new RegExp(`^\\{"(?:${COLLECTION_COMMANDS.join('|')})":"([^"]+)"`);

/**
 * instrumentation-mongodb takes a span's collection from the namespace a command is sent to, which the driver
 * gives as `<db>.$cmd` for aggregations, counts, distinct and findAndModify: the session check, pages and
 * counts would all be spans named `aggregate $cmd`. Its tracer names them after the collection the command
 * text names.
 */
class MongoDBCommandInstrumentation extends MongoDBInstrumentation {
  override setTracerProvider(provider: TracerProvider): void {
    super.setTracerProvider({
      getTracer: (...args) => namingCollections(provider.getTracer(...args)),
    });
  }
}

function namingCollections(tracer: Tracer): Tracer {
  return {
    startSpan(name, options = {}, parent) {
      const attributes = options.attributes ?? {};
      const text = attributes['db.query.text'];
      const collection =
        attributes['db.collection.name'] === '$cmd' && typeof text === 'string'
          ? COLLECTION_IN_TEXT.exec(text)?.[1]
          : undefined;
      if (collection === undefined) return tracer.startSpan(name, options, parent);
      const operation = String(attributes['db.operation.name']);
      return tracer.startSpan(
        `${operation} ${collection}`,
        { ...options, attributes: { ...attributes, 'db.collection.name': collection } },
        parent,
      );
    },
    startActiveSpan: tracer.startActiveSpan.bind(tracer),
  };
}
