import type { Logger } from '../observability/logger';
import { RequestDiagnostics, runWithDiagnostics } from '../observability/diagnostics';

/**
 * Work a request starts and does not wait for (a password-reset mail: its answer must not depend on whether
 * the account exists, nor take longer when it does). A failure is logged with the request's id, never lost;
 * its MongoDB commands are counted apart from the request's. `idle` lets a process stop, and a test look,
 * once everything started has finished.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(what: string, requestId: string | null, work: () => Promise<void>): void {
    const task: Promise<void> = runWithDiagnostics(new RequestDiagnostics(), () =>
      Promise.resolve().then(work),
    )
      .catch((error: unknown) => {
        this.logger.error({ err: error, requestId, work: what }, 'background work failed');
      })
      .finally(() => {
        this.running.delete(task);
      });
    this.running.add(task);
  }

  /** Resolves when nothing is running, work started meanwhile included. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
