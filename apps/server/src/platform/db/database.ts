import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin,
  Kysely,
  type LogEvent,
  type PluginTransformResultArgs,
  PostgresDialect,
  type QueryResult,
  SqliteDialect,
  sql,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import type { Engine, Executor } from './executor.ts';
import {
  GroupCommitDialect,
  type GroupCommitDriver,
  type WriteBatchStats,
} from './group-commit.ts';
import { nameHotStatements, readDirectly } from './prepared.ts';
import { openReader, type ReadPoolOptions } from './read-pool.ts';
import { type ReplicaObserver, type ReplicaOptions, ReplicaSet } from './replicas.ts';
import { type RowLiteral, rowLiteral } from './row-literal.ts';
import type { Database } from './tables.ts';

export type { Engine } from './executor.ts';

export interface Db {
  readonly kysely: Kysely<Database>;
  /**
   * For heavy reads that need not see an open transaction's writes (lists, search,
   * counts, the dashboard). On a SQLite file: read-only connections in worker threads
   * (read-pool.ts), so those queries do not hold up the event loop; in memory and on
   * PostgreSQL: `kysely` itself.
   */
  readonly reader: Kysely<Database>;
  /**
   * PostgreSQL with BZCTRL_DATABASE_REPLICA_URLS: the read replicas a request's `reader`
   * may be routed to (replicas.ts, http/context.ts); null otherwise. `reader` itself
   * stays on the primary (background jobs, webhook fan-out).
   */
  readonly replicas: ReplicaSet | null;
  /** A request's view of the process's database (reads routed, a held change): that database. */
  readonly primary?: Db;
  readonly engine: Engine;
  /** The SQLite database file (its WAL beside it); null in memory and on PostgreSQL. */
  readonly sqliteFile: string | null;
  /** SQLite files: how writes shared commits (group-commit.ts); null otherwise. */
  readonly writeBatches: WriteBatchStats | null;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Told when the PostgreSQL pool drops a broken idle connection. */
  onIdleError?: (err: Error) => void;
  sqliteSynchronous?: 'FULL' | 'EXTRA' | 'NORMAL';
  poolSize?: number;
  /** SQLite files: the worker threads behind `reader`. */
  readPool?: ReadPoolOptions;
  /** Told how long each query through Kysely took, and each write batch's size (metrics). */
  observe?: DbObserver;
  /** PostgreSQL: read replicas (BZCTRL_DATABASE_REPLICA_URLS); the pool size is `poolSize`'s. */
  replicas?: Omit<ReplicaOptions, 'poolSize' | 'observe'>;
}

export interface DbObserver {
  /** Seconds a query took through Kysely, failed ones included. */
  query(seconds: number): void;
  /** SQLite files: how many transactions one COMMIT of the write batch carried. */
  writeBatch(transactions: number): void;
  /** Replica health and where requests' reads went (with read replicas only). */
  replicas?: ReplicaObserver;
}

// node-postgres turns these into JS objects by default; BzCtrl keeps them as the strings
// the SQLite side stores, so rows look the same on both engines.
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

const NAME_CACHE_SIZE = 5000;

/**
 * Kysely's CamelCasePlugin converts every identifier of every query, and every key of
 * every result row, character by character; that was about half the cost of loading a
 * row. The names are few (columns and aliases from the code), so each conversion is
 * remembered (bounded, in case some caller ever makes names up).
 */
class CachedCamelCasePlugin extends CamelCasePlugin {
  readonly #snake = new Map<string, string>();
  readonly #camel = new Map<string, string>();

  override snakeCase(name: string): string {
    return this.#snake.get(name) ?? remember(this.#snake, name, super.snakeCase(name));
  }

  override camelCase(name: string): string {
    return this.#camel.get(name) ?? remember(this.#camel, name, super.camelCase(name));
  }

  override async transformResult(
    args: PluginTransformResultArgs,
  ): Promise<QueryResult<UnknownRow>> {
    const rows = args.result.rows;
    return Array.isArray(rows) ? { ...args.result, rows: this.mapRows(rows) } : args.result;
  }

