/**
 * Throughput and latency of durable creates: `POST /bzctrl-core-api/api/v1/task/add-task`
 * on the real server (`bzctrl serve` as a child process), against a bare Fastify route
 * fed the same body, at 1, 8 and 32 connections, and against the disk's serial commit
 * rate measured in the same run. A benchmark, not a test: run it with `npm run bench`;
 * docs/performance.md explains the figures.
 *
 * Environment:
 *   BENCH_DURATION       seconds per measured run (default 10)
 *   BENCH_WARMUP         seconds of warm-up before each run (default 2)
 *   BENCH_CONNECTIONS    comma-separated connection counts (default 1,8,32)
 *   BENCH_COMMIT_PROBE   seconds of the serial commit probe, before and after (default 3)
 *   BENCH_DATABASE_URL   postgres://… admin URL: a throwaway database is made there and
 *                        dropped afterwards ("auto": a throwaway local cluster); without
 *                        it a temporary SQLite file is used
 *   BENCH_WORKERS        `bzctrl serve --workers N` counts to run, comma-separated
 *                        (default 1,2 on PostgreSQL; on SQLite serve's own default)
 *   BZCTRL_SQLITE_SYNCHRONOUS   FULL (default, durable), EXTRA or NORMAL, for side runs
 */
import Fastify from 'fastify';
import { ADD_TASK, body, provisioning, REPORTER } from './fixture.ts';
import {
  cleanups,
  connectionCountsEnv,
  createDatabase,
  disturbedRun,
  fmt,
  login,
  type Measured,
  measure,
  positiveEnv,
  prepareDatabase,
  printMachine,
  processTree,
  runBenchmark,
  serialCommitRate,
  serveVariants,
  settle,
  startServe,
  verdict,
} from './support.ts';

const duration = positiveEnv('BENCH_DURATION', 10);
const warmup = positiveEnv('BENCH_WARMUP', 2);
const probeSeconds = positiveEnv('BENCH_COMMIT_PROBE', 3);
const connectionCounts = connectionCountsEnv('1,8,32');
const sqliteSync = process.env.BZCTRL_SQLITE_SYNCHRONOUS?.toUpperCase() || 'FULL';
const timing = { warmup, duration };

/** The floor: Fastify parsing the same JSON body and answering 201, and nothing else. */
async function startBareApp(): Promise<string> {
  const bare = Fastify({ logger: false });
  let n = 0;
  bare.post('/bare', async (_request, reply) => reply.code(201).send({ id: ++n }));
  const url = await bare.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => bare.close());
  return url;
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

interface Row {
  serve: string;
  connections: number;
  bare: Measured;
  addTask: Measured;
}

