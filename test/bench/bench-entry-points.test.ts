import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildEntryPoint, removeBuild, root } from '../support/build';

/**
 * `npm run bench` runs Atrium from its build by path (`dist/src/main.js`, the seed, the pieces the W2 server
 * assembles). Its sources are plain JavaScript outside the type-check, so this keeps them honest: each
 * parses, and each build path it names exists with the exports it takes from it.
 */

const benchSources = (): string[] => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'results') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.mjs')) found.push(full);
    }
  };
  walk(path.join(root, 'bench'));
  return found;
};

let main: string;
let buildRoot: string;
beforeAll(async () => {
  main = await buildEntryPoint();
  buildRoot = path.dirname(path.dirname(main));
}, 120_000);
afterAll(() => removeBuild(main));

test('when the benchmark sources are read, then each one parses', async () => {
  const sources = benchSources();
  expect(sources.length).toBeGreaterThan(5);
  for (const file of sources) await promisify(execFile)(process.execPath, ['--check', file]);
});

test('when the benchmark names a file of the build, then the build has it, with what it takes from it', () => {
  const named = new Map<string, Set<string>>();
  for (const file of benchSources()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/['"`](?:\.\/)?dist\/((?:src|resolvers)\/[\w/.-]+\.js)['"`]/g)) {
      if (!named.has(match[1]!)) named.set(match[1]!, new Set());
    }
    for (const match of text.matchAll(/const \{([^}]+)\} = require\('\.\/dist\/([\w/.-]+\.js)'\)/g)) {
      const names = match[1]!.split(',').map((name) => name.trim().split(':')[0]!.trim());
      const taken = named.get(match[2]!) ?? new Set<string>();
      for (const name of names) if (name) taken.add(name);
      named.set(match[2]!, taken);
    }
  }
  expect([...named.keys()]).toEqual(expect.arrayContaining(['src/main.js', 'src/cli/seed.js']));
  for (const [file, names] of named) {
    const built = path.join(buildRoot, file);
    expect({ file, exists: fs.existsSync(built) }).toEqual({ file, exists: true });
    if (names.size === 0) continue;
    // Reading what a module exports without running an entry point: only modules that are not entries.
    const source = fs.readFileSync(built, 'utf8');
    for (const name of names) {
      expect({
        file,
        name,
        exported: new RegExp(`exports\\.${name}\\b|exports, "${name}"`).test(source),
      }).toEqual({
        file,
        name,
        exported: true,
      });
    }
  }
});

describe('npm run bench -- --webhooks', () => {
  /** Evaluates `expression` in bench/webhooks.mjs's scope (as `m`), in a process of its own, as JSON. */
  const fromWebhooksBench = async (expression: string): Promise<unknown> => {
    const code = `import * as m from './bench/webhooks.mjs';
      let out;
      try { out = { value: await (async () => ${expression})() }; } catch (error) { out = { error: error.message }; }
      process.stdout.write(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: root,
    });
    return JSON.parse(stdout);
  };
  /** The environment the mode starts Atrium with (WEBHOOK_CONCURRENCY aside, which it sets per run). */
  const benchEnv = async (): Promise<Record<string, string>> =>
    (
      (await fromWebhooksBench(
        `m.atriumEnv({ uri: 'mongodb://127.0.0.1:27017/hooks', workDir: '/tmp', endpoints: 10 })`,
      )) as { value: Record<string, string> }
    ).value;

  test('when run.mjs is given --webhooks, then it hands its arguments to runWebhooks of webhooks.mjs', async () => {
    const run = fs.readFileSync(path.join(root, 'bench/run.mjs'), 'utf8');
    expect(run).toMatch(
      /argv\.includes\('--webhooks'\)\)\s*\{\s*const \{ runWebhooks \} = await import\('\.\/webhooks\.mjs'\);\s*await runWebhooks\(argv\);/,
    );
    expect(await fromWebhooksBench(`typeof m.runWebhooks`)).toEqual({ value: 'function' });
  });

  test('when no argument is given, then the defaults hold, at the configured WEBHOOK_CONCURRENCY and four times it', async () => {
    const { loadConfig } = await import('../../src/config');
    const configured = loadConfig({ ...(await benchEnv()), PORT: '4000' }).webhookConcurrency;
    expect(await fromWebhooksBench(`m.webhookOptions([])`)).toEqual({
      value: {
        writes: 2000,
        concurrency: [configured, configured * 4],
        endpoints: 10,
        rounds: 5,
        seconds: 3,
        profile: false,
      },
    });
    expect(
      await fromWebhooksBench(
        `m.webhookOptions(['--webhooks', '--writes', '50', '--concurrency', '2,16', '--endpoints', '3', '--rounds', '1', '--seconds', '2', '--profile'])`,
      ),
    ).toEqual({
      value: { writes: 50, concurrency: [2, 16], endpoints: 3, rounds: 1, seconds: 2, profile: true },
    });
  });

  test.each([
    [['--writes', '0'], '--writes must be a positive integer, not 0'],
    [['--concurrency', '8,x'], '--concurrency must be a positive integer, not x'],
    [['--concurrency', '300'], '--concurrency must be at most 256 (WEBHOOK_CONCURRENCY), not 300'],
    [['--endpoints', '2.5'], '--endpoints must be a positive integer, not 2.5'],
    [['--rounds', '-1'], '--rounds must be a positive integer, not -1'],
  ])('when given %j, then it refuses before starting anything', async (args, message) => {
    expect(await fromWebhooksBench(`m.webhookOptions(${JSON.stringify(args)})`)).toEqual({ error: message });
  });

  test('when Atrium is started for it, then the configuration accepts the environment, private targets allowed', async () => {
    const { loadConfig } = await import('../../src/config');
    const env = await benchEnv();
    const config = loadConfig({ ...env, PORT: '4000', WEBHOOK_CONCURRENCY: '32' });
    expect({
      nodeEnv: config.nodeEnv,
      allowPrivate: config.webhookAllowPrivateTargets,
      concurrency: config.webhookConcurrency,
      endpointsPerUser: config.webhookMaxEndpointsPerUser,
      encryptionKeys: config.dataEncryptionKeys?.length,
    }).toEqual({
      nodeEnv: 'production',
      allowPrivate: true,
      concurrency: 32,
      endpointsPerUser: 10,
      encryptionKeys: 1,
    });
  });

  test('when the bench sends its operations, then each is valid against the emitted schema', async () => {
    const { buildSchema, parse, validate } = await import('graphql');
    const sdl = fs
      .readdirSync(path.join(root, 'schema'))
      .filter((file) => file.endsWith('.graphql'))
      .map((file) => fs.readFileSync(path.join(root, 'schema', file), 'utf8'))
      .join('\n');
    const schema = buildSchema(sdl);
    const { value: operations } = (await fromWebhooksBench(`m.OPERATIONS`)) as {
      value: Record<string, string>;
    };
    expect(Object.keys(operations).sort()).toEqual(
      ['addComment', 'createArticle', 'createEndpoint', 'createUser', 'updateEndpoint'].sort(),
    );
    for (const [name, document] of Object.entries(operations)) {
      expect({ name, errors: validate(schema, parse(document)).map((e) => e.message) }).toEqual({
        name,
        errors: [],
      });
    }
  });
});
