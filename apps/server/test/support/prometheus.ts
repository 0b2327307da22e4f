/**
 * A small parser of the Prometheus text exposition format (version 0.0.4), strict enough
 * that a malformed line fails the test that reads it: `# HELP` and `# TYPE` lines, and
 * samples `name{label="value",…} number`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;

/** The families of a scrape by name; throws on a line that is not in the format. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  /** A sample belongs to its family: `x_bucket`, `x_sum`, `x_count` to histogram `x`. */
  const owner = (sample: string): Family => {
    const base = sample.replace(/_(bucket|sum|count)$/, '');
    const f = families.get(base);
    return f && (f.type === 'histogram' || f.type === 'summary') ? f : family(sample);
  };
  for (const [i, line] of text.split('\n').entries()) {
    const fail = (why: string) => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!NAME.test(name)) fail('bad metric name');
      if (kind === 'HELP') family(name).help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else {
        const type = TYPES.find((t) => t === rest);
        if (!type) fail('unknown type');
        family(name).type = type ?? 'untyped';
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) fail('not a sample');
    const [, name = '', rawLabels, rawValue = ''] = m ?? [];
    // Prometheus reads NaN and Inf in any case (prom-client writes `Nan`).
    const special: Record<string, number> = { nan: NaN, '+inf': Infinity, '-inf': -Infinity };
    const value = special[rawValue.toLowerCase()] ?? Number(rawValue);
    if (Number.isNaN(value) && rawValue.toLowerCase() !== 'nan') fail('bad value');
    owner(name).samples.push({ name, labels: parseLabels(rawLabels ?? '', fail), value });
  }
  return families;
}

function parseLabels(raw: string, fail: (why: string) => void): Record<string, string> {
  const labels: Record<string, string> = {};
  if (raw === '') return labels;
  const body = raw.slice(1, -1);
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < body.length) {
    pair.lastIndex = at;
    const m = pair.exec(body);
    if (!m) {
      fail('bad labels');
      break;
    }
    const [, key = '', value = ''] = m;
    labels[key] = value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = pair.lastIndex;
  }
  return labels;
}

/** The value of the sample `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = families.get(name) ?? families.get(base);
  const hit = f?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hit?.value ?? 0;
}

/**
 * Checks one histogram series: buckets ascending by `le` with counts that never go down,
 * a `+Inf` bucket equal to `_count`, and a `_sum` present. Returns its count and sum.
 */
export function checkHistogram(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): { count: number; sum: number } {
  const f = families.get(name);
  if (f?.type !== 'histogram') throw new Error(`${name} is not a histogram`);
  const matches = (s: Sample) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
    Object.keys(s.labels).filter((k) => k !== 'le').length === Object.keys(labels).length;
  const buckets = f.samples.filter((s) => s.name === `${name}_bucket` && matches(s));
  const count = f.samples.find((s) => s.name === `${name}_count` && matches(s));
  const sum = f.samples.find((s) => s.name === `${name}_sum` && matches(s));
  if (!count || !sum || buckets.length === 0) {
    throw new Error(`${name}${JSON.stringify(labels)}: no such series`);
  }
  const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
  for (let i = 1; i < buckets.length; i++) {
    if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0))) throw new Error(`${name}: le not ascending`);
    if ((buckets[i]?.value ?? 0) < (buckets[i - 1]?.value ?? 0)) {
      throw new Error(`${name}: bucket counts go down at le=${buckets[i]?.labels.le}`);
    }
  }
  if (bounds.at(-1) !== Infinity) throw new Error(`${name}: no +Inf bucket`);
  if (buckets.at(-1)?.value !== count.value) {
    throw new Error(`${name}: +Inf bucket ${buckets.at(-1)?.value} ≠ _count ${count.value}`);
  }
  return { count: count.value, sum: sum.value };
}
