import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Aggregate, Document, MongooseQueryMiddleware, Query, Schema } from 'mongoose';
import type { Metrics, OperationType } from './metrics';

/**
 * What one request cost MongoDB: the number of operations it sent, the time they took, and the count per
 * query tag (`.comment('articles.byId')`). Collected by a mongoose plugin (and `trackCommand` for commands it
 * does not see) and an AsyncLocalStorage scope opened per request, so concurrent requests never mix their
 * figures.
 *
 * `metrics` are those of the server that took the request (absent when metrics are off): code below the edge
 * that has no access to the server (this plugin, loaders, services) records through the request it serves.
 */
export class RequestDiagnostics {
  constructor(
    readonly requestId: string = randomUUID(),
    readonly metrics?: Metrics | undefined,
  ) {}
  readonly startedAt = process.hrtime.bigint();
  /** Filled in as the request runs, for the request log line and the metrics. */
  operationName: string | null = null;
  /** Set once GraphQL's pipeline has the request, that is unless the edge refused it first. */
  graphql = false;
  /** The resolved operation's type; absent while none is (a document that failed to parse or validate). */
  operationType: OperationType | undefined = undefined;
  errorCodes: string[] = [];
  /** The trusted-documents manifest's name for the request's document, when it is one of them. */
  trustedDocument: string | undefined = undefined;
  commands = 0;
  commandMs = 0;
  readonly byTag = new Map<string, number>();

  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }

  snapshot(): { mongoCommands: number; mongoMs: number; byTag: Record<string, number> } {
    return {
      mongoCommands: this.commands,
      mongoMs: Math.round(this.commandMs * 1000) / 1000,
      byTag: Object.fromEntries(this.byTag),
    };
  }
}

const scope = new AsyncLocalStorage<RequestDiagnostics>();

export function runWithDiagnostics<T>(diagnostics: RequestDiagnostics, fn: () => T): T {
  return scope.run(diagnostics, fn);
}

export function currentDiagnostics(): RequestDiagnostics | undefined {
  return scope.getStore();
}

/** Every query operation mongoose runs through middleware. */
export const QUERY_OPERATIONS: MongooseQueryMiddleware[] = [
  'find',
  'findOne',
  'countDocuments',
  'estimatedDocumentCount',
  'distinct',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
];

/** Where a running operation's figures go, kept on the operation itself between its pre and post hooks. */
const RUNNING = Symbol('diagnostics.running');

interface Running {
  [RUNNING]?:
    { readonly diagnostics: RequestDiagnostics; readonly tag: string; readonly started: bigint } | undefined;
}

function begin(operation: Running, tag: unknown, fallback: string): void {
  const diagnostics = scope.getStore();
  if (!diagnostics) return;
  const name = typeof tag === 'string' ? tag : fallback;
  diagnostics.commands += 1;
  diagnostics.byTag.set(name, (diagnostics.byTag.get(name) ?? 0) + 1);
  operation[RUNNING] = { diagnostics, tag: name, started: process.hrtime.bigint() };
}

function end(operation: Running): void {
  const running = operation[RUNNING];
  if (!running) return;
  operation[RUNNING] = undefined;
  const ms = Number(process.hrtime.bigint() - running.started) / 1e6;
  running.diagnostics.commandMs += ms;
  running.diagnostics.metrics?.mongoCommand(running.tag, ms / 1000);
}

/**
 * Counts a command that no model middleware sees (a transaction's commit or abort, the loaders' reads through
 * the driver) for the current request; the returned function stops its clock.
 */
export function trackCommand(tag: string): () => void {
  const operation: Running = {};
  begin(operation, tag, tag);
  return () => end(operation);
}

/**
 * Counts and times, for the request that sent it, every query, aggregation, document save and insert of the
 * connection's models. Each is one command: reads ask for their whole result in one reply (`oneBatch`).
 * Error handlers only stop the clock; the error goes on as it was.
 * Counting here rather than through the driver's command monitoring spares every reply a second decoding
 * (the driver turns each reply into a plain object for the monitoring event).
 */
export function diagnosticsPlugin(schema: Schema): void {
  schema.pre(QUERY_OPERATIONS, { document: false, query: true }, function (this: Query<unknown, unknown>) {
    begin(this as Running, this.getOptions().comment, (this as { op?: string }).op ?? 'query');
  });
  schema.post(QUERY_OPERATIONS, { document: false, query: true }, function (this: Query<unknown, unknown>) {
    end(this as Running);
  });
  schema.post(
    QUERY_OPERATIONS,
    { document: false, query: true, errorHandler: true },
    function (this: Query<unknown, unknown>) {
      end(this as Running);
    },
  );
  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    begin(this as Running, this.options.comment, 'aggregate');
  });
  schema.post('aggregate', function (this: Aggregate<unknown>) {
    end(this as Running);
  });
  schema.post('aggregate', { errorHandler: true }, function (this: Aggregate<unknown>) {
    end(this as Running);
  });
  schema.pre('save', function (this: Document) {
    begin(this as Running, undefined, this.isNew ? 'insert' : 'update');
  });
  schema.post('save', function (this: Document) {
    end(this as Running);
  });
  schema.post('save', { errorHandler: true }, function (this: Document) {
    end(this as Running);
  });
  // Model middleware runs with the model as `this`, shared by concurrent calls: the figures ride on the
  // first document instead (`insertRecord` inserts one plain document and gets the same object back).
  schema.pre('insertMany', function (docs: unknown) {
    const first = firstOf(docs);
    if (first) begin(first, undefined, 'insert');
  });
  schema.post('insertMany', function (docs: unknown) {
    const first = firstOf(docs);
    if (first) end(first);
  });
  schema.post('insertMany', { errorHandler: true }, function (_error: unknown, docs: unknown) {
    const first = firstOf(docs);
    if (first) end(first);
  });
}

function firstOf(docs: unknown): Running | undefined {
  const first: unknown = Array.isArray(docs) ? docs[0] : undefined;
  return typeof first === 'object' && first !== null ? first : undefined;
}
