// Turns the per-window samples into the figures BENCHMARKS.md shows: ratios to the bare server of the same
// round (so that machine speed and noise between runs cancel), as median and min–max over rounds.
import fs from 'node:fs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const LABELS = {
  bare: 'bare node:http (W0, ceiling)',
  atrium: 'Atrium',
  'atrium-w2': 'Atrium',
  'atrium-jit': 'Atrium, GRAPHQL_JIT=true',
  'atrium-w2-jit': 'Atrium, GRAPHQL_JIT=true',
  apollo: 'Apollo Server 5, standalone',
  'apollo-express': 'Apollo Server 5 on Express 5',
  yoga: 'graphql-yoga 5',
  mercurius: 'mercurius 16',
  'mercurius-jit': 'mercurius 16, jit: 1',
  'graphql-js': 'graphql-js on node:http',
  naive: 'graphql-js, unbatched (naive)',
  monitored: 'graphql-js + driver command monitoring',
};
const ROW_ORDER = [
  'bare',
  'atrium',
  'atrium-jit',
  'apollo',
  'apollo-express',
  'yoga',
  'mercurius',
  'mercurius-jit',
  'graphql-js',
  'naive',
  'monitored',
];
const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];
// W2 runs Atrium's stack through a launcher that adds the in-memory list; it is the Atrium row.
const row = (variant) => ({ 'atrium-w2': 'atrium', 'atrium-w2-jit': 'atrium-jit' })[variant] ?? variant;

