import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export type LogLine = Record<string, unknown>;

/** The built service running as a process of its own, as `npm start` runs it. */
export interface AtriumProcess {
  readonly child: ChildProcess;
  /** The child's log lines as they come, parsed. */
  readonly lines: LogLine[];
  readonly url: string;
  /** Resolves with the exit code once the child's output has all been read. */
  readonly exited: Promise<number | null>;
  /** Resolves once a log line has this message. */
  logged(msg: string): Promise<LogLine>;
}

/**
 * Spawns `node <nodeArgs>` (the built entry, with any preload) with test defaults under `env`, and resolves
 * once it logs that it is ready, with the port it bound.
 */
export async function startAtriumProcess(
  nodeArgs: readonly string[],
  env: Record<string, string>,
): Promise<AtriumProcess> {
  const child = spawn(process.execPath, [...nodeArgs], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      TOKEN_SECRET: randomBytes(48).toString('base64'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BCRYPT_ROUNDS: '4',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiting: { msg: string; resolve: (line: LogLine) => void }[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const text of complete) {
      if (!text) continue;
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const waiter of waiting) if (waiter.msg === line['msg']) waiter.resolve(line);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' comes after the child's output has all been read, 'exit' may come before.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const logged = (msg: string) =>
    new Promise<LogLine>((resolve) => {
      const line = lines.find((l) => l['msg'] === msg);
      if (line) resolve(line);
      else waiting.push({ msg, resolve });
    });
  const ready = await Promise.race([
    logged('Atrium is ready'),
    exited.then((code) => {
      throw new Error(`exited with ${code} before listening: ${stderr} ${JSON.stringify(lines)}`);
    }),
  ]);
  return { child, lines, url: `http://127.0.0.1:${String(ready['port'])}`, exited, logged };
}
