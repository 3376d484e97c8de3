// Summarises a V8 .cpuprofile (node --cpu-prof): where self time goes, by function and by package or file.
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [top]
import fs from 'node:fs';

export function summarizeProfile(file, top = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byPackage = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const where = shortUrl(url);
    const fn = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const pkg = packageOf(url) || functionName;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: us / busy }));
  return { busyMs: Math.round(busy / 1000), functions: rank(byFunction), packages: rank(byPackage) };
}

function shortUrl(url) {
  return url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '').replace(/^\/work\/main\//, '');
}

/** The npm package (or the repository file, or node's internals) a script belongs to. */
function packageOf(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return 'node: (core)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('node_modules/') - 1 >= 0 ? url.lastIndexOf('/node_modules/') : 0));
  if (m) return m[1];
  return shortUrl(url);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25));
  const line = (r) => `${String(r.ms).padStart(7)} ms ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`;
  console.log(`busy ${s.busyMs} ms\n-- self time by function\n${s.functions.map(line).join('\n')}`);
  console.log(`-- by package / file\n${s.packages.map(line).join('\n')}`);
}
