/**
 * Latency and throughput of reads at scale: get by key, a page of the list (plain and
 * filtered) and full-text search, on the real server over N seeded todos, each against a
 * bare Fastify route answering a JSON of the same size. A benchmark, not a test: run it
 * with `npm run bench:read`; docs/performance.md explains the figures.
 *
 * Environment:
 *   BENCH_TODOS          todos to seed (default 100000)
 *   BENCH_DURATION       seconds per measured run (default 5)
 *   BENCH_WARMUP         seconds of warm-up before each run (default 1)
 *   BENCH_CONNECTIONS    comma-separated connection counts (default 1,8)
 *   BENCH_DATABASE_URL   postgres://… admin URL: a throwaway database is made there and
 *                        dropped afterwards; without it a temporary SQLite file is used
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { sql } from 'kysely';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../apps/server/src/core/provisioning/provision.service.ts';
import { readConfig } from '../apps/server/src/platform/config.ts';
import type { Db } from '../apps/server/src/platform/db/database.ts';
import type { NewTodo } from '../apps/server/src/platform/db/tables.ts';
import { startServer } from '../apps/server/src/server.ts';
import {
  cleanups,
  connectionCountsEnv,
  createDatabase,
  fmt,
  login,
  mainThreadSchedNs,
  positiveEnv,
  printMachine,
  runBenchmark,
  verdict,
} from './support.ts';

const API = '/bzctrl-core-api/api/v1';
const MEMBER = { email: 'reader@bench.example', password: 'Bench-reader-1' };
const OTHER = 'other@bench.example';

/** Four workspaces; the benchmark's reader is a member of two, as a typical user is. */
const WORKSPACES = ['SWA', 'FIN', 'OPS', 'QA'];
const READER_WORKSPACES = ['BEN-NLD-TML-SWA', 'BEN-NLD-TML-FIN'];

const provisioning = validateProvisionDoc({
  domains: [
    {
      code: 'BEN-NLD-TML',
      name: 'Bench Terminal',
      workspaces: WORKSPACES.map((code) => ({ code, name: `Bench ${code}` })),
    },
  ],
  users: [
    {
      email: MEMBER.email,
      name: 'Bench Reader',
      password: MEMBER.password,
      role: 'member',
      workspaces: READER_WORKSPACES,
    },
    {
      email: OTHER,
      name: 'Bench Colleague',
      role: 'member',
      workspaces: WORKSPACES.map((c) => `BEN-NLD-TML-${c}`),
    },
  ],
});

const todoCount = Math.round(positiveEnv('BENCH_TODOS', 100_000));
const duration = positiveEnv('BENCH_DURATION', 5);
const warmup = positiveEnv('BENCH_WARMUP', 1);
const connectionCounts = connectionCountsEnv('1,8');

/** mulberry32: a seeded generator, so every run stores the same todos. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A vocabulary with natural (Zipf) word frequencies: real words first, then made-up
 * ones, so some words occur in most todos and most words in very few.
 */