export function summarize(samples) {
  const bareCpu = new Map();
  const bareRps = new Map();
  for (const s of samples) {
    if (s.variant === 'bare' && s.valid) {
      bareCpu.set(`${s.workload}/${s.round}`, s.cpuUsPerReq);
      bareRps.set(`${s.workload}/${s.round}`, s.rps);
    }
  }
  const groups = new Map();
  for (const s of samples) {
    const key = `${s.workload}/${row(s.variant)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  const summary = {};
  for (const [key, list] of groups) {
    const [workload, variant] = key.split('/');
    const valid = list.filter((s) => s.valid && bareCpu.has(`${s.workload}/${s.round}`));
    const cpuRatios = valid.map((s) => bareCpu.get(`${s.workload}/${s.round}`) / s.cpuUsPerReq);
    const rpsRatios = valid.map((s) => s.rps / bareRps.get(`${s.workload}/${s.round}`));
    summary[workload] ??= {};
    summary[workload][variant] = {
      rounds: valid.length,
      invalidRounds: list.length - valid.length,
      problems: list.filter((s) => !s.valid).map((s) => s.problem),
      cpuRatio: { median: median(cpuRatios), min: Math.min(...cpuRatios), max: Math.max(...cpuRatios) },
      rpsRatio: { median: median(rpsRatios), min: Math.min(...rpsRatios), max: Math.max(...rpsRatios) },
      cpuUsPerReq: median(valid.map((s) => s.cpuUsPerReq)),
      mongoCpuUsPerReq: median(valid.map((s) => s.mongoCpuUsPerReq)),
      rps: median(valid.map((s) => s.rps)),
      p50Ms: median(valid.map((s) => s.p50Us)) / 1000,
      p99Ms: median(valid.map((s) => s.p99Us)) / 1000,
      p50SingleMs: median(valid.map((s) => s.p50SingleUs)) / 1000,
      cpuUsPerReqSingle: median(valid.map((s) => s.cpuUsPerReqSingle)),
      netCpuUsPerReq: median(valid.map((s) => s.netCpuUsPerReq)),
      idleCpuPerSecond: median(valid.map((s) => s.idleCpuPerSecond)),
    };
  }
  return summary;
}

const f = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
// Ratios of the database-bound workloads are small: two significant figures rather than two decimals.
const ratio = (x) => (!Number.isFinite(x) ? '–' : x >= 0.095 ? x.toFixed(2) : x.toPrecision(2));
const range = (r) =>
  Number.isFinite(r.median) ? `${ratio(r.median)} (${ratio(r.min)}–${ratio(r.max)})` : '–';

function table(summary, header, cell) {
  const rows = ROW_ORDER.filter((v) => WORKLOADS.some((w) => summary[w]?.[v]));
  const lines = [
    `| ${header} | ${WORKLOADS.join(' | ')} |`,
    `|---|${WORKLOADS.map(() => '---:').join('|')}|`,
  ];
  for (const v of rows) {
    lines.push(
      `| ${LABELS[v]} | ${WORKLOADS.map((w) => (summary[w]?.[v] ? cell(summary[w][v], w, v) : '')).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The targets of the current round (BENCHMARKS.md, "Round two"), each judged on the medians of this run for
 * Atrium as configured by default, with the other executor's figure beside it.
 */
export function targets(summary, meta) {
  const get = (w, v) => summary[w]?.[v];
  const cpu = (w, v) => get(w, v)?.cpuRatio.median;
  const out = [];
  const check = (label, ok, detail) => out.push(`- ${ok ? 'met' : '**not met**'}: ${label} (${detail})`);
  const both = (w) =>
    `Atrium ${ratio(cpu(w, 'atrium'))}, with GRAPHQL_JIT=true ${ratio(cpu(w, 'atrium-jit'))}`;
  const PEER_LIST = ['apollo', 'apollo-express', 'yoga', 'mercurius', 'mercurius-jit', 'graphql-js'];
  for (const w of ['W3', 'W4']) {
    if (!get(w, 'atrium')) continue;
    const behind = PEER_LIST.filter((v) => get(w, v) && !(cpu(w, 'atrium') > cpu(w, v)));
    check(
      `${w} less CPU per request than every peer, mercurius+JIT included`,
      behind.length === 0,
      `${both(w)}${behind.length ? `; behind ${behind.map((v) => `${LABELS[v]} ${ratio(cpu(w, v))}`).join(', ')}` : ''}`,
    );
  }
  if (get('W3', 'atrium') && get('W3', 'naive')) {
    const w3 = get('W3', 'atrium').rps / get('W3', 'naive').rps;
    check('W3 at least 5x the throughput of the naive variant', w3 >= 5, `${f(w3, 1)}x`);
  }
  for (const w of ['W1', 'W5']) {
    if (!get(w, 'atrium') || !get(w, 'apollo')) continue;
    check(
      `${w} less CPU per request than Apollo Server 5 standalone with its defaults`,
      cpu(w, 'atrium') > cpu(w, 'apollo'),
      `${both(w)}; Apollo ${ratio(cpu(w, 'apollo'))}`,
    );
  }
  if (get('W2', 'atrium') && get('W2', 'mercurius-jit')) {
    const share = (v) => cpu('W2', v) / cpu('W2', 'mercurius-jit');
    check(
      'W2 within 2x of mercurius+JIT on CPU per request',
      share('atrium') >= 0.5,
      `Atrium at ${f(share('atrium'))} of its CPU efficiency, with GRAPHQL_JIT=true at ${f(share('atrium-jit'))}`,
    );
  }
  const measured = ['W1', 'W2', 'W3', 'W4', 'W5'].filter((w) => get(w, 'atrium') && get(w, 'atrium-jit'));
  if (measured.length > 0) {
    const slower = measured.filter((w) => cpu(w, 'atrium-jit') < cpu(w, 'atrium'));
    check(
      'the compiled executor (GRAPHQL_JIT=true) at least as fast as the interpreter on every workload',
      slower.length === 0,
      measured
        .map((w) => `${w} ${ratio(cpu(w, 'atrium-jit'))} against ${ratio(cpu(w, 'atrium'))}`)
        .join(', '),
    );
  }
  const w6 = get('W6', 'atrium');
  if (w6) {
    const share = 1 - meta.bcryptAloneMs / (w6.cpuUsPerReq / 1000);
    check(
      'W6 non-bcrypt work <= 10% of a sign-in',
      share <= 0.1,
      `${f(share * 100, 1)}%: ${f(w6.cpuUsPerReq / 1000, 1)} ms CPU per sign-in, bcrypt alone ${f(meta.bcryptAloneMs, 1)} ms` +
        (share < 0 ? '; below zero is noise: the two are equal within what this machine can resolve' : ''),
    );
  }
  return out.join('\n');
}

export function renderMarkdown(summary, commands, meta) {
  const kind = meta.quick
    ? `quick run (${meta.rounds} round, short windows: indicative only)`
    : `full run, ${meta.rounds} rounds`;
  const cmdRows = ROW_ORDER.filter((v) =>
    ['W3', 'W4', 'W5', 'W6'].some((w) => commands[w]?.[v] !== undefined),
  );
  const cmdTable = [
    '| server | W3 | W4 | W5 | W6 |',
    '|---|---:|---:|---:|---:|',
    ...cmdRows.map(
      (v) => `| ${LABELS[v]} | ${['W3', 'W4', 'W5', 'W6'].map((w) => f(commands[w]?.[v], 1)).join(' | ')} |`,
    ),
  ].join('\n');
  const problems = [];
  for (const w of WORKLOADS) {
    for (const [v, s] of Object.entries(summary[w] ?? {})) {
      if (s.invalidRounds)
        problems.push(`- ${w} ${LABELS[v]}: ${s.invalidRounds} window(s) discarded: ${s.problems[0]}`);
    }
  }
  for (const [k, why] of Object.entries(meta.failedProbes))
    problems.push(`- ${k}: not measured, wrong response: ${why}`);

  return `### Results: ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${kind}

${meta.note ? `${meta.note}\n\n` : ''}Commit ${meta.commit}; Node ${meta.node}; ${meta.cpuCount} × ${meta.cpus}; ${meta.wrk}; ${meta.mongod}; bcrypt cost ${meta.bcryptRounds}.
Windows (s): warm-up ${meta.windows.warm} in the first round and ${meta.windows.rewarm ?? 0} in later ones (W6: ${meta.windows.slowWarm}, first round only), measured ${meta.windows.loaded} under load and ${meta.windows.single} at 1 connection (W6: ${meta.windows.slowLoaded} / ${meta.windows.slowSingle}). Under load: ${meta.connections} connections for W1/W2, ${meta.dbConnections} for the database-bound W3–W5, ${meta.signInConnections} for W6. Run time ${Math.round(meta.durationSeconds / 60)} min.

**Server CPU per request, as a ratio to the bare server** (bare CPU/req ÷ server CPU/req; 1.00 is the ceiling, higher is better), median (min–max) over rounds:

${table(summary, 'server', (s) => range(s.cpuRatio))}

**Throughput under load, as a ratio to the bare server**, median (min–max):

${table(summary, 'server', (s) => range(s.rpsRatio))}

**p50 latency, ms, under load / at 1 connection** (medians over rounds):

${table(summary, 'server', (s) => `${f(s.p50Ms, 2)} / ${f(s.p50SingleMs, 3)}`)}

**Absolute figures of this run** (req/s under load; server CPU µs per request), for orientation only; compare ratios, not these, across runs:

${table(summary, 'server', (s) => `${f(s.rps, 0)}; ${f(s.cpuUsPerReq, 0)} µs`)}

**MongoDB commands per request** (counted by the database, serverStatus, over 10 requests), and the database's CPU per request in µs (median) beside it for W3–W5:

${cmdTable}

${table(Object.fromEntries(['W3', 'W4', 'W5'].map((w) => [w, summary[w]])), 'mongod CPU µs/req', (s) =>
  f(s.mongoCpuUsPerReq, 0),
)}

bcrypt.compare alone at cost ${meta.bcryptRounds}: ${f(meta.bcryptAloneMs, 1)} ms CPU.

**Targets** (Atrium, medians):

${targets(summary, meta)}
${problems.length ? `\n**Discarded or unmeasured**:\n\n${problems.join('\n')}\n` : ''}`;
}

/** The scale run's target: CPU per request at the scale size within this factor of the default size's. */
export const SCALE_TARGET = 1.25;

/**
 * The `--scale` run: per workload, the CPU per request at both sizes (as ratios to the bare server and in
 * µs), their quotient per round, the commands per request, and every command's documents examined.
 */
export function renderScaleMarkdown({ summary, samples, commands, explained, meta }) {
  const workloads = Object.keys(commands);
  const quotients = (w, field = 'cpuUsPerReq') => {
    const byRound = new Map();
    for (const s of samples) {
      if (!s.valid || !s.variant.startsWith('atrium-') || !s.workload.startsWith(`${w}-`)) continue;
      const entry = byRound.get(s.round) ?? {};
      entry[s.variant.slice('atrium-'.length)] = s[field];
      byRound.set(s.round, entry);
    }
    return [...byRound.values()].filter((e) => e.default && e.scale).map((e) => e.scale / e.default);
  };
  const at = (w, size) => summary[`${w}-${size}`]?.[`atrium-${size}`];
  const spread = (q) => `${f(median(q))} (${f(Math.min(...q))}–${f(Math.max(...q))})`;
  const rows = workloads.map((w) => {
    const q = quotients(w);
    const q1 = quotients(w, 'cpuUsPerReqSingle');
    const qNet = quotients(w, 'netCpuUsPerReq');
    const net = (size) => f(at(w, size)?.netCpuUsPerReq, 0);
    // Exact: the commands sent for one request, from command monitoring. The serverStatus figure also counts
    // what both servers do in the background meanwhile (the webhook worker's polls).
    const sent = (size) => explained[size]?.[w]?.length;
    const sameCommands = sent('default') === sent('scale');
    const mongo = (size) => f(at(w, size)?.mongoCpuUsPerReq, 0);
    return `| ${w} | ${range(at(w, 'default')?.cpuRatio ?? {})} | ${range(at(w, 'scale')?.cpuRatio ?? {})} | ${f(at(w, 'default')?.cpuUsPerReq, 0)} / ${f(at(w, 'scale')?.cpuUsPerReq, 0)} | ${spread(q)} | ${f(at(w, 'default')?.cpuUsPerReqSingle, 0)} / ${f(at(w, 'scale')?.cpuUsPerReqSingle, 0)} | ${spread(q1)} | ${net('default')} / ${net('scale')} | ${spread(qNet)} | ${mongo('default')} / ${mongo('scale')} | ${sent('default')} / ${sent('scale')}${sameCommands ? '' : ' **differ**'} (${f(commands[w].default, 1)} / ${f(commands[w].scale, 1)}) | ${median(q) <= SCALE_TARGET ? 'met' : '**not met**'} |`;
  });
  const docRows = [];
  for (const w of workloads) {
    const d = explained.default?.[w] ?? [];
    const sc = explained.scale?.[w] ?? [];
    for (let i = 0; i < Math.max(d.length, sc.length); i++) {
      const a = d[i];
      const b = sc[i];
      const name = `${(b ?? a).tag ?? '–'} (\`${(b ?? a).command}\` ${(b ?? a).collection})`;
      const cell = (c) =>
        !c
          ? '–'
          : c.explained
            ? `${c.totalDocsExamined} / ${c.totalKeysExamined}`
            : (c.error ?? 'not explainable');
      const ms = (c) => (c?.ms === undefined ? '–' : f(c.ms, 1));
      docRows.push(
        `| ${w} | ${name} | ${cell(a)} | ${cell(b)} | ${ms(a)} / ${ms(b)} | ${b?.stages?.join(', ') ?? ''} |`,
      );
    }
  }
  const sizes = Object.entries(meta.seeding)
    .map(
      ([name, s]) =>
        `${name}: ${Object.entries(s.written)
          .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
          .join(', ')}, seeded in ${f(s.seconds, 1)} s`,
    )
    .join('; ');
  const loads = meta.loadAverages.map((l) => l.load[0]);
  const idle = (size) => {
    const rates = samples.filter((s) => s.variant === `atrium-${size}` && s.idleCpuPerSecond !== undefined);
    return f(median(rates.map((s) => s.idleCpuPerSecond * 1000)), 1);
  };
  return `### Scale: ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.quick ? 'quick run (indicative only)' : `${meta.rounds} rounds`}

Commit ${meta.commit}; Node ${meta.node}; ${meta.cpuCount} × ${meta.cpus}; ${meta.mongod}. Data (bench/lib/scale-seed.mjs, indexes built first): ${sizes}. W4 shows an article with ${meta.w4Comments} comments at both sizes. Windows (s): warm-up ${meta.windows.warm} in the first round and ${meta.windows.rewarm} later, ${meta.windows.loaded} under load (${meta.dbConnections} connections), ${meta.windows.single} at 1 connection. Load average (1 min) over the run: ${f(Math.min(...loads))}–${f(Math.max(...loads))}. CPU of each Atrium while idle: ${idle('default')} ms/s (default), ${idle('scale')} ms/s (scale). Run time ${Math.round(meta.durationSeconds / 60)} min.

**Atrium's CPU per request at the default size and at scale**: under load, ratio to the bare server (higher is better), median (min–max) over rounds; µs per request under load and at 1 connection (medians, default / scale) and scale ÷ default per round (target ≤ ${SCALE_TARGET}, under load); the same under load net of what the idle server burns in as long (its CPU per second with no request, measured once per round: timers, the driver's monitoring, the webhook worker's polls), and its quotient; MongoDB's CPU per request under load (µs, default / scale); MongoDB commands per request, default / scale (sent for one request, from command monitoring; in brackets, counted by serverStatus over 10 requests, which includes both servers' background polls):

| workload | ratio, default | ratio, scale | µs under load | scale ÷ default | µs at 1 connection | scale ÷ default, 1 conn. | µs under load, net of idle | scale ÷ default, net | mongod µs | commands | target |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

**Documents / keys examined per command** (the commands Atrium sent for one request, captured with command monitoring, each explained with executionStats; totals over the explain output, $lookup stages included where the server reports them), and the time MongoDB took to answer each (the driver's figure, one request at a time):

| workload | command (tag) | docs / keys, default | docs / keys, scale | ms, default / scale | plan at scale |
| --- | --- | ---: | ---: | ---: | --- |
${docRows.join('\n')}
`;
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
export const SCALE_MARKERS = ['<!-- scale:start -->', '<!-- scale:end -->'];

/** Replaces a generated block of BENCHMARKS.md, leaving the hand-written text around it alone. */
export function updateBenchmarksMd(file, markdown, [start, end] = [START, END]) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${start}\n${end}\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next =
    a >= 0 && b > a
      ? `${text.slice(0, a + start.length)}\n${markdown}\n${text.slice(b)}`
      : `${text}\n${start}\n${markdown}\n${end}\n`;
  fs.writeFileSync(file, next);
}
