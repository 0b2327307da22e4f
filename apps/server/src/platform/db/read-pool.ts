import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type KyselyPlugin,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { AppError } from '../errors.ts';
import { type RowLiteral, rowLiteral } from './row-literal.ts';
import { sqliteWorker } from './sqlite-worker.ts';
import type { Database } from './tables.ts';

/** Worker threads per SQLite database: one per core, at most two (this is a small machine). */
export const READ_WORKERS = Math.min(2, availableParallelism());

/**
 * The nice value of the read workers' threads (Linux): 10 gives the event loop about nine
 * times their share of a core they compete for, and costs nothing when a core is free.
 */
export const READ_NICE = 10;

/** How long a read may wait and run before its request gets a 503. */
export const READ_TIMEOUT_MS = 30_000;

export interface ReadPoolOptions {
  workers?: number;
  timeoutMs?: number;
  busyTimeoutMs?: number;
  /** Nice value of the worker threads (Linux; default READ_NICE; 0 leaves them as is). */
  nice?: number;
}

/** What the pool has done, for tests and diagnostics. */
export interface ReadPoolStats {
  /** Queries a worker answered (with rows or with an SQLite error). */
  answered: number;
  /** The worker thread that answered last (never the main thread's 0). */
  lastThreadId: number;
  /** Workers started so far, replacements included. */
  started: number;
  /** Thread ids of the workers now running. */
  threadIds: number[];
  /** Their operating system thread ids (Linux; 0 where unknown), once ready. */
  osThreadIds: number[];
}

export interface ReadPool {
  /** Runs one read-only statement in a worker; rows keyed by column name. */
  run(sql: string, parameters: readonly unknown[]): Promise<Record<string, unknown>[]>;
  stats(): ReadPoolStats;
  /** Stops a running worker as a crash would (tests); its query, if any, fails. */
  terminateWorker(index?: number): Promise<void>;
  /** Waits for running queries, fails queued ones, and ends every worker. */
  close(): Promise<void>;
}

