/**
 * Throughput and latency of durable creates: `POST /bzctrl-core-api/api/v1/task/add-task`
 * on the real server, against a bare Fastify route fed the same body, at 1, 8 and 32
 * connections. A benchmark, not a test: run it with `npm run bench`; docs/performance.md
 * explains the figures.
 *
 * Environment:
 *   BENCH_DURATION       seconds per measured run (default 10)
 *   BENCH_WARMUP         seconds of warm-up before each run (default 2)
 *   BENCH_CONNECTIONS    comma-separated connection counts (default 1,8,32)
 *   BENCH_DATABASE_URL   postgres://… admin URL: a throwaway database is made there and
 *                        dropped afterwards; without it a temporary SQLite file is used
 *   BZCTRL_SQLITE_SYNCHRONOUS   FULL (default, durable), EXTRA or NORMAL, for side runs
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../apps/server/src/core/provisioning/provision.service.ts';
import { readConfig } from '../apps/server/src/platform/config.ts';
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

const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';

const REPORTER = { email: 'user@vtti.com', password: 'Bench-reporter-1' };

const provisioning = validateProvisionDoc({
  domains: [
    { code: 'VTT-NLD-TML', name: 'Bench Terminal', workspaces: [{ code: 'FIN', name: 'Finance' }] },
  ],
  users: [
    {
      email: REPORTER.email,
      name: 'Bench Reporter',
      password: REPORTER.password,
      role: 'member',
      workspaces: ['VTT-NLD-TML-FIN'],
    },
    {
      email: 'rge@vtti.com',
      name: 'Bench Assignee',
      role: 'member',
      workspaces: ['VTT-NLD-TML-FIN'],
    },
  ],
});

/** Seed 001's request, filled in the way an integrating system would. */
const body = JSON.stringify({
  todoType: 'TASK',
  domainWorkSpace: 'VTT-NLD-TML-FIN',
  title: 'Tank 12 inlet valve leaking during discharge',
  description:
    'Operator reported a slow leak at the inlet valve of tank 12 while discharging vessel ' +
    'MT Example. Discharge paused; maintenance to inspect the seal before restart.',
  financialImpact: '1234.50',
  impact: 'HIGH',
  likelihood: 'MEDIUM',
  priority: 'HIGH',
  status: 'TODO',
  assignee: 'rge@vtti.com',
  reporter: REPORTER.email,
  category: ['Customs', 'Fetsa'],
  orderID: 'SO 777',
  lrn: '24NL0000000000001',
  reminderDate: '2024-09-27',
});

const duration = positiveEnv('BENCH_DURATION', 10);
const warmup = positiveEnv('BENCH_WARMUP', 2);
const connectionCounts = connectionCountsEnv('1,8,32');
const sqliteSync = process.env.BZCTRL_SQLITE_SYNCHRONOUS?.toUpperCase() || 'FULL';

interface Measured {
  rps: number;
  /** Mean latency by Little's law (connections / throughput): finer than the 1 ms histogram. */
  mean: number;
  p50: number;
  p99: number;
  /** Event-loop busy time per answered request, µs: CPU plus blocking I/O such as fsync. */
  busyUs: number;
  /** CPU time of the server thread per answered request, µs (Linux; NaN elsewhere). */
  cpuUs: number;
  /** Share of the run the server thread was runnable but waiting for a core. */
  cpuWait: number;
  /** Cores other processes kept busy meanwhile (a local PostgreSQL counts among them). */
  others: number;
}

/** Core-seconds the whole machine has spent busy. */
function machineBusySeconds(): number {
  let ms = 0;
  for (const { times } of cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms / 1000;
}

/** autocannon in its own worker thread, so the load generator does not steal the server's. */
async function fire(url: string, connections: number, seconds: number, headers: object) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: seconds,
    workers: 1,
  });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    throw new Error(
      `${url} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors, ` +
        `${result.timeouts} timeouts; status codes ${JSON.stringify(result.statusCodeStats)}`,
    );
  }
  return result;
}

async function measure(url: string, connections: number, headers: object): Promise<Measured> {
  await fire(url, connections, warmup, headers);
  const loopBefore = performance.eventLoopUtilization();
  const schedBefore = mainThreadSchedNs();
  const machineBefore = machineBusySeconds();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const result = await fire(url, connections, duration, headers);
  const wall = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  const others = machineBusySeconds() - machineBefore - (own.user + own.system) / 1e6;
  const sched = mainThreadSchedNs();
  const loop = performance.eventLoopUtilization(loopBefore);
  const requests = result['2xx'];
  const rps = requests / result.duration;
  return {
    rps,
    mean: (connections / rps) * 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
    busyUs: (loop.active * 1000) / requests,
    cpuUs: (sched.run - schedBefore.run) / 1000 / requests,
    cpuWait: (sched.wait - schedBefore.wait) / 1e9 / wall,
    others: Math.max(0, others / wall),
  };
}

