/**
 * Latency and throughput of reads at scale: get by key, a page of the list (plain and
 * filtered) and full-text search, on the real server (`bzctrl serve` as a child process)
 * over N seeded todos, each against a bare Fastify route answering a JSON of the same
 * size; then creates while a search load runs; and the server's memory after it all.
 * A benchmark, not a test: run it with `npm run bench:read`; docs/performance.md
 * explains the figures.
 *
 * Environment:
 *   BENCH_TODOS          todos to seed (default 1000000)
 *   BENCH_DURATION       seconds per measured run (default 5)
 *   BENCH_WARMUP         seconds of warm-up before each run (default 1)
 *   BENCH_CONNECTIONS    comma-separated connection counts (default 1,8)
 *   BENCH_DATABASE_URL   postgres://… admin URL: a throwaway database is made there and
 *                        dropped afterwards ("auto": a throwaway local cluster); without
 *                        it a temporary SQLite file is used
 *   BENCH_WORKERS        `bzctrl serve --workers N` counts to run, comma-separated
 *                        (default 1,2 on PostgreSQL; on SQLite serve's own default)
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { validateProvisionDoc } from '../apps/server/src/core/provisioning/provision.service.ts';
import { random, seed } from './read-seed.ts';
import {
  cleanups,
  connectionCountsEnv,
  createDatabase,
  disturbedRun,
  fmt,
  type Load,
  login,
  type Measured,
  measure,
  memoryBreakdownMb,
  positiveEnv,
  prepareDatabase,
  printMachine,
  processesRssMb,
  processTree,
  runBenchmark,
  serveVariants,
  settle,
  startServe,
  verdict,
} from './support.ts';

const API = '/bzctrl-core-api/api/v1';
const MEMBER = { email: 'reader@bench.example', password: 'Bench-reader-1' };
/** A colleague in all four workspaces: the one who creates during the mixed run. */
const WRITER = { email: 'other@bench.example', password: 'Bench-writer-1' };
const OTHER = WRITER.email;

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
      password: WRITER.password,
      role: 'member',
      workspaces: WORKSPACES.map((c) => `BEN-NLD-TML-${c}`),
    },
  ],
});

const todoCount = Math.round(positiveEnv('BENCH_TODOS', 1_000_000));
const duration = positiveEnv('BENCH_DURATION', 5);
const warmup = positiveEnv('BENCH_WARMUP', 1);
const connectionCounts = connectionCountsEnv('1,8');
const timing = { warmup, duration };

/**
 * A create as an integration sends it, into a workspace the reader does not see, so
 * the todos made in the mixed run do not change what later list and search runs read.
 */
const createBody = JSON.stringify({
  todoType: 'TASK',
  domainWorkSpace: 'BEN-NLD-TML-OPS',
  title: 'Reefer container temperature alarm at berth 4',
  description: 'Temperature above set point for 20 minutes; carrier informed, technician called.',
  priority: 'HIGH',
  status: 'TODO',
  assignee: OTHER,
  reporter: OTHER,
  category: ['Customs'],
  orderID: 'SO 4711',
});
const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';
const SEARCH_CONNECTIONS = 4;
const CREATE_CONNECTIONS = 16;

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

interface Result {
  serve: string;
  connections: number;
  name: string;
  m: Measured;
  bare?: Measured;
}

