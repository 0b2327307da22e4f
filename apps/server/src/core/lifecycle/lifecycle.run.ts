import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { type MailRunCounts, sendQueuedMails } from '../../platform/mail/outbox.sender.ts';
import { type Repeated, startScheduler } from '../../platform/scheduler.ts';
import { removeStaleUploads } from '../attachments/attachments.service.ts';
import { sweepEvents } from '../events/events.repository.ts';
import { expireOverdueTodos, sendDueReminders } from './lifecycle.jobs.ts';

export interface JobRunCounts extends MailRunCounts {
  reminded: number;
  expired: number;
  staleUploads: number;
  /** Events past the retention (BZCTRL_EVENT_RETENTION_DAYS) deleted from the feed. */
  eventsSwept: number;
}

/**
 * One run of every lifecycle job at `now`: reminders first (so a todo both overdue and
 * due for its reminder still gets it), then expiry, then stale uploads and events past
 * their retention, then the mail outbox (so the reminders just queued go out in the
 * same run). A failing job is logged and does not
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
    eventsSwept: 0,
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
  await guarded('events', async () => {
    const before = new Date(now.getTime() - config.eventRetentionDays * 86_400_000);
    counts.eventsSwept = await sweepEvents(db, before.toISOString());
  });
  await guarded('mail', async () => {
    Object.assign(counts, await sendQueuedMails(db, config, log, now, signal));
  });
  const nonZero = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  if (Object.keys(nonZero).length > 0) log.info({ jobs: nonZero }, 'lifecycle jobs ran');
  return counts;
}

/**
 * The background jobs (reminders, expiry, uploads, mail) as the server's scheduler runs
 * them: every `config.jobIntervalSeconds`; a run in progress ends after its current batch
 * when the server stops.
 */
export function lifecycleJobs(db: Db, config: Config, log: Logger): Repeated {
  return {
    name: 'lifecycle jobs',
    everyMs: config.jobIntervalSeconds * 1000,
    run: async (signal) => {
      await runJobsOnce(db, config, log, new Date(), signal);
    },
  };
}

/** Starts the background jobs alone (a run now, then every interval); returns their stop. */
export function scheduleJobs(db: Db, config: Config, log: Logger): () => Promise<void> {
  return startScheduler(log, [lifecycleJobs(db, config, log)]);
}
