import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../src/config';
import { root } from '../support/build';

/**
 * The Dockerfile and compose.yaml cannot be run here (no Docker); what can be checked without it is: the
 * compose file parses, names only configuration Atrium knows, and the image runs what `npm start` runs.
 */

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The Dockerfile's instructions, continuation lines joined, comments dropped; FROM starts a stage. */
function dockerfileStages(): string[][] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  return stages;
}

test('when the image is built, then it runs as npm start does, as a non-root user, with production dependencies only', () => {
  const stages = dockerfileStages();
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const final = stages.at(-1)!;
  const instruction = (name: string) => final.filter((line) => line.toUpperCase().startsWith(`${name} `));

  const cmd = JSON.parse(instruction('CMD')[0]!.slice(4)) as string[];
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start']!;
  expect(cmd.join(' ')).toBe(start);

  expect(instruction('RUN').some((line) => line.includes('npm ci --omit=dev'))).toBe(true);
  expect(instruction('USER')).toEqual(['USER node']);
  expect(instruction('STOPSIGNAL')).toEqual(['STOPSIGNAL SIGTERM']);
  expect(instruction('ENTRYPOINT')[0]).toContain('tini');
  expect(instruction('HEALTHCHECK')[0]).toContain('/health/ready');
  expect(instruction('ENV')[0]).toContain('NODE_ENV=production');
});

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  command?: string[];
}

test('when compose.yaml is read, then it parses, and its instances name only configuration keys Atrium knows', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const atriums = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
  expect(atriums.map(([name]) => name)).toEqual(['atrium1', 'atrium2']);
  for (const [, service] of atriums) {
    const keys = Object.keys(service.environment ?? {});
    expect(keys.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key))).toEqual([]);
    // Instances share their secret and their rate-limit buckets, and run against the replica set.
    expect(service.environment).toMatchObject({
      NODE_ENV: 'production',
      RATE_LIMIT_STORE: 'mongodb',
      TOKEN_SECRET: expect.stringMatching(/^\$\{TOKEN_SECRET/),
      MONGODB_URI: expect.stringContaining('replicaSet=rs0'),
    });
  }
  const members = Object.values(compose.services).filter(
    (service) => service.image?.startsWith('mongo:8') && service.command?.includes('--replSet'),
  );
  expect(members).toHaveLength(3);
});
