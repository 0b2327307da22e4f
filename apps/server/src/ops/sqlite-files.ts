import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Config } from '../platform/config.ts';
import { OpsError } from './ops.errors.ts';

/**
 * The SQLite file the configuration names, or a refusal that says what to use instead:
 * a PostgreSQL database is backed up with its own tools (docs/backups.md).
 */
export function sqliteFileOf(config: Config, command: 'backup' | 'restore' | 'migrate-to'): string {
  const url = config.databaseUrl;
  if (!url.startsWith('sqlite:') && command === 'migrate-to') {
    throw new OpsError(
      'bzctrl migrate-to copies from the SQLite database BZCTRL_DATABASE_URL names; ' +
        'this one is already PostgreSQL.',
    );
  }
  if (!url.startsWith('sqlite:')) {
    const tool = command === 'backup' ? 'pg_dump -Fc' : 'pg_restore';
    throw new OpsError(
      `bzctrl ${command} works on an SQLite database; this server uses PostgreSQL. ` +
        `Use ${tool} instead (docs/backups.md shows how, and point-in-time recovery).`,
    );
  }
  const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (file === ':memory:') {
    throw new OpsError(`bzctrl ${command}: an in-memory database (sqlite::memory:) has no file`);
  }
  return file;
}

/** Opens an SQLite file that must be a database; one that is not is told as `label`. */
export function openSqliteFile(file: string, label: string): SqliteDatabase.Database {
  try {
    const db = new SqliteDatabase(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // Reads the header: a file that is not an SQLite database fails here, not later.
    db.prepare('select count(*) from sqlite_master').get();
    return db;
  } catch (err) {
    throw new OpsError(`${label} is not a readable SQLite database (${message(err)})`);
  }
}

/** `PRAGMA integrity_check` on an open database: "ok", or the first problems it names. */
export function integrityProblems(db: SqliteDatabase.Database): string | null {
  const rows = db.pragma('integrity_check(5)') as { integrity_check: string }[];
  const found = rows.map((r) => r.integrity_check);
  return found.length === 1 && found[0] === 'ok' ? null : found.join('; ');
}

/** The migrations a database has applied (Kysely's table), or null when it has none. */
export function appliedMigrations(db: SqliteDatabase.Database): string[] | null {
  const table = db
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get();
  if (!table) return null;
  const rows = db.prepare('select name from kysely_migration order by name').all() as {
    name: string;
  }[];
  return rows.map((r) => r.name);
}

export function countTodos(db: SqliteDatabase.Database): number {
  return (db.prepare('select count(*) as n from todos').get() as { n: number }).n;
}

/** Makes a rename or a new file in `file`'s directory durable. */
export function syncDirectoryOf(file: string): void {
  const fd = openSync(dirname(file), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
