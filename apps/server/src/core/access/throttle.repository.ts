import type { Executor } from '../../platform/db/executor.ts';

/** Failures in the current window for a key, or 0 when the window has passed. */
export async function currentFailures(
  db: Executor,
  key: string,
  windowStartAfter: string,
): Promise<{ failures: number; windowStart: string } | undefined> {
  return db
    .selectFrom('loginThrottle')
    .select(['failures', 'windowStart'])
    .where('key', '=', key)
    .where('windowStart', '>', windowStartAfter)
    .executeTakeFirst();
}

/**
 * Counts one attempt, opening a new window when the old one has passed, and returns the
 * count including it. Atomic, so parallel attempts each see a different count.
 */
export async function countAttempt(
  db: Executor,
  key: string,
  now: string,
  windowStartAfter: string,
): Promise<{ failures: number; windowStart: string }> {
  const row = await db
    .insertInto('loginThrottle')
    .values({ key, windowStart: now, failures: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        failures: eb
          .case()
          .when('loginThrottle.windowStart', '>', windowStartAfter)
          .then(eb('loginThrottle.failures', '+', 1))
          .else(1)
          .end(),
        windowStart: eb
          .case()
          .when('loginThrottle.windowStart', '>', windowStartAfter)
          .then(eb.ref('loginThrottle.windowStart'))
          .else(now)
          .end(),
      })),
    )
    .returning(['failures', 'windowStart'])
    .executeTakeFirstOrThrow();
  return { failures: Number(row.failures), windowStart: row.windowStart };
}

/** Takes back an attempt counted by `countAttempt` that turned out to succeed. */
export async function uncountAttempt(db: Executor, key: string): Promise<void> {
  await db
    .updateTable('loginThrottle')
    .set((eb) => ({ failures: eb('failures', '-', 1) }))
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute();
}

export async function clearFailures(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('loginThrottle').where('key', '=', key).execute();
}

/** Forgets counters whose window closed before `before`. */
export async function deleteStaleThrottles(db: Executor, before: string): Promise<number> {
  const res = await db
    .deleteFrom('loginThrottle')
    .where('windowStart', '<', before)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
