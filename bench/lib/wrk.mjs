// wrk as the load generator, pinned to its own CPU, one thread, every response checked by lib/check.lua.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'check.lua');

/**
 * Runs one window. `check` is { expectFile } (exact bytes) or { containsFile } (lines that must occur).
 * Returns wrk's figures: requests, durationUs, good, bad, p50/p90/p99 (µs), sample of a bad response.
 */
export function runWrk({ cpu, url, bodyFile, auth, check, connections, seconds, timeoutSeconds = 10 }) {
  const env = { ...process.env, BENCH_BODY_FILE: bodyFile, BENCH_AUTH: auth ?? '' };
  delete env.BENCH_EXPECT_FILE;
  delete env.BENCH_CONTAINS_FILE;
  delete env.BENCH_EXPECT_PREFIX;
  if (check.prefix) env.BENCH_EXPECT_PREFIX = '1';
  if (check.expectFile) env.BENCH_EXPECT_FILE = check.expectFile;
  if (check.containsFile) env.BENCH_CONTAINS_FILE = check.containsFile;
  const args = [
    '-c',
    String(cpu),
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    '--latency',
    '-s',
    SCRIPT,
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { env, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith('BENCHJSON '));
      if (!line) return reject(new Error(`wrk printed no result:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line.slice('BENCHJSON '.length)));
    });
  });
}

export function wrkVersion() {
  try {
    // wrk prints its version in the usage text, on stderr, with a non-zero exit.
    fs.accessSync('/usr/bin/wrk');
  } catch {
    return 'unknown';
  }
  return new Promise((resolve) => {
    execFile('wrk', ['-v'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.split('\n')[0].trim()));
  });
}
