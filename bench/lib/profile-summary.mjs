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
  const byCategory = new Map();
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
    const category = categoryOf(pkg, url, functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: us / busy }));
  return {
    busyMs: Math.round(busy / 1000),
    categories: rank(byCategory),
    functions: rank(byFunction),
    packages: rank(byPackage),
  };
}

const CATEGORIES = [
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^@apollo\//, 'Apollo Server'],
  [/^graphql$/, 'graphql-js (parse, validate, execute)'],
  [/^type-graphql$/, 'type-graphql (field wrappers, middlewares)'],
  [
    /^(cors|body-parser|raw-body|negotiator|content-type|iconv-lite|whatwg-mimetype|on-finished|type-is|media-typer|bytes|http-errors|depd|vary|object-assign|statuses|unpipe|destroy|ee-first|mime-types|mime-db)$/,
    'HTTP middleware (cors, body-parser, content negotiation)',
  ],
  [/^(mongodb|bson|mongoose|kareem|mpath|mquery|sift|@mongodb-js\/.*)$/, 'MongoDB driver, BSON, mongoose'],
  [/^(dataloader)$/, 'DataLoader'],
  [/^(jose)$/, 'jose (JWT)'],
  [
    /^(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify)$/,
    'pino (logging)',
  ],
  [/^(dist\/|bench\/)/, 'Atrium code (dist/src, dist/resolvers)'],
];

/** Broad buckets for the report; node's async_hooks (AsyncLocalStorage's promise hooks) get their own. */
function categoryOf(pkg, url, functionName) {
  if (
    url.startsWith('node:internal/async_hooks') ||
    /^(promise\w*Hook|_propagate|lookupPublicResource)$/.test(functionName)
  ) {
    return 'async_hooks (AsyncLocalStorage)';
  }
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/bootstrap'))
    return 'start-up (module loading)';
  for (const [pattern, name] of CATEGORIES) if (pattern.test(pkg)) return name;
  if (url.startsWith('node:') || !url) return 'node core and native (HTTP, sockets, crypto, microtasks)';
  return 'other packages';
}

function shortUrl(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(/^\/work\/main\//, '');
}

/** The npm package (or the repository file, or node's internals) a script belongs to. */
function packageOf(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return 'node: (core)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(
    url.slice(url.lastIndexOf('node_modules/') - 1 >= 0 ? url.lastIndexOf('/node_modules/') : 0),
  );
  if (m) return m[1];
  return shortUrl(url);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25));
  const line = (r) => `${String(r.ms).padStart(7)} ms ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`;
  console.log(`-- by category\n${s.categories.map(line).join('\n')}`);
  console.log(`busy ${s.busyMs} ms\n-- self time by function\n${s.functions.map(line).join('\n')}`);
  console.log(`-- by package / file\n${s.packages.map(line).join('\n')}`);
}
