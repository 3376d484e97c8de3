import {
  context,
  createContextKey,
  isSpanContextValid,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';

/**
 * What Atrium's own modules know of tracing, through the OpenTelemetry API alone. The SDK is started by
 * tracing-preload.ts when an OTLP endpoint is configured; without it every call here is a no-op.
 */

const PROBE = createContextKey('atrium.tracing.probe');

/**
 * True when a context manager carries values across calls, which the SDK registers when it starts: only
 * then can a span be active, and only then is it worth looking for one on every log line.
 */
export function tracingStarted(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/**
 * The trace the running code belongs to. Set for an unsampled trace too: the id still ties the log line to
 * the caller's own logs.
 */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

interface Flushable {
  forceFlush(): Promise<void>;
}

const isFlushable = (provider: TracerProvider): provider is TracerProvider & Flushable =>
  typeof (provider as Partial<Flushable>).forceFlush === 'function';

/**
 * Exports the spans that have ended but still wait in the batch processor. A stopping process calls it last:
 * `process.exit` would drop them. Bounded by the exporter's OTEL_EXPORTER_OTLP_TIMEOUT.
 */
export async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  if (isFlushable(delegate)) await delegate.forceFlush();
}
