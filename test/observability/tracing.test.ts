import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import type { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { buildEntryPoint, removeBuild } from '../support/build';
import { failCommand, withOptions } from '../support/harness';
import { startMongo } from '../support/mongo';
import { startAtriumProcess } from '../support/process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';

/**
 * Tracing as an operator turns it on: the built service started with the preload, as `npm start` does,
 * exporting to an OTLP receiver this test runs.
 */

let main: string;
let preload: string;
// A server of this file's own: its fault test sets the failCommand fail point, of which a server has one.
let replSet: MongoMemoryReplSet;
const mongoUri = () => replSet.getUri();
beforeAll(async () => {
  replSet = await startMongo();
  main = await buildEntryPoint();
  preload = path.join(path.dirname(main), 'observability', 'tracing-preload.js');
}, 120_000);
afterAll(async () => {
  await mongoose.disconnect();
  removeBuild(main);
  await replSet.stop();
});

const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

interface Service {
  readonly url: string;
  readonly dbName: string;
  /** The service's log lines so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** SIGTERM, then the exit code once its output has all been read. */
  stop(): Promise<number | null>;
}

/** The built service, with the preload, on its own database (dropped when it stops). */
async function startService(env: Record<string, string>): Promise<Service> {
  const dbName = `atrium_tracing_${randomUUID().replaceAll('-', '')}`;
  const atrium = await startAtriumProcess(['--require', preload, main], {
    MONGODB_URI: withOptions(mongoUri(), {}, dbName),
    ...env,
  });
  return {
    url: atrium.url,
    dbName,
    lines: atrium.lines,
    async stop() {
      atrium.child.kill('SIGTERM');
      const code = await atrium.exited;
      await mongoose.connection.useDb(dbName).dropDatabase();
      return code;
    },
  };
}

beforeAll(async () => {
  await mongoose.connect(mongoUri());
});

/** A caller's W3C trace context: its trace id, its own span's id, and the header carrying both, sampled. */
function callerTrace() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const QUERY = 'query TracedArticles { articles(first: 5) { totalCount nodes { slug } } }';

async function send(service: Service, headers: Record<string, string>) {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The request's one `request` log line, which the service writes as the response leaves. */
async function requestLine(service: Service, requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i += 1) {
    const line = service.lines.find((l) => l['msg'] === 'request' && l['requestId'] === requestId);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request line for ${requestId}`);
}

/** True when `ancestor` is `span`'s parent, or its parent's, and so on. */
function isBeneath(span: ReceivedSpan, ancestor: ReceivedSpan, spans: readonly ReceivedSpan[]): boolean {
  for (let parent = span.parentSpanId; parent;) {
    if (parent === ancestor.spanId) return true;
    parent = spans.find((s) => s.spanId === parent)?.parentSpanId ?? '';
  }
  return false;
}

describe.each([
  { protocol: 'http/json', contentType: 'application/json', jit: 'false' },
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', jit: 'false' },
  { protocol: 'http/json', contentType: 'application/json', jit: 'true' },
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', jit: 'true' },
])('with OTEL_EXPORTER_OTLP_PROTOCOL=$protocol and GRAPHQL_JIT=$jit', ({ protocol, contentType, jit }) => {
  let receiver: OtlpReceiver;
  let service: Service;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    service = await startService({
      GRAPHQL_JIT: jit,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
  }, 30_000);
  afterAll(async () => {
    expect(await service.stop()).toBe(0);
    await receiver.close();
  });

  test('when a caller sends a traceparent, then the request, its operation and its MongoDB commands are spans of its trace, and its log line names the trace', async () => {
    const caller = callerTrace();
    const requestId = `traced-${randomUUID()}`;
    const response = await send(service, { traceparent: caller.traceparent, 'x-request-id': requestId });
    expect(response.status).toBe(200);
    expect(response.body['data']).toEqual({ articles: { totalCount: 0, nodes: [] } });

    const operationOf = (spans: ReceivedSpan[]) =>
      spans.find((s) => s.traceId === caller.traceId && s.name === 'query TracedArticles');
    const spans = await receiver.waitFor((received) => {
      const operation = operationOf(received);
      return (
        operation !== undefined &&
        received.some((s) => s.kind === SPAN_KIND.server && s.traceId === caller.traceId) &&
        received.some(
          (s) => s.attributes['db.system.name'] === 'mongodb' && isBeneath(s, operation, received),
        )
      );
    });
    expect(new Set(receiver.exports.map((e) => e.contentType))).toEqual(new Set([contentType]));
    const ours = spans.filter((s) => s.traceId === caller.traceId);

    // The HTTP server span continues the caller's span.
    const server = ours.find((s) => s.kind === SPAN_KIND.server)!;
    expect(server).toMatchObject({ service: 'atrium', parentSpanId: caller.spanId, name: 'POST' });
    // The operation span is the server span's child, named and described per the GraphQL conventions.
    const operation = operationOf(ours)!;
    expect(operation).toMatchObject({ parentSpanId: server.spanId, kind: SPAN_KIND.internal, statusCode: 0 });
    expect(operation.attributes).toMatchObject({
      'graphql.operation.name': 'TracedArticles',
      'graphql.operation.type': 'query',
    });
    // The page and its count ran beneath the operation, as MongoDB client spans named after their collection
    // (the driver addresses aggregations to `<db>.$cmd`), with their query tags and no values.
    const commands = ours.filter((s) => s.attributes['db.system.name'] === 'mongodb');
    expect(commands.map((s) => s.name).sort()).toEqual(['aggregate articles', 'aggregate articles']);
    for (const command of commands) {
      expect(command.kind).toBe(SPAN_KIND.client);
      expect(isBeneath(command, operation, ours)).toBe(true);
      expect(command.attributes).toMatchObject({
        'db.namespace': expect.stringMatching(/^atrium_tracing_/),
        'db.collection.name': 'articles',
        'db.operation.name': 'aggregate',
      });
    }
    const texts = commands.map((s) => JSON.parse(s.attributes['db.query.text'] as string));
    expect(texts.map((t) => t.comment).sort()).toEqual(['articles.count', 'articles.page']);
    expect(JSON.stringify(texts)).not.toMatch(/createdAt":-?1|"\$limit":\d/);

    const line = await requestLine(service, requestId);
    expect(line).toMatchObject({ requestId, traceId: caller.traceId, operationName: 'TracedArticles' });
  });

  test("when MongoDB fails the operation, then its span and the failed command's have status error", async () => {
    const caller = callerTrace();
    await failCommand(
      { namespace: `${service.dbName}.articles`, failCommands: ['aggregate'], errorCode: 2 },
      { times: 1 },
      mongoUri(),
    );
    const response = await send(service, { traceparent: caller.traceparent });
    expect(response.body['errors']).toEqual([
      expect.objectContaining({ extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);

    const ERROR = 2;
    const spans = await receiver.waitFor((received) =>
      received.some((s) => s.traceId === caller.traceId && s.name === 'query TracedArticles'),
    );
    const operation = spans.find((s) => s.traceId === caller.traceId && s.name === 'query TracedArticles')!;
    expect(operation).toMatchObject({
      statusCode: ERROR,
      attributes: { 'error.type': 'INTERNAL_SERVER_ERROR' },
    });
    const failed = spans.filter((s) => s.traceId === caller.traceId && s.statusCode === ERROR);
    expect(failed.map((s) => s.name).sort()).toEqual(['aggregate articles', 'query TracedArticles']);
  });
});

test('when the process stops, then the spans still waiting for their batch are exported before it exits', async () => {
  const receiver = await startOtlpReceiver();
  // No batch would leave on its own schedule before the process is gone.
  const service = await startService({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  try {
    const caller = callerTrace();
    expect((await send(service, { traceparent: caller.traceparent })).status).toBe(200);
    expect(receiver.exports).toEqual([]);
    expect(await service.stop()).toBe(0);
    expect(receiver.spans.filter((s) => s.traceId === caller.traceId).map((s) => s.name)).toEqual(
      expect.arrayContaining(['POST', 'query TracedArticles', 'aggregate articles']),
    );
  } finally {
    await receiver.close();
  }
}, 30_000);

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  // Nothing can be exported: no exporter, no SDK, no instrumentation is loaded.
  test('when the preload runs, then it loads none of OpenTelemetry; given an endpoint, it starts the SDK', async () => {
    const loaded = async (env: Record<string, string>): Promise<string[]> => {
      const script =
        'process.stdout.write(JSON.stringify([...new Set(Object.keys(require.cache).flatMap((f) => f.match(/@opentelemetry\\/[\\w-]+/g) ?? []))]))';
      const { stdout } = await promisify(execFile)(process.execPath, ['--require', preload, '-e', script], {
        env: { PATH: process.env['PATH'] ?? '', ...env },
      });
      return JSON.parse(stdout) as string[];
    };
    expect(await loaded({})).toEqual([]);
    // Set but turned off by the standard switch: still nothing.
    expect(
      await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' }),
    ).toEqual([]);
    const started = expect.arrayContaining([
      '@opentelemetry/sdk-node',
      '@opentelemetry/instrumentation-http',
    ]);
    expect(await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(started);
    // The endpoint for traces alone does too.
    expect(await loaded({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' })).toEqual(
      started,
    );
  });

  test('when a caller sends a traceparent, then the request is served and its log lines carry no trace id', async () => {
    // Everything that tunes the exporter, but no endpoint.
    const service = await startService({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'atrium-untraced',
    });
    try {
      const requestId = `untraced-${randomUUID()}`;
      const response = await send(service, {
        traceparent: callerTrace().traceparent,
        'x-request-id': requestId,
      });
      expect(response.status).toBe(200);
      expect(await requestLine(service, requestId)).toMatchObject({
        requestId,
        operationName: 'TracedArticles',
      });
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(service.lines.length).toBeGreaterThan(3);
    expect(service.lines.filter((l) => 'traceId' in l)).toEqual([]);
  });
});
