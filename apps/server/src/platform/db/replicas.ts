import cluster, { type Worker } from 'node:cluster';
import {
  type CompiledQuery,
  type Dialect,
  Kysely,
  type KyselyPlugin,
  type LogEvent,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import pg from 'pg';
import { READ_TIMEOUT_MS, ReaderDriver } from './read-pool.ts';
import type { Database } from './tables.ts';

/** How often the health checker measures every replica. */
export const REPLICA_CHECK_MS = 500;
/** A check, or a replica's first connection, that takes longer than this fails. */
const CHECK_TIMEOUT_MS = 2000;
/** A write request still open after this long no longer holds its caller on the primary. */
const WRITE_HOLD_MS = 60_000;

/** What the metrics are told about replicas (metrics.ts). */
export interface ReplicaObserver {
  /** After each check: whether the replica may serve reads, and how far behind it is. */
  replica(name: string, usable: boolean, lagSeconds: number): void;
  /** One request's heavy reads went to a replica, or to the primary though replicas exist. */
  routed(to: 'replica' | 'primary'): void;
}

export interface ReplicaOptions {
  urls: readonly string[];
  /** A replica further behind the primary than this is skipped. */
  maxLagMs: number;
  poolSize: number;
  checkMs?: number;
  /** Told when a replica goes away or comes back (the server's log). */
  onChange?: (name: string, usable: boolean, reason: string) => void;
  observe?: ReplicaObserver;
}

/** One replica as the router sees it (for diagnostics and tests). */
export interface ReplicaStatus {
  name: string;
  usable: boolean;
  /** How far its replay is behind the primary, by the last check (ms). */
  lagMs: number;
  /** Why it is not usable, when it is not. */
  problem: string | null;
}

interface Replica {
  name: string;
  pool: pg.Pool;
  /**
   * The newest moment (ms) such that everything the primary had committed by then is
   * replayed here: the time of the newest primary WAL sample at or below the replica's
   * replay position. 0 before the first check.
   */
  caughtUpTo: number;
  /** Set by a failed query or check; cleared by the next good check. */
  problem: string | null;
  usable: boolean;
}

interface Writes {
  /** The caller's write requests still running. */
  open: number;
  /** When the first of them began (ms), to forget ones that never ended. */
  since: number;
  /** When its last write request ended (ms): everything it wrote had committed by then. */
  endedAt: number;
}

/** A caller's write request began or ended in one worker of `serve --workers`. */
interface WriteNotice {
  bzctrl: 'replica-write';
  caller: string;
  begin: boolean;
  /** On a beginning: the number the primary's answer (RelayedNotice) repeats. */
  seq?: number;
}

/** The primary's answer to a beginning: every other worker's channel holds it now. */
interface RelayedNotice {
  bzctrl: 'replica-write-relayed';
  seq: number;
}

/** A write answers after this long even if the primary never confirms the relay. */
const RELAY_WAIT_MS = 2000;

/**
 * In the primary of `serve --workers`: passes each worker's write notices to the other
 * workers, so a caller's read after its write stays on the primary whichever worker of
 * this node it reaches. (Several nodes do not share them: see docs/scaling.md.)
 *
 * A beginning is answered once it is written to every other worker's channel. The writer
 * holds its response until then (`ReplicaSet.beginWrite`), so the caller's next request
 * cannot reach another worker before the notice does: the primary hands that worker the
 * new connection on the same channel, after the notice.
 */
export function relayReplicaWrites(): void {
  cluster.on('message', (from, m: unknown) => {
    const notice = m as WriteNotice;
    if (notice?.bzctrl !== 'replica-write') return;
    const others = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined && w !== from && w.isConnected(),
    );
    const answer = () => {
      if (notice.seq === undefined || !from.isConnected()) return;
      from.send({ bzctrl: 'replica-write-relayed', seq: notice.seq } satisfies RelayedNotice);
    };
    let waiting = others.length;
    // The callback runs once the notice is written to that worker's channel (or failed to).
    for (const worker of others) {
      worker.send(notice, () => {
        if (--waiting === 0) answer();
      });
    }
    if (others.length === 0) answer();
  });
}

/** `X/Y` (PostgreSQL's pg_lsn as text) as one number. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** host:port/database of a URL, never its password: the replica's name in logs and metrics. */
export function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

/**
 * Errors a query earns by itself (bad input, a constraint, a syntax or permission
 * problem, a column a migration just added and the replica has not replayed yet:
 * SQLSTATE classes 22, 23, 42) say nothing about the replica's health. Anything else —
 * a refused or broken connection, a timeout, the standby shutting down, a query
 * cancelled by a conflict with recovery — does.
 */
