import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { addSeconds } from '../shared/dates.ts';
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

/** Sweeps now and then every `everyMs`; returns the stop function. */
export function scheduleAuthSweep(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  everyMs = 60 * 60 * 1000,
): () => void {
  const run = () =>
    sweepAuthTables(db, config).then(
      (n) => {
        if (n.tokens + n.throttles > 0) log.info(n, 'swept expired tokens and sign-in counters');
      },
      (err) => log.warn({ err }, 'sweeping expired tokens failed; retrying at the next interval'),
    );
  const timer = setInterval(run, everyMs);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
