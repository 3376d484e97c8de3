import type { Logger } from './observability/logger';

/** One part of stopping the process, named in the log line when it does not finish in time. */
export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void>;
}

/** How a shutdown ended: the steps that failed, and those still running or not begun when time ran out. */
export interface ShutdownOutcome {
  readonly failed: readonly { readonly step: string; readonly error: unknown }[];
  readonly pending: readonly string[];
}

export interface ShutdownOptions {
  /** Run one after the other; a step that fails does not keep the next from running. */
  readonly steps: readonly ShutdownStep[];
  /** SHUTDOWN_TIMEOUT_MS: the whole shutdown, every step included, ends within it. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Ends the process: `process.exit`, or a test's stand-in. */
  readonly exit: (code: number) => void;
}

/**
 * The part of SHUTDOWN_TIMEOUT_MS that in-flight requests get before their connections are closed: all but
 * a quarter of it, and at most all but two seconds, so that closing MongoDB has time of its own.
 */
export function requestGracePeriodMs(shutdownTimeoutMs: number): number {
  return Math.max(Math.floor((shutdownTimeoutMs * 3) / 4), shutdownTimeoutMs - 2_000);
}

/**
 * Runs the steps in order and resolves once they have all ended, or when `timeoutMs` has passed, whichever
 * comes first; past the deadline no further step begins, and the outcome names the steps left unfinished.
 * The deadline's timer is referenced, so that a step waiting on a promise nothing will ever settle still
 * ends in the timed-out outcome rather than in a silent exit, and it is cleared as soon as the outcome is
 * known, so that it never holds a process whose shutdown has ended.
 */
export async function runShutdown(
  steps: readonly ShutdownStep[],
  timeoutMs: number,
  onFailure: (step: string, error: unknown) => void = () => {},
): Promise<ShutdownOutcome> {
  const failed: { step: string; error: unknown }[] = [];
  let next = 0;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve({ failed: [...failed], pending: steps.slice(next).map((step) => step.name) });
    }, timeoutMs);
  });
  const sequence = (async (): Promise<ShutdownOutcome> => {
    for (; next < steps.length && !timedOut; next += 1) {
      const step = steps[next]!;
      try {
        await step.run();
      } catch (error) {
        failed.push({ step: step.name, error });
        onFailure(step.name, error);
      }
    }
    return { failed, pending: [] };
  })();
  try {
    return await Promise.race([sequence, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the shutdown, logs how it ended in one line and exits: 0 when every step ended well, 1 otherwise. */
export async function shutDown(options: ShutdownOptions): Promise<void> {
  const { steps, timeoutMs, logger, exit } = options;
  const outcome = await runShutdown(steps, timeoutMs, (step, error) => {
    logger.error({ err: error, step }, 'shutdown step failed');
  });
  if (outcome.pending.length > 0) {
    logger.error({ pending: outcome.pending, timeoutMs }, 'shutdown timed out');
    exit(1);
  } else if (outcome.failed.length > 0) {
    logger.error({ failed: outcome.failed.map((failure) => failure.step) }, 'shutdown failed');
    exit(1);
  } else {
    logger.info('stopped');
    exit(0);
  }
}

/**
 * The first SIGTERM or SIGINT starts the shutdown. Another one while it runs ends the process at once, with
 * exit code 1: the operator has chosen not to wait.
 */
export function stopOnSignals(signals: Pick<NodeJS.EventEmitter, 'on'>, options: ShutdownOptions): void {
  const { logger, exit } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.error({ signal }, 'shutdown interrupted by a second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: finishing in-flight requests');
    void shutDown(options);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) signals.on(signal, () => onSignal(signal));
}
