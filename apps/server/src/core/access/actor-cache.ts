import type { Kysely } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { Database } from '../../platform/db/tables.ts';

/**
 * A process's cache of resolved credentials (access tokens and session cookies, by
 * digest), so an authenticated request normally makes no query.
 *
 * What keeps it honest:
 * - Every change that can end or alter access (a revocation, a user, client, membership
 *   or workspace change, provisioning, a sign-out) calls `bumpAuthGeneration` inside its
 *   transaction, which adds one to the `auth_generation` row.
 * - In the process that made the change, the cache stops answering at once (from the
 *   bump, before the commit) and asks the database on every request until the new value
 *   is visible there, i.e. committed; then it starts again empty. So the change holds
 *   from the next request on, even when the commit comes later (an Idempotency-Key
 *   keeps the transaction open until the answer is written).
 * - Every other process reads the row at most every `CHECK_EVERY_MS`, lazily on a
 *   request (an idle process makes no query), and empties its cache when the value
 *   moved: a change committed elsewhere binds it within that interval plus one query.
 * - A load that began before the cache was emptied is not stored (it may have read the
 *   state before the change). Unknown credentials are never stored, so a token issued
 *   by another process works at once. Each entry keeps its expiry, checked on every use.
 */

/** How stale a process's view of other processes' changes may get (the docs say 1 s). */
export const CHECK_EVERY_MS = 250;
/** Entries kept per database; the least recently used goes first. */
const MAX_ENTRIES = 10_000;
/**
 * How long a change this process made may keep its cache off while its commit is not
 * visible. A change known to be rolled back ends at once (`dropAuthChange`); this bounds
 * one rolled back unseen (a held transaction; the idempotency layer's hold is 15 s).
 */
const PENDING_LIMIT_MS = 30_000;

/** A change to access made by this process, from its bump until its transaction ends. */
export interface AuthChange {
  readonly databaseId: string;
  readonly value: number;
}

interface Pending extends AuthChange {
  deadline: number;
}

interface Entry {
  value: unknown;
  expiresAtMs: number;
}

export interface CacheStats {
  /** Answers from the cache. */
  hits: number;
  /** Lookups that went to the database. */
  loads: number;
  /** Reads of the `auth_generation` row. */
  generationReads: number;
}

const readGeneration = preparedQuery((db) =>
  db.selectFrom('authGeneration').select(['value', 'databaseId']).where('id', '=', 1),
);

class CredentialCache {
  readonly stats: CacheStats = { hits: 0, loads: 0, generationReads: 0 };
  readonly #db: Kysely<Database>;
  readonly #entries = new Map<string, Entry>();
  /** Emptying the cache moves this on; a load started under an older epoch is not kept. */
  #epoch = 0;
  #databaseId: string | null = null;
  #known: number | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | null = null;
  #pending: Pending[] = [];

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * The value stored under `key`, else what `load` finds (kept until `expiresAtMs` if the
   * cache is on and nothing changed meanwhile). `undefined` (unknown, expired, revoked)
   * is never kept.
   */
  async get<T>(
    key: string,
    nowMs: number,
    load: () => Promise<{ value: T; expiresAtMs: number } | undefined>,
  ): Promise<T | undefined> {
    await this.#confirm();
    if (this.#pending.length === 0) {
      const hit = this.#entries.get(key);
      if (hit) {
        this.#entries.delete(key);
        this.stats.hits++;
        // Expired: refused without asking (the database would say the same).
        if (hit.expiresAtMs <= nowMs) return undefined;
        // Re-inserted: a Map keeps insertion order, so the first key is the least used.
        this.#entries.set(key, hit);
        return hit.value as T;
      }
    }
    const epoch = this.#epoch;
    this.stats.loads++;
    const found = await load();
    if (!found) return undefined;
    if (this.#pending.length === 0 && this.#epoch === epoch && found.expiresAtMs > nowMs) {
      if (this.#entries.size >= MAX_ENTRIES) {
        this.#entries.delete(this.#entries.keys().next().value as string);
      }
      this.#entries.set(key, { value: found.value, expiresAtMs: found.expiresAtMs });
    }
    return found.value;
  }

