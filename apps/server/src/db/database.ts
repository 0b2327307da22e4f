import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Told when the PostgreSQL pool drops a broken idle connection. */
  onIdleError?: (err: Error) => void;
  sqliteSynchronous?: 'FULL' | 'EXTRA' | 'NORMAL';
  poolSize?: number;
}

// node-postgres turns these into JS objects by default; BzCtrl keeps them as the strings
// the SQLite side stores, so rows look the same on both dialects.
const PG_INT8 = 20;
const PG_DATE = 1082;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8) return (v: string) => Number(v);
    if (oid === PG_DATE) return (v: string) => v;
    if (oid === PG_TIMESTAMPTZ || oid === PG_TIMESTAMP) {
      return (v: string) => new Date(oid === PG_TIMESTAMP ? `${v}Z` : v).toISOString();
    }
    // biome-ignore lint/suspicious/noExplicitAny: pg's own signature is overloaded
    return pg.types.getTypeParser(oid as any, format as any);
  },
};

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew (~25 µs each, a fifth of a
 * create). Prepared statements are kept here, keyed by SQL text, oldest dropped first
 * (`in (…)` lists make some texts vary). Safe because nothing iterates a statement
 * while running it again.
 */
function cachingStatements(native: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => native.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = native.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

/** Opens the database named by `url`: `sqlite:<path>` or `postgres://…`. */
export function openDatabase(url: string, options: DbOptions = {}): Db {
  const plugins = [new CamelCasePlugin()];
  let kysely: Kysely<Database>;
  let dialect: DialectName;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const native = new SqliteDatabase(file);
    native.pragma('journal_mode = WAL');
    // FULL: a commit that returned is on disk even after power loss, not only after a
    // process crash (NORMAL in WAL mode may lose the last commits on power loss).
    native.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
    native.pragma('foreign_keys = ON');
    native.pragma('busy_timeout = 5000');
    kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: cachingStatements(native) }),
      plugins,
    });
    dialect = 'sqlite';
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: pgTypes,
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection that dies (database restart, terminated backend) is dropped by
    // the pool and replaced on next use; without a listener the error would end the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    dialect = 'postgres';
  } else {
    throw new Error('BZCTRL_DATABASE_URL must start with sqlite: or postgres://');
  }
  return {
    kysely,
    dialect,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

/**
 * A transaction that runs alone among those taking the same `lock`, across processes:
 * on PostgreSQL under a transaction-scoped advisory lock, on SQLite as `BEGIN IMMEDIATE`
 * (which takes the write lock at once, so two connections cannot both read and then
 * deadlock on the upgrade). For work that reads then writes, such as provisioning
 * applied by several starting processes at the same moment.
 */
export async function serializedTransaction<T>(
  db: Db,
  lock: string,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.dialect === 'postgres') {
    return db.kysely.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
      return fn(trx);
    });
  }
  return db.kysely.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
  });
}
