import { sql } from 'kysely';
import type { Logger } from '../context.ts';
import type { Db } from '../db/database.ts';

/**
 * Rate-limit counters shared by every server process on one PostgreSQL database
 * (migration 013), so N nodes together enforce one limit instead of N × it.
 *
 * How it stays cheap: a process counts each request in memory and sends what it counted
 * to the database in one statement for all keys every `TICK_MS` (when it counted any);
 * the same statement returns each key's total over all processes. A request is decided
 * on that total plus what this process counted since. Only when a key's total is older than
 * `SYNC_EVERY_MS` (its first request here, or a quiet key) does the request wait for one
 * round trip, shared with every other request waiting then.
 *
 * The tolerance: a process does not see what the others counted during the last
 * `SYNC_EVERY_MS` plus one round trip, so across N processes a caller may get up to the
 * limit plus what the other N − 1 processes admitted for it in that time.
 *
 * A key's window is the minute from its first request, as in @fastify/rate-limit's
 * in-memory store; its start is kept in the database, so every process uses the same.
 * Expired windows: the upsert starts a new window in place; rows whose window ended more
 * than a minute ago are deleted by each process once a minute. Should the database fail,
 * requests are decided on the counts this process knows (the limit holds per process).
 */

/** How stale a process's view of the other processes' counts may get. */
export const SYNC_EVERY_MS = 250;
/**
 * How often counts are sent: a little more often than they go stale, so a busy key's
 * view is renewed before a request would have to wait for it.
 */
const TICK_MS = 200;
export const WINDOW_MS = 60_000;
/** Rows per statement: well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_STATEMENT = 1000;

/** In the upsert: the stored window has not ended by the time the counts were sent. */
const live = sql`rate_limit_counters.window_start + ${sql.lit(WINDOW_MS)} > excluded.window_start`;

interface Slot {
  /** When the key's window began (ms since the epoch): the database's, once synced. */
  windowStart: number;
  /** The total over all processes, as the last sync returned it. */
  shared: number;
  /** Counted here and being sent now. */
  sending: number;
  /** Counted here since. */
  pending: number;
  /** When the sync that set `shared` began (monotonic clock). */
  readAt: number;
}

export interface Count {
  /** Requests counted under the key in its window, this one included. */
  count: number;
  windowStart: number;
}

export interface SharedCountersStats {
  /** Statements that sent counts (and read totals). */
  syncs: number;
  /** Requests that waited for a sync. */
  waited: number;
}

export class SharedCounters {
  readonly stats: SharedCountersStats = { syncs: 0, waited: 0 };
  readonly #db: Db;
  readonly #log: Logger;
  readonly #slots = new Map<string, Slot>();
  readonly #timer: NodeJS.Timeout;
  #syncing: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #sweptAt = Number.NEGATIVE_INFINITY;
  #failing = false;

  constructor(db: Db, log: Logger) {
    this.#db = db;
    this.#log = log;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  /** Counts one request under `key` and returns the key's count in its window. */
  async hit(key: string): Promise<Count> {
    const now = Date.now();
    let slot = this.#slots.get(key);
    if (!slot || slot.windowStart + WINDOW_MS <= now) {
      // A new window, or the first request here: its count is read before it is decided.
      slot = {
        windowStart: now,
        shared: 0,
        sending: 0,
        pending: 0,
        readAt: Number.NEGATIVE_INFINITY,
      };
      this.#slots.set(key, slot);
    }
    slot.pending++;
    if (performance.now() - slot.readAt > SYNC_EVERY_MS) {
      this.stats.waited++;
      await this.#sync();
    }
    return { count: slot.shared + slot.sending + slot.pending, windowStart: slot.windowStart };
  }

  /** Stops the timer and sends what is still counted here (the server is stopping). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sync();
  }

  #tick(): void {
    const now = Date.now();
    let due = false;
    for (const [key, slot] of this.#slots) {
      if (slot.windowStart + WINDOW_MS <= now && slot.sending === 0) {
        this.#slots.delete(key);
      } else if (slot.pending > 0) due = true;
    }
    if (due) void this.#sync();
  }

  /**
   * One sync at a time: a request arriving during one waits for the next, which is sure
   * to carry its count and to have begun after it.
   */
  #sync(): Promise<void> {
    if (this.#syncing) {
      this.#queued ??= this.#syncing.then(() => {
        this.#queued = null;
        return this.#sync();
      });
      return this.#queued;
    }
    this.#syncing = this.#send().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #send(): Promise<void> {
    const startedAt = performance.now();
    const now = Date.now();
    const batch: Array<[string, Slot]> = [];
    for (const [key, slot] of this.#slots) {
      if (slot.pending === 0) continue;
      slot.sending = slot.pending;
      slot.pending = 0;
      batch.push([key, slot]);
    }
    // The same order in every process, so two upserts never wait on each other's rows.
    batch.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    try {
      for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
        await this.#upsert(batch.slice(i, i + ROWS_PER_STATEMENT), now, startedAt);
      }
      if (startedAt - this.#sweptAt >= WINDOW_MS) {
        this.#sweptAt = startedAt;
        // Ended more than a minute ago: no process can still be counting in it.
        await this.#db.kysely
          .deleteFrom('rateLimitCounters')
          .where('windowStart', '<', now - 2 * WINDOW_MS)
          .execute();
      }
      if (this.#failing) this.#log.info('rate-limit counters are shared again');
      this.#failing = false;
    } catch (err) {
      for (const [, slot] of batch) {
        slot.pending += slot.sending;
        slot.sending = 0;
        // Decided on what this process knows until the next tick tries again.
        slot.readAt = startedAt;
      }
      if (!this.#failing) {
        this.#log.warn({ err }, 'rate-limit counters could not be shared; counting per process');
      }
      this.#failing = true;
    }
  }

  /** Adds the counts sent at `now` (ms since the epoch) and reads back each key's total. */
  async #upsert(batch: Array<[string, Slot]>, now: number, startedAt: number): Promise<void> {
    if (batch.length === 0) return;
    this.stats.syncs++;
    const rows = await this.#db.kysely
      .insertInto('rateLimitCounters')
      .values(batch.map(([key, s]) => ({ key, windowStart: now, count: s.sending })))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          // The key's window still runs: add to it; it has ended: these counts start one.
          count: sql<number>`case when ${live} then rate_limit_counters.count + excluded.count
            else excluded.count end`,
          windowStart: sql<number>`case when ${live} then rate_limit_counters.window_start
            else excluded.window_start end`,
        }),
      )
      .returning(['key', 'windowStart', 'count'])
      .execute();
    const totals = new Map(rows.map((r) => [r.key, r]));
    for (const [key, slot] of batch) {
      const total = totals.get(key);
      slot.sending = 0;
      if (!total) continue;
      slot.windowStart = Number(total.windowStart);
      slot.shared = Number(total.count);
      slot.readAt = startedAt;
    }
  }
}

const stores = new WeakMap<Db, SharedCounters>();

/** The shared counters of a PostgreSQL database, one per database a process opened. */
export function sharedCountersOf(db: Db, log: Logger): SharedCounters {
  let store = stores.get(db);
  if (!store) {
    store = new SharedCounters(db, log);
    stores.set(db, store);
  }
  return store;
}
