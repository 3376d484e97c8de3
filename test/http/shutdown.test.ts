import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { buildEntryPoint, removeBuild } from '../support/build';
import { mongoUri, withOptions } from '../support/harness';

let main: string;
beforeAll(async () => {
  main = await buildEntryPoint();
}, 120_000);
afterAll(() => removeBuild(main));

/** The child's log lines as they come, parsed, and the port it says it listens on. */
function watchLog(child: ChildProcess): { lines: Record<string, unknown>[]; port: Promise<number> } {
  const lines: Record<string, unknown>[] = [];
  const port = new Promise<number>((resolve, reject) => {
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop()!;
      for (const text of complete) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (typeof line['port'] === 'number') resolve(line['port']);
      }
    });
    child.on('exit', (code) =>
      reject(new Error(`exited with ${code} before listening: ${JSON.stringify(lines)}`)),
    );
  });
  return { lines, port };
}

test('when SIGTERM arrives during a request, then the request completes and the process exits 0', async () => {
  const dbName = `atrium_shutdown_${randomUUID().replaceAll('-', '')}`;
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      MONGODB_URI: withOptions(mongoUri(), {}, dbName),
      TOKEN_SECRET: randomBytes(48).toString('base64'),
      SHUTDOWN_TIMEOUT_MS: '10000',
      // A slow password hash makes a sign-up take about a second: long enough to be in flight.
      BCRYPT_ROUNDS: '13',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close' comes after the child's output has all been read, 'exit' may come before.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const log = watchLog(child);
  const port = await log.port;

  const name = `u${randomBytes(5).toString('hex')}`;
  const inFlight = fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: CreateUserInput!) { createUser(input: $input) { user { username } } }',
      variables: {
        input: { username: name, email: `${name}@example.com`, password: 'correct horse battery' },
      },
    }),
  });
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGTERM');

  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ data: { createUser: { user: { username: name } } } });
  expect(await exited).toBe(0);
  // The request was still running when the signal came: the process logged the signal before the request's
  // line, and stopped after it.
  const order = ['shutting down: finishing in-flight requests', 'request /graphql', 'stopped'];
  const events = log.lines.map((line) =>
    line['msg'] === 'request' ? `request ${String(line['path'])}` : line['msg'],
  );
  expect(events.filter((event) => order.includes(event as string))).toEqual(order);
  // After the signal, new connections are refused.
  await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
}, 30_000);