// An eval'd CommonJS worker that requires better-sqlite3 by its resolved path, as the
// WAL checkpointer's does, so it starts the same under tsx and under plain node. It
// opens the file read-only (WAL lets it read while the main thread writes), keeps its
// prepared statements by SQL text, and answers rows as arrays plus the column names
// (structured-cloning arrays is cheaper than objects repeating every key).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = ' + Number(workerData.busyTimeoutMs));
db.pragma('query_only = ON');
// Reads yield to the event loop: on Linux a thread has its own nice value, and this one
// lowers its own (never raises it), so when the cores are short, HTTP and writes on the
// main thread run first and a search load cannot stall them. Elsewhere: no change.
let tid = 0;
try {
  tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  const os = require('node:os');
  if (tid > 0 && workerData.nice > os.getPriority(tid)) os.setPriority(tid, workerData.nice);
} catch {}
parentPort.postMessage({ ready: true, tid });
const cache = new Map();
function prepare(text) {
  let hit = cache.get(text);
  if (hit) {
    cache.delete(text);
  } else {
    const stmt = db.prepare(text);
    if (!stmt.reader) throw Object.assign(new Error('the read pool runs only statements that return rows'), { code: 'BZCTRL_NOT_A_READ' });
    stmt.raw(true);
    hit = { stmt, columns: stmt.columns().map((c) => c.name) };
    if (cache.size >= workerData.cacheSize) cache.delete(cache.keys().next().value);
  }
  cache.set(text, hit);
  return hit;
}
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    const { stmt, columns } = prepare(m.sql);
    // Buffers arrive as plain Uint8Arrays, which better-sqlite3 does not bind.
    const params = m.parameters.map((p) => p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p);
    parentPort.postMessage({ id: m.id, columns, rows: stmt.all(params) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { message: String((err && err.message) || err), code: err && err.code } });
  }
});
`;

const STATEMENT_CACHE_SIZE = 200;

interface Job {
  id: number;
  sql: string;
  parameters: readonly unknown[];
  resolve(rows: Record<string, unknown>[]): void;
  reject(err: Error): void;
  /** Set when a worker takes the job. */
  timer: NodeJS.Timeout | null;
  slot: Slot | null;
}

interface Slot {
  worker: Worker;
  /** The thread's id in the operating system, once it said (0: unknown). */
  tid: number;
  /** Its connection is open: queries go to it from now on. */
  ready: boolean;
  job: Job | null;
}

interface Answer {
  ready?: true;
  tid?: number;
  id: number;
  columns?: string[];
  rows?: unknown[][];
  error?: { message: string; code?: string };
}

function busyError(): AppError {
  return new AppError('unavailable', 'The database is busy; retry shortly', [], {
    'Retry-After': '1',
  });
}

/**
 * A few worker threads, each with its own read-only connection to the SQLite file, that
 * run the server's heavy reads (lists, search, counts, the dashboard) so that a query of
 * several milliseconds no longer holds up the event loop, where HTTP and every write
 * run. Each worker runs one query at a time; queries wait here, in order, for a free
 * worker (started on first need). A worker that crashes fails only its own query and is
 * replaced at the next one. A query that runs longer than `timeoutMs` fails with a 503;
 * its worker is told to stop and a fresh one takes its place (better-sqlite3 cannot
 * interrupt a statement, so the old thread ends when that statement returns). A query
 * waiting for a worker therefore waits at most a few times `timeoutMs`.
 */
export function openReadPool(file: string, options: ReadPoolOptions = {}): ReadPool {
  const size = Math.max(1, options.workers ?? READ_WORKERS);
  const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closing = false;
  const stats = { answered: 0, lastThreadId: 0, started: 0 };

  const settle = (slot: Slot) => {
    const job = slot.job;
    slot.job = null;
    if (job?.timer) clearTimeout(job.timer);
    return job;
  };

  const retire = (slot: Slot) => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
  };

  const start = (): Slot => {
    const worker = sqliteWorker(WORKER, {
      file,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      cacheSize: STATEMENT_CACHE_SIZE,
      nice: options.nice ?? READ_NICE,
    });
    const slot: Slot = { worker, tid: 0, ready: false, job: null };
    stats.started += 1;
    worker.on('message', (m: Answer) => {
      if (m.ready) {
        slot.ready = true;
        slot.tid = m.tid ?? 0;
        dispatch();
        return;
      }
      if (slot.job?.id !== m.id) return; // the answer of a query that already timed out
      const job = settle(slot);
      stats.answered += 1;
      stats.lastThreadId = worker.threadId;
      if (job) {
        if (m.error) job.reject(sqliteError(m.error));
        else job.resolve(toObjects(m.columns ?? [], m.rows ?? []));
      }
      dispatch();
    });
    let failure: Error | null = null;
    worker.on('error', (err) => {
      failure = err;
    });
    // A crash or a terminate: the query it was running fails, the slot is freed, and the
    // next query starts a new worker.
    worker.on('exit', () => {
      retire(slot);
      const cause = failure ? `: ${failure.message}` : '';
      settle(slot)?.reject(new Error(`a read worker stopped while running a query${cause}`));
      if (!slot.ready) {
        // It never opened the database (the file is gone, the driver did not load): the
        // waiting queries fail now, rather than one worker being started after another.
        for (const waiting of queue.splice(0)) {
          waiting.reject(new Error(`a read worker stopped before it could read${cause}`));
        }
      }
      dispatch();
    });
    slots.push(slot);
    return slot;
  };

  const dispatch = () => {
    if (closing) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      job.slot = slot;
      // The clock runs from here: a worker's start (tens of ms) is not the query's time.
      job.timer = setTimeout(() => timedOut(job), timeoutMs);
      job.timer.unref();
      slot.worker.postMessage({ id: job.id, sql: job.sql, parameters: job.parameters });
    }
    while (slots.length < size && slots.filter((s) => !s.ready).length < queue.length) start();
  };

  const timedOut = (job: Job) => {
    const slot = job.slot;
    if (!slot || slot.job !== job) return;
    // The worker is inside the statement: it gives up its slot now, and stops once the
    // statement returns (terminate cannot cut a native call short).
    settle(slot);
    retire(slot);
    void slot.worker.terminate();
    job.reject(
      new AppError(
        'unavailable',
        `A read did not finish within ${timeoutMs} ms; retry shortly`,
        [],
        {
          'Retry-After': '1',
        },
      ),
    );
    dispatch();
  };

  return {
    run(sql, parameters) {
      if (closing) return Promise.reject(new Error('the database is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, sql, parameters, resolve, reject, slot: null, timer: null });
        dispatch();
      });
    },
    stats: () => ({
      ...stats,
      threadIds: slots.map((s) => s.worker.threadId),
      osThreadIds: slots.filter((s) => s.ready).map((s) => s.tid),
    }),
    async terminateWorker(index = 0) {
      const slot = slots[index];
      if (!slot) throw new Error(`no read worker ${index} is running`);
      await slot.worker.terminate();
    },
    async close() {
      closing = true;
      for (const job of queue.splice(0)) job.reject(new Error('the database is closed'));
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.worker.once('exit', () => resolve());
              s.worker.postMessage('close');
            }),
        ),
      );
    },
  };
}

function sqliteError(e: { message: string; code?: string }): Error {
  // A reader waits busy_timeout for a lock (only WAL recovery takes one that long);
  // past it the request may simply be retried.
  if (e.code?.startsWith('SQLITE_BUSY')) return busyError();
  return Object.assign(new Error(e.message), { code: e.code });
}

const rowMakers = new Map<string, RowLiteral<unknown[]>>();
const ROW_MAKERS_MAX = 1000;

/** Blobs arrive as Uint8Arrays; the main connection gives Buffers. */
const asOnMain = (v: unknown): unknown =>
  v instanceof Uint8Array && !Buffer.isBuffer(v)
    ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    : v;

/**
 * A worker's rows (arrays) as objects keyed by column name, through a function made once
 * per list of columns (`rowLiteral`): filling an empty object key by key cost ~95 µs of
 * event-loop time for a list page's rows.
 */
function toObjects(columns: string[], rows: unknown[][]): Record<string, unknown>[] {
  const key = columns.join('\u0000');
  let make = rowMakers.get(key);
  if (!make) {
    make = rowLiteral<unknown[]>(
      columns,
      columns.map((_, i) => i),
    );
    if (rowMakers.size >= ROW_MAKERS_MAX) rowMakers.clear();
    rowMakers.set(key, make);
  }
  const out = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = make(rows[r] as unknown[], asOnMain);
  return out;
}

const NO_TRANSACTIONS =
  'the reader runs single reads; a transaction (and every read of its own writes) belongs on the main database';

/**
 * Kysely's driver for a reader (`Db.reader`): single reads on one connection object
 * that is the driver itself, no transactions, no streaming. The read pool's below, and
 * a request's reads on a replica (replicas.ts).
 */
export abstract class ReaderDriver implements Driver, DatabaseConnection {
  abstract executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>>;

  // biome-ignore lint/correctness/useYield: refuses before producing anything
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the reader does not stream; use the main database');
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this;
  }

  async beginTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async commitTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/** Kysely's driver for the pool: every query goes to a worker. */
class ReadPoolDriver extends ReaderDriver {
  constructor(private readonly pool: ReadPool) {
    super();
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.run(query.sql, query.parameters)) as R[] };
  }

  override async destroy(): Promise<void> {
    await this.pool.close();
  }
}

const pools = new WeakMap<object, ReadPool>();

/**
 * A Kysely instance over a read pool on the SQLite file: repositories build queries as
 * on the main instance (give it the same plugins, so rows are mapped the same way) and
 * they run in a worker. `destroy()` ends the workers.
 */
export function openReader(
  file: string,
  plugins: KyselyPlugin[],
  options: ReadPoolOptions = {},
): Kysely<Database> {
  const pool = openReadPool(file, options);
  const dialect: Dialect = {
    createDriver: () => new ReadPoolDriver(pool),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  const reader = new Kysely<Database>({ dialect, plugins });
  pools.set(reader, pool);
  return reader;
}

/** The pool behind a reader from `openReader`; undefined for any other Kysely (tests). */
export function readPoolOf(reader: object): ReadPool | undefined {
  return pools.get(reader);
}
