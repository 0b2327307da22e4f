/**
 * One node against two: `bzctrl serve` nodes on one PostgreSQL database behind nginx run
 * with docs/nginx.conf's upstream and location, under a mixed load of add-task creates and
 * list pages sent at the same time. Each node is one process (`--workers 1`), so the two
 * variants differ only in how many nodes nginx spreads the load over; the one-node run in
 * the same benchmark is the baseline the two-node run is compared with. A benchmark, not a
 * test: `npm run bench:nodes` (also the last part of `npm run bench`); docs/performance.md
 * explains the figures.
 *
 * On one machine the nodes, nginx, PostgreSQL and the load generator share its cores: a
 * two-core machine can show whether a second node adds anything, not what a second
 * machine would.
 *
 * Environment:
 *   BENCH_DURATION       seconds per measured run (default 10)
 *   BENCH_WARMUP         seconds of warm-up before each run (default 2)
 *   BENCH_CONNECTIONS    creating connections (default 16); list connections are a quarter
 *   BENCH_DATABASE_URL   postgres://… admin URL: a throwaway database is made there and
 *                        dropped afterwards; unset or "auto": a throwaway local cluster
 *   BENCH_BASELINE_ROOT  another checkout of BzCtrl (same database schema): its nodes are
 *                        measured first, in the same run, on the same database
 */
import { findNginx, startNginx } from '../apps/server/test/support/nginx.ts';
import { ADD_TASK, body, provisioning, REPORTER } from './fixture.ts';
import {
  cleanups,
  connectionCountsEnv,
  createDatabase,
  fmt,
  login,
  type Measured,
  measure,
  positiveEnv,
  prepareDatabase,
  printMachine,
  processTree,
  runBenchmark,
  type ServeProcess,
  settle,
  startServe,
} from './support.ts';

const LIST = '/bzctrl-core-api/api/v1/todos?workspace=VTT-NLD-TML-FIN&limit=50';
const duration = positiveEnv('BENCH_DURATION', 10);
const warmup = positiveEnv('BENCH_WARMUP', 2);
const createConnections = connectionCountsEnv('16')[0] ?? 16;
const listConnections = Math.max(1, Math.round(createConnections / 4));

const baselineRoot = process.env.BENCH_BASELINE_ROOT;

interface Run {
  build: string;
  nodes: number;
  creates: Measured;
  lists: Measured;
}

async function main(): Promise<void> {
  printMachine('BzCtrl nodes benchmark: one node vs two behind nginx, PostgreSQL');
  const nginxBin = findNginx();
  if (!nginxBin) {
    // `npm run bench` runs this after add-task: say why it measured nothing, and let it end.
    console.log('skipped: nginx is not installed (Debian: apt-get install nginx)');
    return;
  }
  process.env.BENCH_DATABASE_URL ||= 'auto';
  const database = await createDatabase('bzctrl-bench-nodes-');
  if (database.engine !== 'postgres') throw new Error('this benchmark needs PostgreSQL');
  console.log(`database: ${database.label}`);
  console.log(
    `runs: ${duration} s each after a ${warmup} s warm-up; at once ${createConnections} ` +
      `connections creating (add-task, seed 001's body) and ${listConnections} reading list ` +
      'pages (50 todos), all through nginx (one worker process); each node is `bzctrl serve ' +
      '--workers 1` in a child process; autocannon in worker threads of this process\n',
  );
  await prepareDatabase(database.url, provisioning);

  const runs: Run[] = [];
  let token: string | undefined;
  const builds: Array<{ build: string; root?: string }> = [{ build: 'this' }];
  if (baselineRoot) builds.unshift({ build: 'baseline', root: baselineRoot });
  const variants = builds.flatMap((b) => [1, 2].map((count) => ({ ...b, count })));
  for (const { build, root, count } of variants) {
    const nodes: ServeProcess[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push(await startServe(database.url, `${database.dir}/node-${i}`, { workers: 1, root }));
    }
    const nginx = await startNginx(
      nginxBin,
      nodes.map((n) => Number(new URL(n.url).port)),
    );
    cleanups.push(() => nginx.stop());
    token ??= await login(nginx.url, REPORTER);
    const auth = { authorization: `Bearer ${token}` };
    const check = await fetch(`${nginx.url}${ADD_TASK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body,
    });
    if (check.status !== 201) {
      throw new Error(`add-task through nginx answered ${check.status}: ${await check.text()}`);
    }
    const pids = [...nodes.flatMap((n) => processTree(n.pid)), nginx.pid];
    const [creates, lists] = await measure(
      [
        {
          baseUrl: nginx.url,
          paths: [ADD_TASK],
          connections: createConnections,
          headers: auth,
          method: 'POST',
          body,
        },
        { baseUrl: nginx.url, paths: [LIST], connections: listConnections, headers: auth },
      ],
      { pids },
      { warmup, duration },
    );
    if (!creates || !lists) throw new Error('a run measured nothing');
    runs.push({ build, nodes: count, creates, lists });
    console.log(
      `${build === 'this' ? '' : `${build}: `}${count} node(s): ${fmt(creates.rps)} creates/s, list p95 ${fmt(lists.p95, 1)} ms` +
        (creates.failures + lists.failures
          ? `, FAILURES: ${creates.failureNote}; ${lists.failureNote}`
          : ''),
    );
    await settle();
    await nginx.stop();
    for (const n of nodes) await n.stop();
  }

  console.log(
    '\n| build | nodes | creates/s | create p50 ms | create p99 ms | lists/s | list p95 ms | errors | ' +
      'CPU µs/answer | others (cores) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { build, nodes, creates, lists } of runs) {
    console.log(
      `| ${build} | ${nodes} | ${fmt(creates.rps)} | ${fmt(creates.p50, 2)} | ${fmt(creates.p99, 2)} | ` +
        `${fmt(lists.rps)} | ${fmt(lists.p95, 2)} | ${creates.failures + lists.failures} | ` +
        `${fmt(creates.cpuUs)} | ${fmt(creates.others, 2)} |`,
    );
  }
  console.log(
    '(CPU = the nodes and nginx; "others" = PostgreSQL and everything else on the machine)',
  );
  for (const b of builds) {
    const [one, two] = runs.filter((r) => r.build === b.build) as [Run, Run];
    console.log(
      `${b.build}: two nodes vs one: creates ${fmt(two.creates.rps / one.creates.rps, 2)}×, ` +
        `list p95 ${fmt(two.lists.p95 / one.lists.p95, 2)}×`,
    );
  }
  if (baselineRoot) {
    for (const count of [1, 2]) {
      const [base, now] = ['baseline', 'this'].map((b) =>
        runs.find((r) => r.build === b && r.nodes === count),
      ) as [Run, Run];
      console.log(
        `${count} node(s), this vs baseline: creates ${fmt(now.creates.rps / base.creates.rps, 2)}×, ` +
          `list p95 ${fmt(now.lists.p95 / base.lists.p95, 2)}×`,
      );
    }
  }
}

await runBenchmark(main);
