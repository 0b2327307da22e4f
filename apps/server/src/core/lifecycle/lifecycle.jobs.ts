import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { dateInZone } from '../../platform/values/dates.ts';
import { recordTodoChange } from '../todos/todo-change.ts';
import {
  lockOverdueTodos,
  lockTodosNeedingReminder,
  markRemindersSent,
  markTodosExpired,
} from './lifecycle.repository.ts';
import { reminderMail } from './reminder-mail.ts';

/** Todos handled per transaction at most: bounded locks and memory whatever the backlog. */
export const JOB_BATCH_SIZE = 100;

/**
 * About how long one batch may hold the event loop (ms). On SQLite a batch never waits
 * for I/O, and a request needs several turns of the loop, each waiting for the batch in
 * progress: when each batch of a reminder backlog took ~180 ms (its look for work read
 * every past reminder date before migration 015), requests waited 250–500 ms.
 */
export const JOB_SLICE_MS = 20;

/** The audit trail's actor for what the system does by itself. */

export interface JobOptions {
  /** Todos per transaction at most (default JOB_BATCH_SIZE). */
  batchSize?: number;
  /** Time a batch should take at most, in ms (default JOB_SLICE_MS). */
  sliceMs?: number;
  /** Stops between batches (the server is shutting down). */
  signal?: AbortSignal;
  /** Told after each batch how many todos it was allowed and how many it handled. */
  onBatch?: (batch: { limit: number; handled: number }) => void;
}

/**
 * Runs `batch` in a transaction of its own until the work is done: a full batch may mean
 * more, but one that handled nothing must not spin. Stops early when `opts.signal` aborts.
 * A batch that took longer than `sliceMs` makes the next ones smaller (down to one todo),
 * quick ones let them grow back to `batchSize`. Returns how many todos were handled in
 * all.
 */
async function inBatches(
  db: Db,
  opts: JobOptions,
  batch: (trx: Executor, limit: number) => Promise<{ found: number; handled: number }>,
): Promise<number> {
  const max = opts.batchSize ?? JOB_BATCH_SIZE;
  const slice = opts.sliceMs ?? JOB_SLICE_MS;
  let limit = max;
  let total = 0;
  for (;;) {
    const started = performance.now();
    const { found, handled } = await db.kysely.transaction().execute((trx) => batch(trx, limit));
    const took = performance.now() - started;
    total += handled;
    opts.onBatch?.({ limit, handled });
    if (found < limit || handled === 0 || opts.signal?.aborted) return total;
    limit =
      took > slice ? Math.max(1, Math.floor((limit * slice) / took)) : Math.min(max, limit * 2);
  }
}

/**
 * Queues one reminder mail to the assignee of every open todo whose reminder date has
 * come (today in `config.timeZone`) and that has not been reminded for that date, and
 * records the date in `reminder_sent_for` with a 'remind' audit event, all in the batch's
 * transaction: either the mail is queued and the todo marked, or neither. A disabled
 * assignee gets no mail, but the todo is marked all the same so it is not retried every
 * tick. Returns how many todos were reminded.
 */
export async function sendDueReminders(
  db: Db,
  config: Config,
  now: Date,
  opts: JobOptions = {},
): Promise<number> {
  const today = dateInZone(now, config.timeZone);
  const at = now.toISOString();
  return inBatches(db, opts, async (trx, limit) => {
    const candidates = await lockTodosNeedingReminder(trx, db.engine, today, limit);
    const marked = await markRemindersSent(
      trx,
      candidates.map((c) => c.id),
      today,
    );
    const reminded = candidates.filter((c) => marked.has(c.id));
    for (const c of reminded) {
      await recordTodoChange(trx, {
        by: { system: true, at },
        todo: c,
        action: 'remind',
        changes: { reminderSentFor: [c.reminderSentFor, c.reminderDate] },
        mails: c.assigneeDisabled ? [] : [reminderMail(c, config.publicUrl)],
      });
    }
    return { found: candidates.length, handled: reminded.length };
  });
}

/**
 * Marks EXPIRED every open todo whose due date is before today (in `config.timeZone`),
 * bumping `updated_at`, with an 'expire' audit event in the same transaction. DONE and
 * deleted todos are left alone. Returns how many todos expired.
 */
export async function expireOverdueTodos(
  db: Db,
  config: Config,
  now: Date,
  opts: JobOptions = {},
): Promise<number> {
  const today = dateInZone(now, config.timeZone);
  const at = now.toISOString();
  return inBatches(db, opts, async (trx, limit) => {
    const candidates = await lockOverdueTodos(trx, db.engine, today, limit);
    const expired = await markTodosExpired(
      trx,
      candidates.map((c) => c.id),
      today,
      at,
    );
    for (const c of candidates.filter((c) => expired.has(c.id))) {
      await recordTodoChange(trx, {
        by: { system: true, at },
        todo: c,
        action: 'expire',
        changes: { status: [c.status, 'EXPIRED'] },
      });
    }
    return { found: candidates.length, handled: expired.size };
  });
}
