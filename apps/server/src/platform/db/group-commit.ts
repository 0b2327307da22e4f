import type SqliteDatabase from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** A better-sqlite3 connection and its statement cache (see `cachingStatements`). */
export interface SqliteHandle {
  readonly native: SqliteDatabase.Database;
  prepare(text: string): SqliteDatabase.Statement;
}

/** How many transactions shared how many durable commits, since the database opened. */
export interface WriteBatchStats {
  /** COMMITs of a write batch (each one fsync at synchronous=FULL). */
  commits: number;
  /** Transactions acknowledged by those commits. */
  transactions: number;
  /** The most transactions one COMMIT carried. */
  largest: number;
}

/**
 * Group commit for SQLite. better-sqlite3 is synchronous and SQLite has one writer, so
 * one transaction per request means one fsync per request, with the event loop standing
 * still for each. Here every write transaction runs as a savepoint inside one open
 * SQLite transaction (the batch): a transaction that fails rolls back to its savepoint
 * alone, one that succeeds is released into the batch and waits. The batch commits at
 * the end of the event-loop turn in which its first member finished, after every
 * transaction already queued for the writer has had its turn: alone, a write commits at
 * once; under load, all writes that arrived meanwhile share one COMMIT. Nobody is told
 * "committed" before that COMMIT has returned, so a 2xx still means on disk at the
 * configured synchronous level.
 *
 * Reads outside a transaction never see a batch's uncommitted writes: while a write is
 * under way they run on a second connection (`reader`), which sees committed data only,
 * and do not wait for the writer. A write outside a transaction becomes a one-statement transaction of the batch.
 */
export class GroupCommitDriver implements Driver {
  readonly #writer: SqliteHandle;
  readonly #reader: SqliteHandle;
  readonly #mutex = new FifoMutex();
  /** Members of the open batch waiting for its COMMIT; null when no batch is open. */
  #batch: Waiter[] | null = null;
  #flushScheduled = false;
  #savepoints = 0;
  #closed = false;
  /** Leases handed out and not yet given back; closing waits for them. */
  #active = 0;
  #idle: (() => void) | null = null;
  readonly stats: WriteBatchStats = { commits: 0, transactions: 0, largest: 0 };

  readonly #onCommit: ((transactions: number) => void) | undefined;

