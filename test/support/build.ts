import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');

/**
 * Compiles the service into a directory of this test file's own and returns its entry point, so that a test
 * runs the code as it is now, not a `dist/` left over from an earlier build. tsc emits even when a file
 * elsewhere in the tree does not type-check at this moment; the type-check has its own CI step.
 */
export async function buildEntryPoint(): Promise<string> {
  // CI builds before it tests: a dist/ newer than every source file is the code as it is now.
  const built = path.join(root, 'dist', 'src', 'main.js');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > newestSource()) return built;
  // Inside the repository, so that the compiled files resolve the installed packages.
  const cache = path.join(root, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const outDir = fs.mkdtempSync(path.join(cache, 'atrium-test-build-'));
  await promisify(execFile)(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir],
    { cwd: root },
  ).catch(() => undefined);
  const main = path.join(outDir, 'src', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`the build produced no ${main}`);
  return main;
}

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'resolvers'));
  return newest;
}

/** Deletes a build made by buildEntryPoint (never the shared dist/). */
export function removeBuild(main: string): void {
  if (!main.includes(`${path.sep}.cache${path.sep}`)) return;
  fs.rmSync(path.dirname(path.dirname(main)), { recursive: true, force: true });
}

export { root };
