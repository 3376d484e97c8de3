import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';

/**
 * What one request cost MongoDB: the number of commands it sent, the time they took, and the count per
 * query tag (`.comment('articles.byId')`). Collected through the driver's command monitoring and an
 * AsyncLocalStorage scope opened per request, so concurrent requests never mix their figures.
 */
export class RequestDiagnostics {
  constructor(readonly requestId: string = randomUUID()) {}
  readonly startedAt = process.hrtime.bigint();
  /** Filled in as the request runs, for the request log line. */
  operationName: string | null = null;
  errorCodes: string[] = [];
  commands = 0;
  commandMs = 0;
  readonly byTag = new Map<string, number>();
  readonly started = new Map<number, bigint>();

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

/** Listens to a client created with `monitorCommands: true`; figures go to the request that sent them. */
export function attachCommandMonitor(client: mongo.MongoClient): void {
  client.on('commandStarted', (event) => {
    const diagnostics = scope.getStore();
    if (!diagnostics) return;
    diagnostics.commands += 1;
    diagnostics.started.set(event.requestId, process.hrtime.bigint());
    const comment: unknown = (event.command as { comment?: unknown }).comment;
    const tag = typeof comment === 'string' ? comment : event.commandName;
    diagnostics.byTag.set(tag, (diagnostics.byTag.get(tag) ?? 0) + 1);
  });
  const finish = (event: { requestId: number }): void => {
    const diagnostics = scope.getStore();
    const start = diagnostics?.started.get(event.requestId);
    if (!diagnostics || start === undefined) return;
    diagnostics.started.delete(event.requestId);
    diagnostics.commandMs += Number(process.hrtime.bigint() - start) / 1e6;
  };
  client.on('commandSucceeded', finish);
  client.on('commandFailed', finish);
}
