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
 * Begins a transaction and hands it over open. On SQLite it is a member of the write
 * batch (group-commit.ts), which holds the write lock from its start, so a
 * read-then-write cannot deadlock on the upgrade; with `lock`, PostgreSQL serializes it
 * with others under the same transaction-scoped advisory lock (as
 * `serializedTransaction` does).
 */
export async function beginHeldTransaction(db: Db, lock?: string): Promise<HeldTransaction> {
  const trx = await db.kysely.startTransaction().execute();
  if (lock !== undefined && db.engine === 'postgres') {
    try {
      await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
    } catch (err) {
      await trx.rollback().execute();
      throw err;
    }
  }
  let ended: Promise<void> | undefined;
  return {
    trx,
    commit: () => {
      ended ??= trx
        .commit()
        .execute()
        .catch(async (err: unknown) => {
          // A refused COMMIT: PostgreSQL has ended the transaction, SQLite's batch was
          // rolled back; this only gives the connection back.
          await trx
            .rollback()
            .execute()
            .catch(() => undefined);
          throw err;
        });
      return ended;
    },
    rollback: () => {
      ended ??= trx.rollback().execute();
      return ended.catch(() => undefined);
    },
    savepoint: async (fn) => {
      const name = sql.raw(`bz_sp_${++savepoints}`);
      await sql`savepoint ${name}`.execute(trx);
      try {
        const result = await fn(trx);
        await sql`release savepoint ${name}`.execute(trx);
        return result;
      } catch (err) {
        await sql`rollback to savepoint ${name}`.execute(trx);
        await sql`release savepoint ${name}`.execute(trx);
        throw err;
      }
    },
  };
}