/** The floor: Fastify parsing the same JSON body and answering 201, and nothing else. */
async function startBareApp(): Promise<string> {
  const bare = Fastify({ logger: false });
  let n = 0;
  bare.post('/bare', async (_request, reply) => reply.code(201).send({ id: ++n }));
  const url = await bare.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => bare.close());
  return `${url}/bare`;
}

/** One create by hand first, so a broken setup fails with the server's own words. */
async function checkOneCreate(url: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (res.status !== 201) {
    throw new Error(`add-task answered ${res.status}, not 201: ${await res.text()}`);
  }
}

async function main(): Promise<void> {
  printMachine('BzCtrl add-task benchmark');

  const database = await createDatabase('bzctrl-bench-', `, synchronous=${sqliteSync}`);
  const isPostgres = database.url.startsWith('postgres');
  console.log(`database: ${database.label}`);
  console.log(
    `runs: ${duration} s each after a ${warmup} s warm-up, connections ${connectionCounts.join(', ')}; ` +
      'autocannon in a worker thread, both servers on the main thread',
  );
  console.log(
    'columns: mean = connections / throughput; p50/p99 from autocannon (1 ms resolution); ' +
      'CPU = server thread CPU time; busy = event-loop busy time (CPU plus blocking I/O ' +
      'such as fsync); CPU wait = share of the run the server thread waited for a core; ' +
      `others = cores used by other processes${isPostgres ? ' (PostgreSQL included)' : ''}\n`,
  );

  const config = readConfig({
    BZCTRL_DATABASE_URL: database.url,
    BZCTRL_PORT: '0',
    BZCTRL_LOG_LEVEL: 'warn',
    // The benchmark measures the create and read paths, not the per-caller rate limit.
    BZCTRL_RATE_LIMIT: '1000000',
    BZCTRL_SQLITE_SYNCHRONOUS: sqliteSync,
  });
  const server = await startServer(config, {
    prepare: async (db) => {
      await applyProvisioning(db, config, provisioning);
    },
  });
  cleanups.push(() => server.close());

  const baseUrl = server.url;
  const token = await login(baseUrl, REPORTER);
  const auth = { authorization: `Bearer ${token}` };
  const addTaskUrl = `${baseUrl}${ADD_TASK}`;
  await checkOneCreate(addTaskUrl, auth);
  const bareUrl = await startBareApp();

  const rows: Array<{ connections: number; bare: Measured; addTask: Measured }> = [];
  for (const connections of connectionCounts) {
    // The same headers for both, so the only difference is what the server does.
    const bare = await measure(bareUrl, connections, auth);
    const addTask = await measure(addTaskUrl, connections, auth);
    rows.push({ connections, bare, addTask });
    console.log(
      `${connections} connections: bare ${fmt(bare.rps)} req/s, add-task ${fmt(addTask.rps)} req/s`,
    );
  }

  const created = await server.db.kysely
    .selectFrom('todos')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();

  console.log(
    '\n| conns | route | req/s | mean ms | p50 ms | p99 ms | CPU µs/req | busy µs/req | ' +
      'CPU wait | others | add-task/bare |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { connections, bare, addTask } of rows) {
    const line = (name: string, m: Measured, ratio: string) =>
      `| ${connections} | ${name} | ${fmt(m.rps)} | ${fmt(m.mean, 2)} | ${m.p50} | ${m.p99} | ` +
      `${fmt(m.cpuUs)} | ${fmt(m.busyUs)} | ${fmt(m.cpuWait * 100)}% | ${fmt(m.others, 2)} | ${ratio} |`;
    console.log(line('bare', bare, ''));
    console.log(line('add-task', addTask, `${fmt((addTask.rps / bare.rps) * 100, 1)}%`));
  }
  console.log(`\ntodos stored: ${Number(created.n)} (one per 201 answered, plus the check)`);
  // With a local PostgreSQL the add-task rows share the cores with it by design, so only
  // the bare rows tell whether something else was running.
  const disturbed = rows.some(({ bare, addTask }) =>
    (isPostgres ? [bare] : [bare, addTask]).some((m) => m.cpuWait > 0.1 || m.others > 0.15),
  );
  console.log(
    disturbed
      ? 'WARNING: other processes competed for the cores during some runs ("CPU wait", ' +
          '"others"): these figures are disturbed; re-run on a quiet machine'
      : 'no noticeable competition for the cores during the runs',
  );

  const top = rows.find((r) => r.connections === 32) ?? rows.at(-1);
  if (top) {
    const ratio = top.addTask.rps / top.bare.rps;
    console.log(`\ntargets at ${top.connections} connections:`);
    console.log(`  throughput ≥ 30% of bare: ${fmt(ratio * 100, 1)}% → ${verdict(ratio >= 0.3)}`);
    console.log(`  p99 ≤ 25 ms: ${top.addTask.p99} ms → ${verdict(top.addTask.p99 <= 25)}`);
  }
}

await runBenchmark(main);
