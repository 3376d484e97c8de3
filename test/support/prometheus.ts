/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4), for tests that scrape /metrics.
 * It throws on anything the format does not allow: a sample before its family's TYPE, a family split in two,
 * a sample name its family's type does not have, a bad label or value, the same series twice, histogram
 * buckets out of order or without +Inf.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const fail = (line: number, why: string): never => {
    throw new Error(`metrics line ${line}: ${why}`);
  };
  if (text !== '' && !text.endsWith('\n')) fail(0, 'the text must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const n = index + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name = '', rest = ''] = match;
      if (!NAME.test(name)) fail(n, `bad metric name "${name}"`);
      let family = families.get(name);
      if (family && family !== current) fail(n, `family ${name} appears twice`);
      if (!family) {
        if (keyword === 'TYPE' && !TYPES.includes(rest as MetricType)) fail(n, `bad type "${rest}"`);
        family = { name, type: 'untyped', help: undefined, samples: [] };
        families.set(name, family);
        current = family;
      }
      if (keyword === 'TYPE') {
        if (family.samples.length > 0) fail(n, `TYPE of ${name} after its samples`);
        if (!TYPES.includes(rest as MetricType)) fail(n, `bad type "${rest}"`);
        (family as { type: MetricType }).type = rest as MetricType;
      } else {
        if (family.help !== undefined) fail(n, `second HELP for ${name}`);
        (family as { help: string | undefined }).help = rest.replace(/\\(\\|n)/g, (_, c: string) =>
          c === 'n' ? '\n' : '\\',
        );
      }
      return;
    }
    const sample = parseSample(line, n, fail);
    if (!current || !SUFFIXES[current.type].some((suffix) => sample.name === current!.name + suffix)) {
      fail(n, `sample ${sample.name} outside a family of its own (declare its TYPE first)`);
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) fail(n, `series ${key} twice`);
    seen.add(key);
    current!.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseSample(line: string, n: number, fail: (line: number, why: string) => never): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) fail(n, `bad sample "${line}"`);
  const name = nameMatch[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1]!)) fail(n, `bad label in "${line}"`);
      const labelName = labelMatch[1]!;
      if (Object.hasOwn(labels, labelName)) fail(n, `label ${labelName} twice`);
      at += labelMatch[0].length;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) fail(n, `unterminated label value in "${line}"`);
        at += 1;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[at];
          at += 1;
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else fail(n, `bad escape in "${line}"`);
        } else value += c;
      }
      labels[labelName] = value;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') fail(n, `expected , or } in "${line}"`);
    }
    at += 1;
  }
  const rest = line.slice(at);
  const valueMatch = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!valueMatch) fail(n, `bad value in "${line}"`);
  const raw = valueMatch[1]!;
  const value = floatOf(raw);
  if (value === undefined) fail(n, `bad value "${raw}"`);
  return { name, labels, value };
}

/** A float as Go's strconv.ParseFloat reads it, which the format names: NaN and Inf in any case. */
function floatOf(raw: string): number | undefined {
  if (/^nan$/i.test(raw)) return NaN;
  const inf = /^([-+]?)inf(inity)?$/i.exec(raw);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : undefined;
}

/** Per series: buckets rising in `le` and in count, ending at +Inf with the series' _count. */
function checkHistogram(family: Family): void {
  const bySeries = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const series = bySeries.get(key) ?? { buckets: [] };
    bySeries.set(key, series);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      series.buckets.push([le === '+Inf' ? Infinity : Number(le), sample.value]);
    } else if (sample.name.endsWith('_count')) series.count = sample.value;
    else series.sum = sample.value;
  }
  for (const [key, series] of bySeries) {
    const where = `${family.name}${key}`;
    if (series.count === undefined || series.sum === undefined)
      throw new Error(`${where}: no _count or _sum`);
    const last = series.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== series.count) throw new Error(`${where}: the +Inf bucket is not _count`);
    series.buckets.forEach(([le, count], i) => {
      const previous = series.buckets[i - 1];
      if (previous && (le <= previous[0] || count < previous[1]))
        throw new Error(`${where}: buckets out of order`);
    });
  }
}

/**
 * The value of one sample: `name` as written (with its _count, _sum or _bucket suffix) and exactly these
 * labels; 0 when the series does not exist yet (a counter or histogram starts at 0).
 */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const familyName = name.replace(/_(bucket|sum|count|total)$/, '');
  const family = families.get(familyName) ?? families.get(name);
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = family?.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted,
  );
  return found?.value ?? 0;
}