  constructor(
    writer: SqliteHandle,
    reader: SqliteHandle,
    onCommit?: (transactions: number) => void,
  ) {
    this.#writer = writer;
    this.#reader = reader;
    this.#onCommit = onCommit;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#closed) throw new Error('The database is closed');
    this.#active++;
    return new Lease(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    await this.#mutex.lock();
    lease.holdsWriter = true;
    try {
      // SQLite ended the batch itself (an I/O error, a full disk): its members are lost.
      if (this.#batch !== null && !this.#writer.native.inTransaction) this.#batchLost();
      if (this.#batch === null) {
        // IMMEDIATE takes the write lock now: another process writing the same file makes
        // this wait (busy_timeout), never a deadlock when a read later turns into a write.
        this.#writer.native.exec('begin immediate');
        this.#batch = [];
      }
      const name = `bz_tx_${++this.#savepoints}`;
      this.#writer.native.exec(`savepoint ${name}`);
      lease.savepoint = name;
    } catch (err) {
      this.#release(lease);
      throw err;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const name = lease.savepoint;
    if (name === null) return;
    lease.savepoint = null;
    const batch = this.#batch;
    if (batch === null || !this.#writer.native.inTransaction) {
      this.#release(lease);
      throw this.#batchLost();
    }
    try {
      this.#writer.native.exec(`release ${name}`);
    } finally {
      this.#release(lease);
    }
    const durable = new Promise<void>((resolve, reject) =>
      batch.push({ resolve, reject, member: true }),
    );
    this.#scheduleFlush();
    await durable;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const name = lease.savepoint;
    if (name === null) return;
    lease.savepoint = null;
    try {
      if (this.#writer.native.inTransaction) {
        this.#writer.native.exec(`rollback to ${name}`);
        this.#writer.native.exec(`release ${name}`);
      } else if (this.#batch !== null) {
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction,
        // taking the batch's other members with it: they must not be told "committed".
        this.#batchLost();
      }
    } finally {
      this.#release(lease);
      this.#scheduleFlush();
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`savepoint ${quoted(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`rollback to ${quoted(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`release ${quoted(name)}`));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // A transaction left neither committed nor rolled back (Kysely always ends it; this
    // only guards the batch against a caller that did not).
    if (lease.savepoint !== null) await this.rollbackTransaction(lease);
    this.#release(lease);
    if (--this.#active === 0) this.#idle?.();
  }

  /**
   * Resolves when the writes already in the open batch are committed (or failed): a
   * reader then sees them. For a caller that met one of them as a conflict inside its
   * own transaction and must now read it (`afterPendingWrites`).
   */
  settled(): Promise<void> {
    const batch = this.#batch;
    if (batch === null) return Promise.resolve();
    return new Promise((resolve) =>
      batch.push({ resolve, reject: () => resolve(), member: false }),
    );
  }

  /**
   * Refuses new work, lets every query and transaction already under way finish, commits
   * the open batch, then closes both connections.
   */
  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#active > 0) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    }
    await this.#mutex.lock();
    try {
      this.#commitBatch();
    } finally {
      this.#mutex.unlock();
      this.#reader.native.close();
      this.#writer.native.close();
    }
  }

  /**
   * The connection for a read outside a transaction, now: the writer's own while no write
   * is under way (nothing uncommitted is there, and its page cache is warm: the reading
   * connection must re-read pages after every commit of the writer's), else the reader,
   * which sees committed data only.
   */
  readConnection(): SqliteHandle {
    return this.#batch === null && !this.#mutex.locked ? this.#writer : this.#reader;
  }

  /** Runs a statement: in its transaction, as a read, or as a transaction of its own. */
  async execute(lease: Lease, query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (lease.savepoint !== null) return run(this.#writer.prepare(query.sql), query);
    const stmt = this.#writer.prepare(query.sql);
    if (stmt.readonly) {
      const reading = this.readConnection();
      return run(reading === this.#writer ? stmt : reading.prepare(query.sql), query);
    }
    const own = new Lease(this);
    await this.beginTransaction(own);
    let result: QueryResult<unknown>;
    try {
      result = run(stmt, query);
    } catch (err) {
      await this.rollbackTransaction(own);
      throw err;
    }
    await this.commitTransaction(own);
    return result;
  }

  #release(lease: Lease): void {
    if (!lease.holdsWriter) return;
    lease.holdsWriter = false;
    this.#mutex.unlock();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#batch === null) return;
    this.#flushScheduled = true;
    // setImmediate: after the I/O of this turn, so requests that arrived with it have
    // queued their writes; then behind every transaction already waiting for the writer.
    setImmediate(() => {
      void this.#mutex.lock().then(() => {
        this.#flushScheduled = false;
        try {
          this.#commitBatch();
        } finally {
          this.#mutex.unlock();
        }
      });
    });
  }

  /** COMMIT the open batch and tell its members; the caller holds the writer. */
  #commitBatch(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const native = this.#writer.native;
    try {
      if (native.inTransaction) native.exec('commit');
    } catch (err) {
      // SQLite keeps the transaction open after a failed COMMIT: end it, and tell everyone.
      if (native.inTransaction) native.exec('rollback');
      for (const w of batch) w.reject(err);
      return;
    }
    const members = batch.filter((w) => w.member).length;
    if (members > 0) {
      this.stats.commits++;
      this.stats.transactions += members;
      this.stats.largest = Math.max(this.stats.largest, members);
      this.#onCommit?.(members);
    }
    for (const w of batch) w.resolve();
  }

  /** The open batch was rolled back by SQLite itself: fail its members, start afresh. */
  #batchLost(): Error {
    const err = new Error('The database rolled back a write batch; the change was not stored');
    const batch = this.#batch ?? [];
    this.#batch = null;
    for (const w of batch) w.reject(err);
    return err;
  }
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  /** A transaction of the batch, not someone waiting to read what it wrote. */
  member: boolean;
}

/** One use of the database by Kysely: a query, a run of queries, or a transaction. */
class Lease implements DatabaseConnection {
  readonly #driver: GroupCommitDriver;
  holdsWriter = false;
  /** Set while a transaction of this lease is open: its savepoint in the batch. */
  savepoint: string | null = null;

  constructor(driver: GroupCommitDriver) {
    this.#driver = driver;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.execute(this, query) as Promise<QueryResult<R>>;
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered (nothing in BzCtrl streams)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on SQLite');
  }
}

function run(stmt: SqliteDatabase.Statement, query: CompiledQuery): QueryResult<unknown> {
  const parameters = query.parameters as unknown[];
  if (stmt.reader) return { rows: stmt.all(parameters) };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

function raw(sql: string): CompiledQuery {
  return { sql, parameters: [], query: { kind: 'RawNode' } } as unknown as CompiledQuery;
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A mutex that hands over in the order of asking, so a batch's flush is not overtaken. */
class FifoMutex {
  #locked = false;
  readonly #queue: Array<() => void> = [];

  get locked(): boolean {
    return this.#locked;
  }

  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  unlock(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#locked = false;
  }
}

/** Kysely's SQLite dialect, with `GroupCommitDriver` as its driver. */
export class GroupCommitDialect implements Dialect {
  readonly driver: GroupCommitDriver;

  constructor(
    writer: SqliteHandle,
    reader: SqliteHandle,
    onCommit?: (transactions: number) => void,
  ) {
    this.driver = new GroupCommitDriver(writer, reader, onCommit);
  }

  createDriver(): Driver {
    return this.driver;
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
