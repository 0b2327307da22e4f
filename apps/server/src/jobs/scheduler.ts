import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';

/** Starts the background jobs (reminders, expiry, mail); returns a function that stops them. */
export function scheduleJobs(
  _db: Db,
  _config: Config,
  _log: FastifyBaseLogger,
): () => Promise<void> {
  return async () => {};
}
