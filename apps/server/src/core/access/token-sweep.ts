import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { deleteExpiredIdempotencyKeys } from '../../platform/idempotency/idempotency.repository.ts';
import type { Repeated } from '../../platform/scheduler.ts';
import { addSeconds } from '../../platform/values/dates.ts';
import { deleteExpiredSessions } from './sessions.repository.ts';
import { deleteStaleThrottles } from './throttle.repository.ts';
import { deleteExpiredTokens } from './tokens.repository.ts';

/**
 * Deletes expired tokens and closed sign-in counters, so neither table grows without
 * bound. Idempotent: several processes may sweep the same database.
 */
export async function sweepAuthTables(db: Db, config: Config, now = new Date()) {
  const tokens = await deleteExpiredTokens(db.kysely, now.toISOString());
  const throttles = await deleteStaleThrottles(
    db.kysely,
    addSeconds(now, -config.loginWindowSeconds).toISOString(),
  );
  return { tokens, throttles };
}

/**
 * The hourly sweep: the auth tables, and Idempotency-Keys past their `expires_at` (kept
 * `idempotencyTtlSeconds`; once deleted, the key is new again).
 */
export async function sweepExpiredRows(db: Db, config: Config, now = new Date()) {
  const auth = await sweepAuthTables(db, config, now);
  const idempotencyKeys = await deleteExpiredIdempotencyKeys(db.kysely, now.toISOString());
  const sessions = await deleteExpiredSessions(db.kysely, now.toISOString());
  return { ...auth, idempotencyKeys, sessions };
}

/** The sweep as the server's scheduler runs it: hourly by default. */
export function authSweep(db: Db, config: Config, log: Logger, everyMs = 60 * 60 * 1000): Repeated {
  return {
    name: 'sweeping expired rows',
    everyMs,
    run: async () => {
      const n = await sweepExpiredRows(db, config);
      if (n.tokens + n.throttles + n.idempotencyKeys + n.sessions > 0)
        log.info(n, 'swept expired tokens, sign-in counters and idempotency keys');
    },
  };
}