async function main(): Promise<void> {
  printMachine('BzCtrl read benchmark');
  const database = await createDatabase('bzctrl-bench-read-');
  console.log(`database: ${database.label}`);
  await prepareDatabase(database.url, provisioning);

  const started = performance.now();
  const seeded = await seed(database.url, todoCount, [MEMBER.email, OTHER]);
  console.log(
    `seeded ${todoCount} todos in ${fmt((performance.now() - started) / 1000, 1)} s ` +
      `(generating ${fmt(seeded.generateSeconds, 1)} s, writing ${fmt(seeded.writeSeconds, 1)} s ` +
      `with ${database.engine === 'sqlite' ? 'the FTS5 index' : 'the tsvector GIN index and ANALYZE'}; ` +
      '4 workspaces, the reader sees 2)',
  );

  // Search words by how many todos hold them: one common, one rare, and two together.
  const byFrequency = [...seeded.docFrequency].sort((a, b) => b[1] - a[1]);
  const near = (share: number) =>
    byFrequency.find(([w, n]) => n <= share * todoCount && w.length >= 4)?.[0] ?? 'container';
  const common = near(0.2);
  const rare = near(0.002);
  const share = (w: string) =>
    `${fmt(((seeded.docFrequency.get(w) ?? 0) / todoCount) * 100, 1)}% of todos`;
  console.log(
    `search words: common "${common}" in ${share(common)}, rare "${rare}" in ${share(rare)}`,
  );

  const visibleKeys = seeded.liveKeys.filter((key) =>
    READER_WORKSPACES.some((ws) => key.startsWith(`${ws}-`)),
  );
  const rnd = random(99);
  const getPaths = Array.from(
    { length: 2000 },
    () => `${API}/tasks/${visibleKeys[Math.floor(rnd() * visibleKeys.length)]}`,
  );
  const filtered = ['TODO', 'INPROGRESS', 'DONE'].flatMap((s) =>
    ['LOW', 'MEDIUM', 'HIGH'].map((p) => `${API}/todos?status=${s}&priority=${p}&limit=50`),
  );
  const searchCommon = `${API}/todos?q=${common}&limit=50`;
  const scenarios: Array<{ name: string; shape: 'one' | 'page'; paths: string[]; bytes?: number }> =
    [
      { name: 'get by key', shape: 'one', paths: getPaths },
      { name: 'list page', shape: 'page', paths: [`${API}/todos?limit=50`] },
      { name: 'list status+priority', shape: 'page', paths: filtered },
      { name: `search common (${common})`, shape: 'page', paths: [searchCommon] },
      { name: `search rare (${rare})`, shape: 'page', paths: [`${API}/todos?q=${rare}&limit=50`] },
      {
        name: 'search 2 words prefix',
        shape: 'page',
        paths: [`${API}/todos?q=${common.slice(0, 4)}%20${rare.slice(0, 5)}&limit=50`],
      },
    ];
  console.log(
    `runs: ${duration} s each after a ${warmup} s warm-up, connections ` +
      `${connectionCounts.join(', ')}; the server is \`bzctrl serve\` in a child process, the ` +
      'bare routes run in this process, load from a worker thread of this process; ' +
      'latencies exact per response (not bucketed); CPU = server CPU time per answer, main = ' +
      'the part on its main threads (event loops; the rest is the read workers and others)',
  );

  let bareUrl: string | undefined;
  const bareRuns = new Map<string, Measured>();
  let token: string | undefined;
  let writerToken: string | undefined;
  const results: Result[] = [];
  const memory: Array<{ serve: string; idle: number; after: number; peak: number; n: number }> = [];
  const header = () => {
    console.log(
      '\n| serve | conns | route | req/s | p50 ms | p95 ms | p99 ms | CPU µs/req | main µs/req | CPU wait | ' +
        'others | bytes | vs bare |',
    );
    console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  };
  const row = (r: Result, bytes: number | string = '') =>
    console.log(
      `| ${r.serve} | ${r.connections} | ${r.name} | ${fmt(r.m.rps)} | ${fmt(r.m.p50, 2)} | ` +
        `${fmt(r.m.p95, 2)} | ${fmt(r.m.p99, 2)} | ${fmt(r.m.cpuUs)} | ${fmt(r.m.mainCpuUs)} | ` +
        `${fmt(r.m.cpuWait * 100)}% | ${fmt(r.m.others, 2)} | ${bytes} | ` +
        `${r.bare ? `${fmt((r.m.rps / r.bare.rps) * 100, 1)}%` : ''} |` +
        (r.m.failures ? ` FAILURES: ${r.m.failureNote}` : ''),
    );

  for (const workers of serveVariants(database.engine)) {
    const server = await startServe(database.url, database.dir, {
      workers,
      env: { BZCTRL_JOBS: 'false' },
    });
    const serve = server.label;
    const pids = () => ({ pids: processTree(server.pid) });
    token ??= await login(server.url, MEMBER);
    writerToken ??= await login(server.url, WRITER);
    const auth = { authorization: `Bearer ${token}` };
    const one = await getJson(`${server.url}${getPaths[0]}`, auth);
    const page = await getJson(`${server.url}${API}/todos?limit=50`, auth);
    for (const s of scenarios) {
      const { body, bytes } = await getJson(`${server.url}${s.paths[0]}`, auth);
      s.bytes = bytes;
      if (s.shape === 'page' && !s.name.includes('items')) s.name += `, ${body.items.length} items`;
    }
    bareUrl ??= await startBareApp(one.body, page.body);
    const idle = processesRssMb(pids().pids).rss;
    console.log(
      `\n${serve}: ${server.url}, ${pids().pids.length} process(es), RSS at start ${fmt(idle)} MB`,
    );
    header();

    for (const connections of connectionCounts) {
      for (const shape of ['one', 'page'] as const) {
        const key = `${shape} ${connections}`;
        if (bareRuns.has(key)) continue;
        const [m] = await measure(
          [{ baseUrl: bareUrl, paths: [`/bare/${shape}`], connections, headers: auth }],
          'main thread',
          timing,
        );
        if (!m) throw new Error('a run measured nothing');
        bareRuns.set(key, m);
        const name = shape === 'one' ? 'bare, one todo' : 'bare, page of 50';
        row({ serve: '', connections, name, m }, shape === 'one' ? one.bytes : page.bytes);
      }
      for (const s of scenarios) {
        const [m] = await measure(
          [{ baseUrl: server.url, paths: s.paths, connections, headers: auth }],
          pids(),
          timing,
        );
        if (!m) throw new Error('a run measured nothing');
        const r = {
          serve,
          connections,
          name: s.name,
          m,
          bare: bareRuns.get(`${s.shape} ${connections}`),
        };
        results.push(r);
        row(r, s.bytes);
      }
    }

    // Creates alone, then the same creates while searches run: what a search load costs them.
    const creates: Load = {
      baseUrl: server.url,
      paths: [ADD_TASK],
      connections: CREATE_CONNECTIONS,
      headers: { authorization: `Bearer ${writerToken}` },
      method: 'POST',
      body: createBody,
    };
    const searches: Load = {
      baseUrl: server.url,
      paths: [searchCommon],
      connections: SEARCH_CONNECTIONS,
      headers: auth,
    };
    const [alone] = await measure([creates], pids(), timing);
    const [mixedCreates, mixedSearches] = await measure([creates, searches], pids(), timing);
    if (!alone || !mixedCreates || !mixedSearches) throw new Error('a run measured nothing');
    for (const [name, m] of [
      [`creates alone, ${CREATE_CONNECTIONS} conns`, alone],
      [`creates with ${SEARCH_CONNECTIONS} search conns`, mixedCreates],
      [`searches with ${CREATE_CONNECTIONS} create conns`, mixedSearches],
    ] as const) {
      const r = {
        serve,
        connections: name.startsWith('searches') ? SEARCH_CONNECTIONS : CREATE_CONNECTIONS,
        name,
        m,
      };
      results.push(r);
      row(r);
    }

    await settle();
    const after = processesRssMb(pids().pids);
    memory.push({ serve, idle, after: after.rss, peak: after.peak, n: pids().pids.length });
    console.log(
      `\nserver memory after the run: RSS ${fmt(after.rss)} MB (peak ${fmt(after.peak)} MB), ` +
        `at start ${fmt(idle)} MB; VmRSS/VmHWM of the serve process` +
        (after.each.length > 1
          ? `es, summed (primary first: ${after.each.map((mb) => fmt(mb)).join(' + ')} MB)`
          : '') +
        ' from /proc, which holds nothing of the load generator',
    );
    const parts = await memoryBreakdownMb(pids().pids[0] as number, server.url);
    console.log(
      `  of it: anonymous ${fmt(parts.anonymous)} MB (the main thread's V8 heap ${fmt(parts.heap)} MB, ` +
        `${fmt(parts.heapUsed)} MB in use; external ${fmt(parts.external)} MB; the rest: other threads' ` +
        `heaps and malloc arenas, where SQLite's caches and query memory are), files ${fmt(parts.files)} MB`,
    );
    await server.stop();
  }

  const serverKind = database.engine === 'sqlite' ? 'sqlite server' : 'postgres server';
  const disturbed =
    [...bareRuns.values()].some((m) => disturbedRun(m, 'bare')) ||
    results.some((r) => disturbedRun(r.m, serverKind));
  console.log(
    disturbed
      ? '\nWARNING: other processes competed for the cores during some runs ("CPU wait", ' +
          '"others"): these figures are DISTURBED; latencies are inflated, CPU µs/req much less so'
      : '\nundisturbed: no noticeable competition for the cores during the runs',
  );

  console.log(
    `\ntargets (docs/performance.md; set at 1,000,000 todos, 8 connections; here ${todoCount} todos):`,
  );
  for (const r of results) {
    if (r.name === 'get by key' && r.bare) {
      const ratio = r.m.rps / r.bare.rps;
      console.log(
        `  ${r.serve}, ${r.connections} conns, get by key ≥ 50% of bare: ${fmt(ratio * 100, 1)}% → ` +
          `${r.connections === 8 ? verdict(ratio >= 0.5) : '(target at 8)'}`,
      );
    } else if (r.bare) {
      console.log(
        `  ${r.serve}, ${r.connections} conns, ${r.name}: p95 ${fmt(r.m.p95, 2)} ms ≤ 20 ms → ` +
          `${r.connections === 8 ? verdict(r.m.p95 <= 20) : '(target at 8)'}`,
      );
    } else if (r.name.startsWith('creates with')) {
      console.log(
        `  ${r.serve}, ${r.name}: create p99 ${fmt(r.m.p99, 2)} ms ≤ 15 ms → ` +
          verdict(r.m.p99 <= 15 && r.m.failures === 0),
      );
    }
  }
  for (const m of memory) {
    console.log(
      `  ${m.serve}, server RSS after the run ≤ 200 MB: ${fmt(m.after)} MB → ${verdict(m.after <= 200)}`,
    );
  }
}

await runBenchmark(main);