  /**
   * Result rows as every query gets them through Kysely: keys in camelCase. The rows of
   * one result have the same columns, so they are mapped by a function made once per
   * column list (`rowLiteral`, with the camelCase names). Copying key by key under names
   * looked up per row and column cost ~190 µs of event-loop time for a list page of 50
   * rows of 30 columns; this ~14 µs (issue 13).
   */
  mapRows(rows: UnknownRow[]): UnknownRow[] {
    const first = rows[0];
    if (first === undefined) return rows;
    const keys = Object.keys(first);
    const columns = keys.join('\u0000');
    let map = this.#rowMappers.get(columns);
    if (!map) {
      map = this.#rowMapper(keys);
      if (this.#rowMappers.size >= NAME_CACHE_SIZE) this.#rowMappers.clear();
      this.#rowMappers.set(columns, map);
    }
    const out = new Array<UnknownRow>(rows.length);
    for (let r = 0; r < rows.length; r++) out[r] = map(rows[r] as UnknownRow, this.#value);
    return out;
  }

  readonly #rowMappers = new Map<string, RowMapper>();

  /** Scalars (nearly every column) as they are; objects (PostgreSQL json, arrays) by Kysely's own code. */
  readonly #value = (value: unknown): unknown =>
    value !== null && typeof value === 'object' ? super.mapRow({ v: value }).v : value;

  #rowMapper(keys: string[]): RowMapper {
    return rowLiteral<UnknownRow>(
      keys.map((key) => this.camelCase(key)),
      keys,
    );
  }

  protected override mapRow(row: UnknownRow): UnknownRow {
    return this.mapRows([row])[0] as UnknownRow;
  }
}

type RowMapper = RowLiteral<UnknownRow>;

function remember(cache: Map<string, string>, name: string, converted: string): string {
  if (cache.size >= NAME_CACHE_SIZE) cache.clear();
  cache.set(name, converted);
  return converted;
}

const batchDrivers = new WeakMap<Executor, GroupCommitDriver>();

/**
 * Waits until writes that other transactions have made but not yet committed are
 * committed (SQLite's write batch; at once elsewhere), so a read outside a transaction
 * sees them. For the loser of a race (a unique key taken inside the batch) that must now
 * read the winner.
 */
export async function afterPendingWrites(db: Db): Promise<void> {
  await batchDrivers.get(db.kysely)?.settled();
}

/** What the WAL file is cut back to after a checkpoint (SQLite's journal_size_limit). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Opens the database named by `url`: `sqlite:<path>` or `postgres://…`. */
export function openDatabase(url: string, options: DbOptions = {}): Db {
  const camelCase = new CachedCamelCasePlugin();
  const plugins = [camelCase];
  const observe = options.observe;
  // Kysely times a query only when asked to log it: no cost without an observer.
  const log = observe
    ? (event: LogEvent) => observe.query(event.queryDurationMillis / 1000)
    : undefined;
  let kysely: Kysely<Database>;
  let reader: Kysely<Database> | null = null;
  let engine: Engine;
  let sqliteFile: string | null = null;
  let writeBatches: WriteBatchStats | null = null;
  let replicas: ReplicaSet | null = null;
  if (options.replicas?.urls.length && !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('read replicas need a PostgreSQL primary; SQLite has none');
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const native = new SqliteDatabase(file);
    native.pragma('journal_mode = WAL');
    // FULL: a commit that returned is on disk even after power loss, not only after a
    // process crash (NORMAL in WAL mode may lose the last commits on power loss).
    native.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
    native.pragma('foreign_keys = ON');
    // No checkpoint inside a request's COMMIT: the server's checkpointer runs them on a
    // connection of its own (checkpointer.ts). The WAL file is cut back to this size
    // when it restarts, so a burst does not leave a large file behind.
    native.pragma('wal_autocheckpoint = 0');
    native.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    native.pragma('busy_timeout = 5000');
    // Each write of a batch runs in a savepoint, and the undo copies of the pages a batch
    // changes (the statement journal) went to a file in /var/tmp once past 64 KB: one per
    // batch under load, written page by page. In memory: ~190 -> ~146 µs per create in a
    // model of the batch alone, 5% less CPU per create in the server. Sorts and temporary
    // tables of this connection stay in memory too; its largest bulk statement deletes
    // at most 5,000 events at a time.
    native.pragma('temp_store = MEMORY');
    const statements = cachingStatements(native);
    if (file === ':memory:') {
      // A second connection cannot see an in-memory database: one connection, one
      // transaction at a time, as Kysely's own driver does it.
      kysely = new Kysely<Database>({
        dialect: new SqliteDialect({ database: statements }),
        plugins,
        log,
      });
    } else {
      sqliteFile = resolve(file);
      reader = openReader(sqliteFile, plugins, options.readPool);
      // Reads outside a transaction run on a connection of their own, which sees only
      // committed data; writes go through the group-commit batch (group-commit.ts).
      const reading = new SqliteDatabase(file, { readonly: true });
      reading.pragma('busy_timeout = 5000');
      reading.pragma('wal_autocheckpoint = 0');
      const readStatements = cachingStatements(reading);
      const dialect = new GroupCommitDialect(
        { native, prepare: statements.prepare },
        { native: reading, prepare: readStatements.prepare },
        observe ? (n) => observe.writeBatch(n) : undefined,
      );
      writeBatches = dialect.driver.stats;
      kysely = new Kysely<Database>({ dialect, plugins, log });
      batchDrivers.set(kysely, dialect.driver);
      readDirectly(kysely, dialect.driver, camelCase);
    }
    engine = 'sqlite';
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const poolSize = options.poolSize ?? 10;
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types: pgTypes,
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection that dies (database restart, terminated backend) is dropped by
    // the pool and replaced on next use; without a listener the error would end the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    pool.on('connect', nameHotStatements);
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins, log });
    if (options.replicas?.urls.length) {
      replicas = new ReplicaSet(
        pool,
        plugins,
        { ...options.replicas, poolSize, observe: observe?.replicas },
        log,
        { types: pgTypes },
        nameHotStatements,
      );
    }
    engine = 'postgres';
  } else {
    throw new Error('BZCTRL_DATABASE_URL must start with sqlite: or postgres://');
  }
  return {
    kysely,
    reader: reader ?? kysely,
    replicas,
    engine,
    sqliteFile,
    writeBatches,
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: async () => {
      // The readers first: the last connection to close checkpoints and removes the WAL.
      await reader?.destroy();
      await replicas?.close();
      await kysely.destroy();
    },
  };
}

/**
 * A transaction that runs alone among those taking the same `lock`, across processes:
 * on PostgreSQL under a transaction-scoped advisory lock, on SQLite inside a write batch
 * begun with `BEGIN IMMEDIATE` (which takes the write lock at once, so two connections
 * cannot both read and then deadlock on the upgrade). For work that reads then writes,
 * such as provisioning applied by several starting processes at the same moment.
 */
export async function serializedTransaction<T>(
  db: Db,
  lock: string,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.engine === 'postgres') {
    return db.kysely.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
      return fn(trx);
    });
  }
  // Every SQLite write transaction already is one: a member of the write batch, which
  // holds SQLite's write lock from its BEGIN IMMEDIATE (group-commit.ts).
  return db.kysely.transaction().execute(fn);
}
