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
