import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../platform/config.ts';
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

export interface BackupOptions {
  /** Replace `target` when it exists. */
  force: boolean;
  /** Progress and the summary, one line each. */
  say: (line: string) => void;
}

export interface BackupResult {
  file: string;
  pages: number;
  todos: number;
  ms: number;
}

/** Pages copied per step (4 KB pages: 16 MB), between which the event loop runs. */
const PAGES_PER_STEP = 4096;
const PROGRESS_EVERY_MS = 1000;

/**
 * `bzctrl backup <file>`: a consistent copy of the SQLite database while a server may be
 * writing to it, through SQLite's online backup API.
 *
 * The copy runs inside one read transaction on the source, so it is the database as of
 * one moment (a WAL snapshot) and never starts over: without it, SQLite restarts a backup
 * whenever another connection writes between two steps, which under steady load means
 * never finishing. It goes to a temp file beside `target`, is switched to a single file
 * (rollback journal, no -wal beside it), checked with `PRAGMA integrity_check`, synced,
 * and only then renamed over `target`: a failed or interrupted backup leaves no half file.
 *
 * @example
 *   await backupSqlite(config, 'bzctrl-2026-01-31.db', { force: false, say: console.log });
 */
export async function backupSqlite(
  config: Config,
  target: string,
  options: BackupOptions,
): Promise<BackupResult> {
  const started = Date.now();
  const source = resolve(sqliteFileOf(config, 'backup'));
  const dest = resolve(target);
  if ([source, `${source}-wal`, `${source}-shm`].includes(dest)) {
    throw new OpsError(`bzctrl backup: ${target} is the database itself; name another file`);
  }
  if (!existsSync(dirname(dest))) {
    throw new OpsError(`bzctrl backup: the directory ${dirname(dest)} does not exist`);
  }
  if (existsSync(dest)) {
    if (statSync(dest).isDirectory()) {
      throw new OpsError(`bzctrl backup: ${target} is a directory; name a file`);
    }
    if (!options.force) {
      throw new OpsError(
        `bzctrl backup: ${target} exists; name a new file, or add --force to replace it`,
      );
    }
  }
  if (!existsSync(source)) {
    throw new OpsError(`bzctrl backup: the database ${source} does not exist`);
  }
  const tmp = `${dest}.tmp-${process.pid}`;
  const removeTmp = () => {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  };
  removeTmp();
  const db = openSqliteFile(source, `bzctrl backup: the database ${source}`);
  let pages = 0;
  try {
    db.exec('BEGIN');
    // The snapshot starts at the first read, here, not at BEGIN.
    db.prepare('select count(*) from sqlite_master').get();
    let lastSaid = Date.now();
    const done = await db.backup(tmp, {
      progress: ({ totalPages, remainingPages }) => {
        if (Date.now() - lastSaid >= PROGRESS_EVERY_MS) {
          lastSaid = Date.now();
          options.say(`copied ${totalPages - remainingPages} of ${totalPages} pages`);
        }
        return PAGES_PER_STEP;
      },
    });
    pages = done.totalPages;
    db.exec('COMMIT');
  } catch (err) {
    removeTmp();
    throw err instanceof OpsError ? err : new OpsError(`bzctrl backup failed: ${message(err)}`);
  } finally {
    db.close();
  }
  let todos: number;
  try {
    todos = verifyCopy(tmp);
    syncFile(tmp);
    renameSync(tmp, dest);
    syncDirectoryOf(dest);
  } catch (err) {
    removeTmp();
    throw err instanceof OpsError ? err : new OpsError(`bzctrl backup failed: ${message(err)}`);
  }
  const result = { file: dest, pages, todos, ms: Date.now() - started };
  options.say(
    `Backed up ${source} to ${dest}: ${pages} pages, integrity ok, ${todos} todos ` +
      `(${(result.ms / 1000).toFixed(1)} s)`,
  );
  return result;
}

/** The copy as one self-contained file, checked; returns its todo count. */
function verifyCopy(file: string): number {
  const copy = openSqliteFile(file, `bzctrl backup: the copy ${file}`);
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = integrityProblems(copy);
    if (problems)
      throw new OpsError(`bzctrl backup: the copy failed its integrity check: ${problems}`);
    if (!appliedMigrations(copy)) {
      throw new OpsError('bzctrl backup: the database holds no BzCtrl schema (no migrations)');
    }
    return countTodos(copy);
  } finally {
    copy.close();
  }
}
