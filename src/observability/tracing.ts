import { context, createContextKey, isSpanContextValid, ROOT_CONTEXT, trace } from '@opentelemetry/api';

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
