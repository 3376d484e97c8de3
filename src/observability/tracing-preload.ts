/**
 * Tracing, loaded before the service: `node --require ./dist/src/observability/tracing-preload.js
 * dist/src/main.js` (what `npm start` runs). The instrumentations patch `node:http` and the MongoDB driver
 * as they are first required, so they must be in place before main.js loads either.
 *
 * Configured by the standard OpenTelemetry variables, which the SDK reads itself. Tracing is off unless an
 * OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for traces
 * alone), and then this file loads nothing: the OpenTelemetry API Atrium calls stays a no-op.
 *
 * It reads process.env itself, the one exception to config.ts being its only reader: it runs before any of
 * Atrium's modules, and the keys it looks at are OpenTelemetry's, not Atrium's.
 */

const endpoint =
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];

if (endpoint && process.env['OTEL_SDK_DISABLED']?.trim().toLowerCase() !== 'true') {
  // A synchronous require, not import(): the SDK must be running when this file returns, before main.js
  // starts, and the SDK's modules are loaded only when tracing is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  startTracing();
}
