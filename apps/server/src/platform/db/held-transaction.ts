import { type Kysely, sql } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './tables.ts';

/**
 * A transaction whose end is decided later, by whoever holds it: the idempotency layer
 * keeps a keyed request's change open until its answer is written beside it, so both
 * commit together or neither does.
 */
export interface HeldTransaction {
  /** The connection, inside the transaction (repositories take it as their executor). */
  readonly trx: Kysely<Database>;
  /** Commits; rejects (after rolling back) when the database refuses the commit. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Runs `fn` in a savepoint: what it throws undoes only its own statements. */
  savepoint<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
}

let savepoints = 0;

/**
 * Begins a transaction on a connection of its own and hands it over open. SQLite takes
 * the write lock at once (`BEGIN IMMEDIATE`), so a read-then-write cannot deadlock on
 * the upgrade; with `lock`, PostgreSQL serializes it with others under the same
 * transaction-scoped advisory lock (as `serializedTransaction` does).
 */
export function beginHeldTransaction(db: Db, lock?: string): Promise<HeldTransaction> {
  return new Promise<HeldTransaction>((handOver, failToBegin) => {
    let decide: (commit: boolean) => void = () => {};
    const decision = new Promise<boolean>((resolve) => {
      decide = resolve;
    });
    let handedOver = false;
    // The connection stays ours until `decision` settles; Kysely releases it afterwards.
    const ended = db.kysely.connection().execute(async (conn) => {
      await sql.raw(db.engine === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
      try {
        if (lock !== undefined && db.engine === 'postgres') {
          await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(conn);
        }
      } catch (err) {
        await sql.raw('rollback').execute(conn);
        throw err;
      }
      handedOver = true;
      handOver({
        trx: conn,
        commit: () => {
          decide(true);
          return ended;
        },
        rollback: () => {
          decide(false);
          return ended.catch(() => undefined);
        },
        savepoint: async (fn) => {
          const name = sql.raw(`bz_sp_${++savepoints}`);
          await sql`savepoint ${name}`.execute(conn);
          try {
            const result = await fn(conn);
            await sql`release savepoint ${name}`.execute(conn);
            return result;
          } catch (err) {
            await sql`rollback to savepoint ${name}`.execute(conn);
            await sql`release savepoint ${name}`.execute(conn);
            throw err;
          }
        },
      });
      if (!(await decision)) {
        await sql.raw('rollback').execute(conn);
        return;
      }
      try {
        await sql.raw('commit').execute(conn);
      } catch (err) {
        // SQLite keeps the transaction open after a failed COMMIT; PostgreSQL has ended it.
        await sql
          .raw('rollback')
          .execute(conn)
          .catch(() => undefined);
        throw err;
      }
    });
    ended.catch((err: unknown) => {
      if (!handedOver) failToBegin(err);
    });
  });
}
