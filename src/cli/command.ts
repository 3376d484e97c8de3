import { ConfigError, loadConfig, type Config } from '../config';
import { createDeps, type AppDeps } from '../deps';
import { createLogger } from '../observability/logger';

/** A mistake of the person running a command: its message is all they need, and the exit code is 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Exit codes of every command-line entry point. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Reads the configuration, or explains what is wrong with it (a ConfigError names the key). */
export function configFrom(env: NodeJS.ProcessEnv): Config {
  return loadConfig(env);
}

/**
 * Runs `work` with the long-lived dependencies of a command and closes them after. Log lines would mix with
 * a command's answer on stdout: only warnings and worse are shown.
 */
export async function withDeps<T>(config: Config, work: (deps: AppDeps) => Promise<T>): Promise<T> {
  const logger = createLogger({ logLevel: config.logLevel === 'silent' ? 'silent' : 'warn' });
  const deps = await createDeps(config, logger);
  try {
    return await work(deps);
  } finally {
    await deps.background.idle();
    deps.mailer.close();
    await deps.db.close();
  }
}

/** What an error that ends a command prints: a message for the person's mistakes, a stack for bugs. */
export function describeFailure(name: string, error: unknown): string {
  if (error instanceof ConfigError || error instanceof CommandError) return error.message;
  return `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/**
 * The one way a command-line entry point ends: `main` returns its exit code, or throws; a ConfigError or a
 * CommandError prints its message, anything else its stack, and both exit 1.
 */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${describeFailure(name, error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
