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
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../apps/server/src/core/provisioning/provision.service.ts';
import { readConfig } from '../apps/server/src/platform/config.ts';
import { startServer } from '../apps/server/src/server.ts';
import { random, type Seeded, seed } from './read-seed.ts';
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
      seeded = await seed(db, todoCount, [MEMBER.email, OTHER]);
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
