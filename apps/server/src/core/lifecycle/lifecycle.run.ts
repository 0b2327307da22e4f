import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { type MailRunCounts, sendQueuedMails } from '../../platform/mail/outbox.sender.ts';
import { removeStaleUploads } from '../attachments/attachments.service.ts';
import { expireOverdueTodos, sendDueReminders } from './lifecycle.jobs.ts';

export interface JobRunCounts extends MailRunCounts {
  reminded: number;
  expired: number;
  staleUploads: number;
}

/**
 * One run of every lifecycle job at `now`: reminders first (so a todo both overdue and
 * due for its reminder still gets it), then expiry, then the mail outbox (so the
 * reminders just queued go out in the same run). A failing job is logged and does not
 * keep the others from running. Safe to run from several processes on one PostgreSQL.
 *
 * @example
 *   const counts = await runJobsOnce(db, config, log, new Date('2026-11-23T08:00:00Z'));
 */
export async function runJobsOnce(
  db: Db,
  config: Config,
  log: Logger,
  now: Date,
  signal?: AbortSignal,
): Promise<JobRunCounts> {
  const counts: JobRunCounts = {
    reminded: 0,
    expired: 0,
    staleUploads: 0,
    sent: 0,
    failed: 0,
    gaveUp: 0,
    cancelled: 0,
  };
  const guarded = async (job: string, run: () => Promise<void>) => {
    if (signal?.aborted) return;
    try {
      await run();
    } catch (err) {
      log.error({ err, job }, `job ${job} failed; it runs again at the next interval`);
    }
  };
  await guarded('reminders', async () => {
    counts.reminded = await sendDueReminders(db, config, now, { signal });
  });
  await guarded('expiry', async () => {
    counts.expired = await expireOverdueTodos(db, config, now, { signal });
  });
  await guarded('uploads', async () => {
    counts.staleUploads = await removeStaleUploads(db, config, now);
  });
  await guarded('mail', async () => {
    Object.assign(counts, await sendQueuedMails(db, config, log, now, signal));
  });
  const nonZero = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  if (Object.keys(nonZero).length > 0) log.info({ jobs: nonZero }, 'lifecycle jobs ran');
  return counts;
}

/**
 * Starts the background jobs (reminders, expiry, mail): a run now and then every
 * `config.jobIntervalSeconds`. A tick is skipped while the previous run is still going,
 * so runs never overlap within a process. Returns a function that stops the timer and
 * waits for a run in progress, which ends after its current batch.
 */
export function scheduleJobs(db: Db, config: Config, log: Logger): () => Promise<void> {
  const abort = new AbortController();
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running || abort.signal.aborted) return;
    running = runJobsOnce(db, config, log, new Date(), abort.signal)
      // runJobsOnce logs its jobs' errors; this catches anything else, so no tick crashes.
      .catch((err) => log.error({ err }, 'lifecycle jobs failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, config.jobIntervalSeconds * 1000);
  timer.unref();
  tick();
  return async () => {
    abort.abort();
    clearInterval(timer);
    await running;
  };
}
