/**
 * What the benchmarks share: their environment settings, a throwaway database, undo
 * steps, the server thread's CPU counters, signing in and the run/clean-up frame.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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

/**
 * A database for the run: a temporary SQLite file, or a throwaway PostgreSQL database
 * made at the `BENCH_DATABASE_URL` admin URL and dropped afterwards.
 */
export async function createDatabase(
  dirPrefix: string,
  sqliteNote = '',
): Promise<{ url: string; label: string }> {
  const admin = process.env.BENCH_DATABASE_URL;
  if (!admin) {
    const dir = mkdtempSync(join(tmpdir(), dirPrefix));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bench.db');
    return { url: `sqlite:${file}`, label: `SQLite ${file}${sqliteNote}` };
  }
  if (!/^postgres(ql)?:\/\//.test(admin)) {
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL');
  }
  const name = `bzctrl_bench_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  cleanups.push(() => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), label: `PostgreSQL ${url.host}, throwaway database ${name}` };
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

export const fmt = (n: number, digits = 0) => n.toFixed(digits);
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