// biome-ignore format: one vocabulary, kept compact
const HEAD = [
  'the', 'and', 'of', 'to', 'at', 'for', 'on', 'with', 'from', 'container', 'seal',
  'customs', 'vessel', 'invoice', 'tank', 'valve', 'declaration', 'damage', 'delay',
  'manifest', 'pallet', 'carrier', 'berth', 'crane', 'inspection', 'leak', 'pump',
  'terminal', 'cargo', 'truck', 'gate', 'warehouse', 'shipment', 'booking', 'claim',
  'demurrage', 'permit', 'sample', 'quality', 'temperature', 'reefer', 'pipeline',
  'discharge', 'loading', 'storage', 'audit', 'training', 'safety', 'incident', 'report',
];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'gu'];
function vocabulary(size: number): string[] {
  const words = [...HEAD];
  const rnd = random(7);
  const seen = new Set(words);
  while (words.length < size) {
    let w = '';
    const n = 3 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}
const VOCAB = vocabulary(5000);
/** Cumulative Zipf weights (s = 1) for drawing a word by rank. */
const ZIPF = (() => {
  const cum: number[] = [];
  let sum = 0;
  for (let r = 1; r <= VOCAB.length; r++) {
    sum += 1 / r;
    cum.push(sum);
  }
  return cum.map((c) => c / sum);
})();
function drawWord(rnd: () => number): string {
  const x = rnd();
  let lo = 0;
  let hi = ZIPF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ZIPF[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCAB[lo] as string;
}

const TAGS = ['urgent', 'customs', 'finance', 'safety', 'follow-up', 'audit', 'erp', 'wms'];
const LEVELS = ['LOW', 'MEDIUM', 'HIGH', null] as const;
const STATUSES = ['TODO', 'INPROGRESS', 'DONE', 'DONE', 'EXPIRED'] as const;

interface Seeded {
  keys: string[];
  /** Documents (todos) each word occurs in, for choosing search words. */
  docFrequency: Map<string, number>;
}

/**
 * Seeds the todos straight through the server's own Kysely, in transactions of
 * batched inserts: todos (with tags_text, so the full-text index covers tags; on
 * SQLite the FTS triggers fill todos_fts), their tags and categories, and advances
 * each workspace's sequence so the API would continue after them.
 */
async function seed(db: Db): Promise<Seeded> {
  const k = db.kysely;
  const workspaces = await k.selectFrom('workspaces').select(['id', 'key']).execute();
  const users = await k.selectFrom('users').select(['id', 'email']).execute();
  const userId = (email: string) => Number(users.find((u) => u.email === email)?.id);
  const people = [userId(MEMBER.email), userId(OTHER)];
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const seqs = new Map<number, number>();
  const keys: string[] = [];
  const docFrequency = new Map<string, number>();
  const start = Date.parse('2024-11-01T00:00:00Z');
  const span = Date.parse('2026-11-01T00:00:00Z') - start;
  const batch = 500;
  for (let from = 0; from < todoCount; from += batch) {
    const todos: NewTodo[] = [];
    const tagsOf: string[][] = [];
    for (let i = from; i < Math.min(todoCount, from + batch); i++) {
      const ws = workspaces[i % workspaces.length] as { id: number; key: string };
      const seq = (seqs.get(Number(ws.id)) ?? 0) + 1;
      seqs.set(Number(ws.id), seq);
      const key = `${ws.key}-${String(seq).padStart(2, '0')}`;
      keys.push(key);
      const title = Array.from({ length: 4 + Math.floor(rnd() * 3) }, () => drawWord(rnd));
      const description = Array.from({ length: 20 }, () => drawWord(rnd));
      const tags = [pick(TAGS), `SO ${100000 + i}`];
      if (rnd() < 0.5) tags.push(pick(TAGS));
      const unique = [...new Set(tags)];
      tagsOf.push(unique);
      for (const w of new Set([...title, ...description]))
        docFrequency.set(w, (docFrequency.get(w) ?? 0) + 1);
      const createdMs = start + Math.floor((span * i) / todoCount);
      const createdAt = new Date(createdMs).toISOString();
      const updatedAt = new Date(createdMs + Math.floor(rnd() * 86_400_000 * 30)).toISOString();
      const status = pick(STATUSES);
      const person = pick(people);
      todos.push({
        workspaceId: Number(ws.id),
        seq,
        key,
        todoType: rnd() < 0.7 ? 'TASK' : 'INCIDENT',
        title: title.join(' '),
        description: description.join(' '),
        result: rnd() < 0.3 ? Array.from({ length: 8 }, () => drawWord(rnd)).join(' ') : null,
        financialImpactCents: rnd() < 0.5 ? Math.floor(rnd() * 10_000_000) : null,
        impact: pick(LEVELS),
        likelihood: pick(LEVELS),
        priority: pick(LEVELS),
        status,
        assigneeId: person,
        reporterId: pick(people),
        orderId: `SO ${100000 + i}`,
        lrn: null,
        reminderDate:
          rnd() < 0.3 ? new Date(createdMs + 86_400_000 * 14).toISOString().slice(0, 10) : null,
        dueDate: status === 'DONE' ? updatedAt.slice(0, 10) : null,
        createdVia: 'bzctrl',
        createdByUserId: person,
        createdByClientId: null,
        createdAt,
        updatedAt,
        deletedAt: rnd() < 0.01 ? updatedAt : null,
        tagsText: unique.join(' '),
      });
    }
    await k.transaction().execute(async (trx) => {
      const ids = await trx.insertInto('todos').values(todos).returning('id').execute();
      const tagRows = ids.flatMap((row, n) =>
        (tagsOf[n] ?? []).map((tag, position) => ({ todoId: Number(row.id), position, tag })),
      );
      await trx.insertInto('todoTags').values(tagRows).execute();
      await trx
        .insertInto('todoCategories')
        .values(
          ids.map((row) => ({
            todoId: Number(row.id),
            kind: 'category' as const,
            position: 0,
            value: pick(['Customs', 'Fetsa', 'Safety', 'Finance']),
          })),
        )
        .execute();
    });
  }
  for (const [id, seq] of seqs) {
    await k.updateTable('workspaces').set({ todoSeq: seq }).where('id', '=', id).execute();
  }
  // Fresh statistics, as PostgreSQL's autovacuum would gather after a load this size.
  if (db.engine === 'postgres') await sql`analyze`.execute(k);
  return { keys, docFrequency };
}

interface Measured {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** CPU time of the server thread per answer, µs (Linux; NaN elsewhere). */
  cpuUs: number;
  /** Share of the run the server thread was runnable but waiting for a core. */
  cpuWait: number;
}

/**
 * Load in a worker thread, so it does not compete with the server's event loop. It
 * runs autocannon there and keeps every response time (autocannon's own histogram has
 * no p95 and 1 ms steps), cycling through `paths`.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { url, paths, connections, seconds, headers } = workerData;
let next = 0;
const times = [];
const instance = autocannon({
  url,
  connections,
  duration: seconds,
  headers,
  requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
}, (err, result) => {
  if (err) parentPort.postMessage({ error: String(err) });
  else parentPort.postMessage({ times, result: {
    ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
    duration: result.duration, statusCodeStats: result.statusCodeStats,
  } });
});
instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
`;

const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

interface FireResult {
  times: number[];
  result: {
    ok: number;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
    statusCodeStats: unknown;
  };
}

function fire(
  baseUrl: string,
  paths: string[],
  connections: number,
  seconds: number,
  headers: object,
): Promise<FireResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        autocannon: autocannonPath,
        url: baseUrl,
        paths,
        connections,
        seconds,
        headers,
      },
    });
    worker.once('message', (m: FireResult & { error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function measure(
  baseUrl: string,
  paths: string[],
  connections: number,
  headers: object,
): Promise<Measured> {
  await fire(baseUrl, paths, connections, warmup, headers);
  const before = mainThreadSchedNs();
  const started = performance.now();
  const { times, result } = await fire(baseUrl, paths, connections, duration, headers);
  const wall = (performance.now() - started) / 1000;
  const after = mainThreadSchedNs();
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    throw new Error(
      `${paths[0]} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} ` +
        `errors, ${result.timeouts} timeouts; ${JSON.stringify(result.statusCodeStats)}`,
    );
  }
  const sorted = times.sort((a, b) => a - b);
  return {
    rps: result.ok / result.duration,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    cpuUs: (after.run - before.run) / 1000 / Math.max(1, result.ok),
    cpuWait: (after.wait - before.wait) / 1e9 / wall,
  };
}

/** The floor for each shape: Fastify answering a prepared object of the same size. */
async function startBareApp(one: unknown, page: unknown): Promise<string> {
  const bare = Fastify({ logger: false });
  bare.get('/bare/one', async () => one);
  bare.get('/bare/page', async () => page);
  const url = await bare.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => bare.close());
  return url;
}

/** One call by hand first, so a broken setup fails with the server's own words. */
async function getJson(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text}`);
  return { body: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

async function main(): Promise<void> {
  printMachine('BzCtrl read benchmark');
  const database = await createDatabase('bzctrl-bench-read-');
  console.log(`database: ${database.label}`);

  const config = readConfig({
    BZCTRL_DATABASE_URL: database.url,
    BZCTRL_PORT: '0',
    BZCTRL_LOG_LEVEL: 'warn',
    BZCTRL_JOBS: 'false',
    BZCTRL_RATE_LIMIT: '1000000',
  });
  let seeded: Seeded | undefined;
  let seedSeconds = 0;
  const server = await startServer(config, {
    prepare: async (db) => {
      await applyProvisioning(db, config, provisioning);
      const started = performance.now();
      seeded = await seed(db);
      seedSeconds = (performance.now() - started) / 1000;
    },
  });
  cleanups.push(() => server.close());
  if (!seeded) throw new Error('seeding did not run');
  console.log(
    `seeded ${todoCount} todos in ${fmt(seedSeconds, 1)} s (4 workspaces; the reader sees 2)`,
  );

  // Search words by how many todos hold them: one common, one rare, and two together.
  const byFrequency = [...seeded.docFrequency].sort((a, b) => b[1] - a[1]);
  const near = (share: number) =>
    byFrequency.find(([w, n]) => n <= share * todoCount && w.length >= 4)?.[0] ?? 'container';
  const common = near(0.2);
  const rare = near(0.002);
  const share = (w: string) =>
    `${fmt(((seeded?.docFrequency.get(w) ?? 0) / todoCount) * 100, 1)}% of todos`;

  const baseUrl = server.url;
  const token = await login(baseUrl, MEMBER);
  const auth = { authorization: `Bearer ${token}` };
  const visibleKeys = seeded.keys.filter((key) =>
    READER_WORKSPACES.some((ws) => key.startsWith(`${ws}-`)),
  );
  const rnd = random(99);
  const getPaths = Array.from(
    { length: 2000 },
    () => `/bzctrl-core-api/api/v1/tasks/${visibleKeys[Math.floor(rnd() * visibleKeys.length)]}`,
  );
  // A few soft-deleted todos are among the keys; reading them is a 404, so skip those.
  const live = new Set(
    (
      await server.db.kysely
        .selectFrom('todos')
        .select('key')
        .where('deletedAt', 'is', null)
        .where(
          'key',
          'in',
          getPaths.map((p) => p.split('/').pop() as string),
        )
        .execute()
    ).map((r) => r.key),
  );
  const getLive = getPaths.filter((p) => live.has(p.split('/').pop() as string));
  const filtered = ['TODO', 'INPROGRESS', 'DONE'].flatMap((s) =>
    ['LOW', 'MEDIUM', 'HIGH'].map((p) => `${API}/todos?status=${s}&priority=${p}&limit=50`),
  );
  const scenarios: Array<{
    name: string;
    shape: 'one' | 'page';
    paths: string[];
    bytes?: number;
  }> = [
    { name: 'get by key', shape: 'one', paths: getLive },
    { name: 'list page', shape: 'page', paths: [`${API}/todos?limit=50`] },
    { name: 'list status+priority', shape: 'page', paths: filtered },
    {
      name: `search common (${common})`,
      shape: 'page',
      paths: [`${API}/todos?q=${common}&limit=50`],
    },
    { name: `search rare (${rare})`, shape: 'page', paths: [`${API}/todos?q=${rare}&limit=50`] },
    {
      name: `search 2 words prefix`,
      shape: 'page',
      paths: [`${API}/todos?q=${common.slice(0, 4)}%20${rare.slice(0, 5)}&limit=50`],
    },
  ];
  const one = await getJson(`${baseUrl}${getLive[0]}`, auth);
  const page = await getJson(`${baseUrl}${API}/todos?limit=50`, auth);
  for (const s of scenarios) {
    const { body, bytes } = await getJson(`${baseUrl}${s.paths[0]}`, auth);
    s.bytes = bytes;
    if (s.shape === 'page') s.name += `, ${body.items.length} items`;
  }
  console.log(
    `search words: common "${common}" in ${share(common)}, rare "${rare}" in ${share(rare)}`,
  );
  const bareUrl = await startBareApp(one.body, page.body);
  console.log(
    `runs: ${duration} s each after a ${warmup} s warm-up, connections ` +
      `${connectionCounts.join(', ')}; load from a worker thread, both servers on the main ` +
      'thread; latencies exact per response (not bucketed)\n',
  );

  console.log(
    '| conns | route | req/s | p50 ms | p95 ms | p99 ms | CPU µs/req | CPU wait | bytes | vs bare |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const results: Array<{ connections: number; name: string; m: Measured; bare: Measured }> = [];
  for (const connections of connectionCounts) {
    const bare = {
      one: await measure(bareUrl, ['/bare/one'], connections, auth),
      page: await measure(bareUrl, ['/bare/page'], connections, auth),
    };
    const row = (name: string, m: Measured, bytes: number, ratio: string) =>
      console.log(
        `| ${connections} | ${name} | ${fmt(m.rps)} | ${fmt(m.p50, 2)} | ${fmt(m.p95, 2)} | ` +
          `${fmt(m.p99, 2)} | ${fmt(m.cpuUs)} | ${fmt(m.cpuWait * 100)}% | ${bytes} | ${ratio} |`,
      );
    row('bare, one todo', bare.one, one.bytes, '');
    row('bare, page of 50', bare.page, page.bytes, '');
    for (const s of scenarios) {
      const m = await measure(baseUrl, s.paths, connections, auth);
      results.push({ connections, name: s.name, m, bare: bare[s.shape] });
      row(s.name, m, s.bytes ?? 0, `${fmt((m.rps / bare[s.shape].rps) * 100, 1)}%`);
    }
  }

  // autocannon drops its connections when a run ends; let the requests the server is
  // still answering finish before the database closes under them.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const bareRuns = results.map((r) => r.bare);
  const disturbed = [...bareRuns, ...results.map((r) => r.m)].some((m) => m.cpuWait > 0.1);
  console.log(
    disturbed
      ? '\nWARNING: the server thread waited for a core in some runs ("CPU wait" > 10%): other ' +
          'processes competed for the cores; latencies are inflated, CPU µs/req much less so'
      : '\nno noticeable competition for the cores during the runs',
  );
  console.log(`\ntargets (${todoCount} todos):`);
  for (const r of results) {
    if (r.name === 'get by key') {
      const ratio = r.m.rps / r.bare.rps;
      console.log(
        `  ${r.connections} conns, get ≥ 50% of bare: ${fmt(ratio * 100, 1)}% → ${verdict(ratio >= 0.5)}`,
      );
    } else {
      console.log(
        `  ${r.connections} conns, ${r.name}: p95 ${fmt(r.m.p95, 2)} ms ≤ 20 ms → ${verdict(r.m.p95 <= 20)}`,
      );
    }
  }
}

await runBenchmark(main);
