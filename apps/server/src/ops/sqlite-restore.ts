import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import type { Config } from '../platform/config.ts';
import { MIGRATION_NAMES } from '../platform/db/migrate.ts';
import { OpsError } from './ops.errors.ts';
import {
  appliedMigrations,
  countTodos,
  integrityProblems,
  message,
  openSqliteFile,
  sqliteFileOf,
  syncDirectoryOf,
  syncFile,
} from './sqlite-files.ts';

export interface RestoreOptions {
  say: (line: string) => void;
  /** For the name the previous database is kept under. */
  now?: () => Date;
}

export interface RestoreResult {
  database: string;
  /** Where the database that was replaced now is; null when there was none. */
  keptAs: string | null;
  todos: number;
}

/**
 * `bzctrl restore <file>`: replaces the configured SQLite database with a backup.
 *
 * Refuses while any process has the database open: it takes SQLite's exclusive lock on
 * the file without waiting, which fails while a server (or any connection) holds its
 * shared lock. The operating system drops those locks when a process ends, even by
 * `kill -9`, so a crashed server never blocks a restore, and no pid file can go stale.
 * The backup is copied beside the database and checked (integrity, and migrations this
 * version knows) before anything is replaced. The previous database is first brought up
 * to date with its WAL, then kept as `<db>.before-restore-<timestamp>`; no -wal or -shm
 * file of it stays beside the restored one, where SQLite would apply it to the wrong file.
 *
 * @example
 *   await restoreSqlite(config, 'bzctrl-2026-01-31.db', { say: console.log });
 */
export async function restoreSqlite(
  config: Config,
  backupFile: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const target = resolve(sqliteFileOf(config, 'restore'));
  const backup = resolve(backupFile);
  if (!existsSync(backup) || statSync(backup).isDirectory()) {
    throw new OpsError(`bzctrl restore: no backup file ${backupFile}`);
  }
  if (backup === target) {
    throw new OpsError(`bzctrl restore: ${backupFile} is the configured database itself`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const live = existsSync(target) ? lockExclusively(target) : null;
  const tmp = `${target}.restore-${process.pid}.tmp`;
  const removeTmp = () => {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  };
  let keptAs: string | null = null;
  let todos: number;
  try {
    removeTmp();
    copyFileSync(backup, tmp);
    todos = checkBackup(tmp, backupFile);
    syncFile(tmp);
    if (live) {
      // The WAL into the file, so the kept copy is whole on its own.
      live.exec('COMMIT');
      live.pragma('wal_checkpoint(TRUNCATE)');
      live.close();
    }
    keptAs = moveAside(target, options.now?.() ?? new Date());
    renameSync(tmp, target);
    syncDirectoryOf(target);
  } catch (err) {
    if (live?.open) live.close();
    removeTmp();
    throw err instanceof OpsError ? err : new OpsError(`bzctrl restore failed: ${message(err)}`);
  }
  options.say(
    `Restored ${backup} into ${target}: integrity ok, ${todos} todos` +
      (keptAs ? `; the previous database is kept as ${keptAs}` : ''),
  );
  return { database: target, keptAs, todos };
}

/**
 * An exclusive hold on the database, or a refusal when another process has it open.
 * Held until closed (locking_mode EXCLUSIVE keeps the lock after the transaction).
 */
function lockExclusively(file: string): SqliteDatabase.Database {
  const db = openSqliteFile(file, `bzctrl restore: the configured database ${file}`);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new OpsError(
        `bzctrl restore: the database ${file} is in use by another process ` +
          '(a running BzCtrl server?). Stop it first; restore replaces only a database nobody has open.',
      );
    }
    throw new OpsError(`bzctrl restore: cannot lock ${file} (${message(err)})`);
  }
}

/** The copy of the backup: whole, a BzCtrl database, of a schema this version knows. */
function checkBackup(copy: string, named: string): number {
  const db = openSqliteFile(copy, `bzctrl restore: ${named}`);
  try {
    const problems = integrityProblems(db);
    if (problems) {
      throw new OpsError(`bzctrl restore: ${named} failed its integrity check: ${problems}`);
    }
    const applied = appliedMigrations(db);
    if (!applied) throw new OpsError(`bzctrl restore: ${named} is not a BzCtrl database`);
    const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
    if (unknown.length > 0) {
      throw new OpsError(
        `bzctrl restore: ${named} comes from a newer BzCtrl (migrations unknown to this ` +
          `version: ${unknown.join(', ')}); restore it with that version or a later one`,
      );
    }
    // One file, no WAL: the server turns WAL on again when it opens it.
    db.pragma('journal_mode = DELETE');
    return countTodos(db);
  } finally {
    db.close();
  }
}

/** Renames the database and anything of it left beside it; returns the kept name. */
function moveAside(target: string, now: Date): string | null {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  const kept = `${target}.before-restore-${stamp}`;
  let moved = false;
  if (existsSync(target)) {
    renameSync(target, kept);
    moved = true;
  }
  // A -wal left over (a database never opened since a crash, or a lone one) belongs to
  // the old file; the -shm is only an index of it, rebuilt on open.
  if (existsSync(`${target}-wal`)) {
    renameSync(`${target}-wal`, `${kept}-wal`);
    moved = true;
  }
  rmSync(`${target}-shm`, { force: true });
  rmSync(`${target}-journal`, { force: true });
  return moved ? kept : null;
}