function isQueryFault(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

/**
 * Read replicas of a PostgreSQL primary (issue 15): the heavy reads of one request go to
 * a replica that is up, within `maxLagMs` of the primary, and has replayed everything
 * the same caller wrote; otherwise to the primary.
 *
 * Lag is measured by WAL position, not by clocks: every check takes the primary's
 * `pg_current_wal_lsn()` at a known moment, then each replica's `pg_last_wal_replay_lsn()`;
 * a replica that has replayed past the sample taken at moment t holds every transaction
 * committed before t. A caller's read after its write (read-your-writes) therefore goes
 * to a replica only once a sample taken after that write has been replayed there — which
 * holds without any query on the write path. An idle primary makes no lag (nothing is
 * left to replay), unlike `pg_last_xact_replay_timestamp()`.
 */
export class ReplicaSet {
  readonly #replicas: Replica[];
  readonly #samples: Array<{ at: number; lsn: bigint }> = [];
  readonly #writes = new Map<string, Writes>();
  readonly #timer: NodeJS.Timeout;
  #checking = false;
  #next = 0;
  #closed = false;
  #heard: ((m: unknown) => void) | null = null;
  /** This worker's beginnings the primary has not yet confirmed passing on, by number. */
  readonly #relaying = new Map<number, () => void>();
  #seq = 0;

  constructor(
    private readonly primary: pg.Pool,
    private readonly plugins: KyselyPlugin[],
    private readonly options: ReplicaOptions,
    private readonly log?: (event: LogEvent) => void,
    poolOptions: pg.PoolConfig = {},
    onConnect?: (client: pg.PoolClient) => void,
  ) {
    this.#replicas = options.urls.map((url) => {
      const pool = new pg.Pool({
        ...poolOptions,
        connectionString: url,
        max: options.poolSize,
        // A replica that stops answering (a network partition) is left quickly: a new
        // connection within the check's time, a read within the read pool's.
        connectionTimeoutMillis: CHECK_TIMEOUT_MS,
        query_timeout: READ_TIMEOUT_MS,
      });
      const replica: Replica = {
        name: replicaName(url),
        pool,
        caughtUpTo: 0,
        problem: null,
        usable: false,
      };
      // A standby that stops ends its idle connections: the next check says so.
      pool.on('error', (err) => this.#fail(replica, err));
      if (onConnect) pool.on('connect', onConnect);
      return replica;
    });
    if (cluster.isWorker) {
      this.#heard = (m: unknown) => {
        const r = m as RelayedNotice;
        if (r?.bzctrl === 'replica-write-relayed') {
          this.#relaying.get(r.seq)?.();
          return;
        }
        const w = m as WriteNotice;
        if (w?.bzctrl !== 'replica-write' || typeof w.caller !== 'string') return;
        if (w.begin) this.#began(w.caller);
        else this.#ended(w.caller);
      };
      process.on('message', this.#heard);
    }
    this.#timer = setInterval(() => void this.check(), options.checkMs ?? REPLICA_CHECK_MS);
    this.#timer.unref();
    void this.check();
  }

  /** Each replica as the last check and the last queries left it. */
  status(): ReplicaStatus[] {
    const now = Date.now();
    return this.#replicas.map((r) => ({
      name: r.name,
      usable: this.#usableAt(r, now),
      lagMs: r.caughtUpTo === 0 ? Number.POSITIVE_INFINITY : Math.max(0, now - r.caughtUpTo),
      problem: r.problem,
    }));
  }

  /**
   * A reader on a replica fit for `caller`'s reads now, or null for the primary. The
   * reader keeps to that replica for the whole request (so the feed's head and its
   * events come from one replica, which only moves forward); if the replica fails, that
   * query and every later one of the request go to the primary, which is ahead of it.
   */
  readerFor(caller: string): Kysely<Database> | null {
    const now = Date.now();
    const w = this.#writes.get(caller);
    let replica: Replica | undefined;
    if (!w || w.open === 0 || now - w.since > WRITE_HOLD_MS) {
      const floor = Math.max(now - this.options.maxLagMs, w?.endedAt ?? 0);
      const n = this.#replicas.length;
      for (let i = 0; i < n && !replica; i++) {
        const r = this.#replicas[(this.#next + i) % n] as Replica;
        if (r.problem === null && r.caughtUpTo >= floor) replica = r;
      }
      this.#next = (this.#next + 1) % n;
    }
    this.options.observe?.routed(replica ? 'replica' : 'primary');
    return replica ? this.#reader(replica) : null;
  }

  /**
   * A write request of `caller` begins: its reads go to the primary until it ends. In a
   * worker of `serve --workers`, the other workers are told through the primary; the
   * promise resolves once the primary has passed the notice on (or after RELAY_WAIT_MS),
   * and the request's response waits for it (read-routing.ts). Null in a lone process.
   */
  beginWrite(caller: string): Promise<void> | null {
    this.#began(caller);
    if (!cluster.isWorker || !process.send) return null;
    const seq = ++this.#seq;
    const relayed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), RELAY_WAIT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.#relaying.delete(seq);
        resolve();
      };
      this.#relaying.set(seq, done);
    });
    process.send({ bzctrl: 'replica-write', caller, begin: true, seq } satisfies WriteNotice);
    return relayed;
  }

  /** It ended (answered or not): its reads wait for a replica that replayed it. */
  endWrite(caller: string): void {
    this.#ended(caller);
    if (cluster.isWorker) {
      process.send?.({ bzctrl: 'replica-write', caller, begin: false } satisfies WriteNotice);
    }
  }

  #began(caller: string): void {
    const now = Date.now();
    const w = this.#writes.get(caller);
    if (!w) this.#writes.set(caller, { open: 1, since: now, endedAt: 0 });
    else if (w.open === 0 || now - w.since > WRITE_HOLD_MS)
      Object.assign(w, { open: 1, since: now });
    else w.open += 1;
  }

  #ended(caller: string): void {
    const now = Date.now();
    const w = this.#writes.get(caller);
    // Its beginning may be forgotten (or was never heard of): the end counts all the same.
    if (!w) this.#writes.set(caller, { open: 0, since: now, endedAt: now });
    else Object.assign(w, { open: Math.max(0, w.open - 1), endedAt: now });
  }

  /** One health check of every replica (every `checkMs`; tests may call it). */
  async check(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      const at = Date.now();
      let lsn: bigint;
      try {
        const { rows } = await this.primary.query<{ lsn: string }>({
          text: 'select pg_current_wal_lsn()::text as lsn',
          query_timeout: CHECK_TIMEOUT_MS,
        } as pg.QueryConfig);
        lsn = parseLsn((rows[0] as { lsn: string }).lsn);
      } catch {
        // The primary is away: nothing can be measured, and the replicas age past the
        // bound on their own.
        return;
      }
      this.#samples.push({ at, lsn });
      const keep =
        Math.ceil(this.options.maxLagMs / (this.options.checkMs ?? REPLICA_CHECK_MS)) + 4;
      if (this.#samples.length > keep) this.#samples.splice(0, this.#samples.length - keep);
      await Promise.all(this.#replicas.map((r) => this.#measure(r)));
      this.#forgetOldWrites();
    } finally {
      this.#checking = false;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#heard) process.off('message', this.#heard);
    for (const done of [...this.#relaying.values()]) done();
    await Promise.all(this.#replicas.map((r) => r.pool.end()));
  }

  async #measure(r: Replica): Promise<void> {
    try {
      const { rows } = await r.pool.query<{ standby: boolean; lsn: string | null }>({
        text: 'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as lsn',
        query_timeout: CHECK_TIMEOUT_MS,
      } as pg.QueryConfig);
      const row = rows[0];
      if (!row?.standby || row.lsn === null) {
        this.#fail(r, new Error('it is not a standby in recovery (promoted, or not a replica)'));
        return;
      }
      const replayed = parseLsn(row.lsn);
      for (const s of this.#samples)
        if (s.lsn <= replayed && s.at > r.caughtUpTo) r.caughtUpTo = s.at;
      r.problem = null;
    } catch (err) {
      this.#fail(r, err as Error);
    }
    this.#report(r);
  }

  #fail(r: Replica, err: Error): void {
    r.problem = err.message || String(err);
    this.#report(r);
  }

  #usableAt(r: Replica, now: number): boolean {
    return r.problem === null && r.caughtUpTo >= now - this.options.maxLagMs;
  }

  #report(r: Replica): void {
    const now = Date.now();
    const usable = this.#usableAt(r, now);
    const lagSeconds = r.caughtUpTo === 0 ? 0 : Math.max(0, now - r.caughtUpTo) / 1000;
    this.options.observe?.replica(r.name, usable, lagSeconds);
    if (usable !== r.usable) {
      r.usable = usable;
      const reason = usable
        ? 'replica caught up: reads are served by it again'
        : (r.problem ?? `it lags more than ${this.options.maxLagMs} ms behind the primary`);
      this.options.onChange?.(r.name, usable, reason);
    }
  }

  /** Callers whose last write every usable replica must have replayed anyway. */
  #forgetOldWrites(): void {
    const before = Date.now() - this.options.maxLagMs;
    for (const [caller, w] of this.#writes) {
      if ((w.open === 0 || w.since < before - WRITE_HOLD_MS) && w.endedAt < before) {
        this.#writes.delete(caller);
      }
    }
  }

  #reader(replica: Replica): Kysely<Database> {
    const driver = new RoutedDriver(replica, this.primary, (err) => this.#fail(replica, err));
    const dialect: Dialect = {
      createDriver: () => driver,
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createAdapter: () => new PostgresAdapter(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    };
    return new Kysely<Database>({ dialect, plugins: this.plugins, log: this.log });
  }
}

/**
 * One request's reads: on its replica until a query there fails, then on the primary
 * for the rest of the request.
 */
class RoutedDriver extends ReaderDriver {
  #onPrimary = false;

  constructor(
    private readonly replica: Replica,
    private readonly primary: pg.Pool,
    private readonly failed: (err: Error) => void,
  ) {
    super();
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = [...query.parameters];
    if (!this.#onPrimary) {
      try {
        return { rows: (await this.replica.pool.query(query.sql, parameters)).rows as R[] };
      } catch (err) {
        // The primary answers instead (it is ahead of the replica), and the rest of the
        // request stays there; a query that fails there too fails as it would without
        // replicas.
        if (!isQueryFault(err)) this.failed(err as Error);
        this.#onPrimary = true;
      }
    }
    return { rows: (await this.primary.query(query.sql, parameters)).rows as R[] };
  }
}