  /** Empties the cache; loads in flight are not kept. */
  clear(): void {
    this.#entries.clear();
    this.#epoch++;
  }

  /** A change by this process (inside its transaction): off until it is visible. */
  changed(change: AuthChange): void {
    if (this.#databaseId !== null && this.#databaseId !== change.databaseId) return;
    this.#pending.push({ ...change, deadline: performance.now() + PENDING_LIMIT_MS });
    this.clear();
  }

  /** The change was rolled back: it will never be visible, so stop waiting for it. */
  dropped(change: AuthChange): void {
    for (const p of this.#pending) {
      if (p.databaseId === change.databaseId && p.value === change.value) p.deadline = 0;
    }
  }

  /**
   * Reads the generation when due (always while a change of ours is pending). On the
   * monotonic clock: a wall clock set back must not stop the checks.
   */
  async #confirm(): Promise<void> {
    if (this.#pending.length === 0 && performance.now() - this.#checkedAt < CHECK_EVERY_MS) {
      return;
    }
    this.#checking ??= this.#check().finally(() => {
      this.#checking = null;
    });
    await this.#checking;
  }

  async #check(): Promise<void> {
    const startedAt = performance.now();
    this.stats.generationReads++;
    const [row] = await readGeneration(this.#db);
    if (!row) throw new Error('auth_generation has no row: run the migrations');
    const value = Number(row.value);
    if (value !== this.#known || row.databaseId !== this.#databaseId) this.clear();
    this.#known = value;
    this.#databaseId = row.databaseId;
    this.#checkedAt = startedAt;
    if (this.#pending.length > 0) {
      const now = performance.now();
      this.#pending = this.#pending.filter(
        (p) => p.databaseId === row.databaseId && p.value > value && p.deadline > now,
      );
      // The last change is visible (or given up on): start again from empty.
      if (this.#pending.length === 0) this.clear();
    }
  }
}

/** One cache per database a process opened (tests open several in one process). */
const caches = new WeakMap<Kysely<Database>, CredentialCache>();
const live = new Set<WeakRef<CredentialCache>>();

/** The credential cache of a database (the process's own `Db.kysely`, not a transaction). */
export function credentialCacheOf(db: Kysely<Database>): CredentialCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new CredentialCache(db);
    caches.set(db, cache);
    live.add(new WeakRef(cache));
  }
  return cache;
}

function eachCache(fn: (cache: CredentialCache) => void): void {
  for (const ref of live) {
    const cache = ref.deref();
    if (cache) fn(cache);
    else live.delete(ref);
  }
}

/**
 * Records a change to access inside its transaction `trx`: adds one to the generation
 * (so other processes notice) and turns this process's cache off until the change is
 * visible, i.e. committed, whenever that is. Call `dropAuthChange` if it rolls back.
 */
export async function bumpAuthGeneration(trx: Executor): Promise<AuthChange> {
  const row = await trx
    .updateTable('authGeneration')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('id', '=', 1)
    .returning(['value', 'databaseId'])
    .executeTakeFirstOrThrow();
  const change = { databaseId: row.databaseId, value: Number(row.value) };
  eachCache((cache) => cache.changed(change));
  return change;
}

/** The change's transaction rolled back (with its bump): the cache need not wait for it. */
export function dropAuthChange(change: AuthChange): void {
  eachCache((cache) => cache.dropped(change));
}

/**
 * Runs `fn` in a transaction of its own, for changes to access outside the admin API
 * (revocations, sign-out); `fn` tells whether it changed anything, and only then is the
 * generation moved (re-revoking a revoked token costs the other processes nothing).
 */
export async function authChangeTransaction(
  db: Kysely<Database>,
  fn: (trx: Executor) => Promise<boolean>,
): Promise<boolean> {
  let change: AuthChange | undefined;
  try {
    return await db.transaction().execute(async (trx) => {
      const changed = await fn(trx);
      if (changed) change = await bumpAuthGeneration(trx);
      return changed;
    });
  } catch (err) {
    if (change) dropAuthChange(change);
    throw err;
  }
}