async function main(): Promise<void> {
  printMachine('BzCtrl add-task benchmark');

  const database = await createDatabase('bzctrl-bench-', `, synchronous=${sqliteSync}`);
  const isPostgres = database.engine === 'postgres';
  console.log(`database: ${database.label}`);
  console.log(
    `runs: ${duration} s each after a ${warmup} s warm-up, connections ${connectionCounts.join(', ')}; ` +
      'the server is `bzctrl serve` in a child process; the bare route runs in this ' +
      'process; autocannon in a worker thread of this process',
  );
  console.log(
    'columns: p50/p95/p99 exact per response; CPU = server CPU time per answer (every thread ' +
      'and process of it), main = the part on its main threads (event loops); CPU wait = core-seconds per second the server waited for a core; ' +
      `others = cores used by other processes${isPostgres ? ' (PostgreSQL included)' : ''}\n`,
  );

  await prepareDatabase(database.url, provisioning);
  const commitRateBefore = serialCommitRate(database.dir, probeSeconds);
  console.log(
    `disk's serial commit rate (better-sqlite3, WAL, synchronous=FULL, one small row per ` +
      `commit, ${probeSeconds} s, in ${database.dir}): ${fmt(commitRateBefore)} commits/s`,
  );

  const bareBase = await startBareApp();
  const bareRuns = new Map<number, Measured>();
  const rows: Row[] = [];
  let token: string | undefined;
  for (const workers of serveVariants(database.engine)) {
    const server = await startServe(database.url, database.dir, {
      workers,
      env: { BZCTRL_SQLITE_SYNCHRONOUS: sqliteSync },
    });
    const pids = processTree(server.pid);
    console.log(`\n${server.label}: ${server.url}, ${pids.length} process(es)`);
    token ??= await login(server.url, REPORTER);
    const auth = { authorization: `Bearer ${token}` };
    await checkOneCreate(`${server.url}${ADD_TASK}`, auth);
    for (const connections of connectionCounts) {
      // The same headers and body for both, so the only difference is what the server does.
      let bare = bareRuns.get(connections);
      if (!bare) {
        [bare] = await measure(
          [
            {
              baseUrl: bareBase,
              paths: ['/bare'],
              connections,
              headers: auth,
              method: 'POST',
              body,
            },
          ],
          'main thread',
          timing,
        );
        bareRuns.set(connections, bare as Measured);
      }
      const [addTask] = await measure(
        [
          {
            baseUrl: server.url,
            paths: [ADD_TASK],
            connections,
            headers: auth,
            method: 'POST',
            body,
          },
        ],
        { pids: processTree(server.pid) },
        timing,
      );
      if (!bare || !addTask) throw new Error('a run measured nothing');
      rows.push({ serve: server.label, connections, bare, addTask });
      console.log(
        `${connections} connections: bare ${fmt(bare.rps)} req/s, add-task ${fmt(addTask.rps)} req/s` +
          (addTask.failures ? `, FAILURES: ${addTask.failureNote}` : ''),
      );
    }
    await settle();
    await server.stop();
  }
  const commitRateAfter = serialCommitRate(database.dir, probeSeconds);
  const commitRate = (commitRateBefore + commitRateAfter) / 2;
  console.log(
    `\ndisk's serial commit rate again: ${fmt(commitRateAfter)} commits/s; ` +
      `the mean, ${fmt(commitRate)}/s, is used below`,
  );

  console.log(
    '\n| serve | conns | route | req/s | p50 ms | p95 ms | p99 ms | errors | CPU µs/req | main µs/req | ' +
      'CPU wait | others | vs bare | vs serial commits |',
  );
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const line = (serve: string, connections: number, name: string, m: Measured, ratios: string) =>
    console.log(
      `| ${serve} | ${connections} | ${name} | ${fmt(m.rps)} | ${fmt(m.p50, 2)} | ${fmt(m.p95, 2)} | ` +
        `${fmt(m.p99, 2)} | ${m.failures} | ${fmt(m.cpuUs)} | ${fmt(m.mainCpuUs)} | ` +
        `${fmt(m.cpuWait * 100)}% | ` +
        `${fmt(m.others, 2)} | ${ratios} |`,
    );
  for (const { serve, connections, bare, addTask } of rows) {
    line('', connections, 'bare', bare, ' | ');
    line(
      serve,
      connections,
      'add-task',
      addTask,
      // The probe is SQLite's own commit path: a ratio for the SQLite server only.
      `${fmt((addTask.rps / bare.rps) * 100, 1)}% | ${isPostgres ? '' : `${fmt(addTask.rps / commitRate, 2)}×`}`,
    );
  }

  const disturbed = rows.some(
    ({ bare, addTask }) =>
      disturbedRun(bare, 'bare') ||
      disturbedRun(addTask, isPostgres ? 'postgres server' : 'sqlite server'),
  );
  console.log(
    disturbed
      ? '\nWARNING: other processes competed for the cores during some runs ("CPU wait", ' +
          '"others"): these figures are DISTURBED; re-run on a quiet machine'
      : '\nundisturbed: no noticeable competition for the cores during the runs',
  );

  console.log('\ntargets (docs/performance.md):');
  if (!isPostgres) {
    const top = rows.find((r) => r.connections === 32) ?? rows.at(-1);
    if (top) {
      const { addTask, bare, connections } = top;
      const ratio = addTask.rps / bare.rps;
      const shared = addTask.rps / commitRate;
      console.log(
        `  ${connections} conns, creates ≥ 25% of bare POST: ${fmt(ratio * 100, 1)}% → ${verdict(ratio >= 0.25)}`,
      );
      console.log(
        `  ${connections} conns, p99 ≤ 10 ms: ${fmt(addTask.p99, 2)} ms → ${verdict(addTask.p99 <= 10)}`,
      );
      console.log(
        `  ${connections} conns, 0 errors: ${addTask.failures} → ${verdict(addTask.failures === 0)}`,
      );
      console.log(
        `  ${connections} conns, creates ≥ 4× the serial commit rate: ${fmt(shared, 2)}× → ` +
          verdict(shared >= 4),
      );
      if (connections !== 32) console.log('  (the targets are set at 32 connections)');
    }
  } else {
    for (const r of rows.filter((r) => r.serve.includes('--workers 2') && r.connections === 32)) {
      console.log(
        `  ${r.serve}, 32 conns, ≥ 2,000 creates/s: ${fmt(r.addTask.rps)} → ` +
          verdict(r.addTask.rps >= 2000 && r.addTask.failures === 0),
      );
    }
    if (!rows.some((r) => r.serve.includes('--workers 2') && r.connections === 32)) {
      console.log('  PostgreSQL --workers 2 at 32 connections was not run: no verdict');
    }
  }
}

await runBenchmark(main);
