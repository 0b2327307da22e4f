import type { Db } from '../db/database.ts';
import { serializedTransaction } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import { beginHeldTransaction, type HeldTransaction } from '../db/held-transaction.ts';
import { AppError } from '../errors.ts';
import { claimKey, type KeyClaim } from './idempotency.repository.ts';

/**
 * A request that carries an Idempotency-Key, from its key check to its answer. Its
 * change and the key's stored answer commit in one transaction: after any crash either
 * both exist (a retry gets the first answer) or neither (a retry runs afresh).
 */
export interface KeyedRequest {
  readonly claim: KeyClaim;
  /** The request's change, held open until its answer is written beside it. */
  held: HeldTransaction | null;
  /** Another request with this key committed first: answer with its stored response. */
  taken: boolean;
  /** The hold outlived HOLD_LIMIT_MS and was rolled back: the request must not succeed. */
  abandoned: boolean;
  /** What undoes the change's effects outside the database (a stored file) on rollback. */
  onRollback: Array<() => Promise<void>>;
  /** The answer was recorded (or deliberately not): later writes are plain again. */
  answered: boolean;
  timer: NodeJS.Timeout | null;
}

/**
 * How long a change may wait for its answer. A handler takes microseconds from its
 * write to its answer; this bound only keeps a bug from holding SQLite's one writer.
 */
const HOLD_LIMIT_MS = 15_000;

export function keyedRequest(claim: KeyClaim): KeyedRequest {
  return {
    claim,
    held: null,
    taken: false,
    abandoned: false,
    answered: false,
    onRollback: [],
    timer: null,
  };
}

/** Rolls back a keyed request's held change and undoes its effects outside the database. */
export async function rollBackHeld(keyed: KeyedRequest, held: HeldTransaction): Promise<void> {
  await held.rollback();
  const undo = keyed.onRollback.splice(0);
  for (const fn of undo) await fn().catch(() => undefined);
}

/** Takes the open change from a keyed request (for its answer), stopping its bound. */
export function takeHeld(keyed: KeyedRequest): HeldTransaction | null {
  const held = keyed.held;
  keyed.held = null;
  if (keyed.timer) clearTimeout(keyed.timer);
  keyed.timer = null;
  return held;
}

/** What a write needs: the database, and the key of the request it serves, if any. */
export interface WriteCtx {
  readonly db: Db;
  readonly keyed?: KeyedRequest | null;
  readonly log?: { error(obj: object, msg: string): void };
}

/**
 * The one way a service runs a write: `fn` in a transaction. Without an
 * Idempotency-Key it commits when `fn` returns. With one, the key is taken inside the
 * same transaction, which stays open until the idempotency layer has written the answer
 * into it and commits both (see idempotency.plugin.ts). A second write in the same
 * request joins the first as a savepoint. `lock` serializes the transaction with others
 * taking the same lock (see `serializedTransaction`).
 */
export async function writeTransaction<T>(
  ctx: WriteCtx,
  fn: (trx: Executor) => Promise<T>,
  opts: { lock?: string; onRollback?: () => Promise<void> } = {},
): Promise<T> {
  const keyed = ctx.keyed;
  if (!keyed || keyed.answered) {
    return opts.lock === undefined
      ? ctx.db.kysely.transaction().execute(fn)
      : serializedTransaction(ctx.db, opts.lock, fn);
  }
  if (keyed.held) {
    const result = await keyed.held.savepoint(fn);
    if (opts.onRollback) keyed.onRollback.push(opts.onRollback);
    return result;
  }
  const held = await beginHeldTransaction(ctx.db, opts.lock);
  let result: T;
  try {
    if (!(await claimKey(held.trx, keyed.claim))) {
      // Committed by a request with the same key while this one ran: its answer is ours.
      keyed.taken = true;
      throw new AppError(
        'conflict',
        'A request with this Idempotency-Key was done meanwhile; retry to get its answer',
        [],
        { 'Retry-After': '1' },
      );
    }
    result = await fn(held.trx);
  } catch (err) {
    await held.rollback();
    throw err;
  }
  keyed.held = held;
  if (opts.onRollback) keyed.onRollback.push(opts.onRollback);
  keyed.timer = setTimeout(() => {
    const open = takeHeld(keyed);
    if (!open) return;
    keyed.abandoned = true;
    ctx.log?.error({ key: keyed.claim.key }, 'a keyed change waited too long for its answer');
    void rollBackHeld(keyed, open);
  }, HOLD_LIMIT_MS);
  keyed.timer.unref();
  return result;
}

/**
 * The database as a keyed request sees it: once its change is held open, every query of
 * the request runs inside that change (it reads its own writes, and on SQLite it would
 * otherwise wait for the one connection it holds itself).
 */
export function requestDb(db: Db, keyed: KeyedRequest | null): Db {
  if (!keyed) return db;
  return {
    get kysely() {
      return keyed.held?.trx ?? db.kysely;
    },
    engine: db.engine,
    sqliteFile: db.sqliteFile,
    reader: db.reader,
    replicas: db.replicas,
    primary: db.primary ?? db,
    writeBatches: db.writeBatches,
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
