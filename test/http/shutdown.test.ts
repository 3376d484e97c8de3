import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { buildEntryPoint, removeBuild } from '../support/build';
import { mongoUri, withOptions } from '../support/harness';

let main: string;
beforeAll(async () => {
  main = await buildEntryPoint();
}, 120_000);
afterAll(() => removeBuild(main));

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening: ${out}`)));
  });
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
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await waitForPort(child);

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
  const signalled = Date.now();
  child.kill('SIGTERM');

  const response = await inFlight;
  const answered = Date.now();
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ data: { createUser: { user: { username: name } } } });
  expect(await exited).toBe(0);
  // The request was still running when the signal came.
  expect(answered).toBeGreaterThan(signalled);
  // After the signal, new connections are refused.
  await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
}, 30_000);
