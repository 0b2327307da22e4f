import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Partial indexes of the open todos the lifecycle jobs look for, each in the job's
 * order: reminder dates of open, live todos whose reminder for that date has not gone
 * out, and due dates of open, live todos. The jobs used `todos_reminder_ix` and
 * `todos_due_ix`, which hold every todo with a date, and sorted what they found by id:
 * at a million todos one look for due reminders read and sorted ~300,000 entries
 * (~280 ms) and one for overdue todos ~400,000 finished ones (~550 ms), every minute,
 * on SQLite on the thread that answers requests. The conditions are the jobs' own
 * (core/lifecycle/lifecycle.repository.ts, `OPEN_LIVE` and `REMINDER_PENDING`) and must
 * stay word for word the same there, or the planner cannot use these indexes.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, _engine: Engine): Promise<void> {
  await sql`CREATE INDEX todos_reminder_pending_ix ON todos (reminder_date, id)
    WHERE deleted_at IS NULL AND status NOT IN ('DONE', 'EXPIRED')
      AND (reminder_sent_for IS NULL OR reminder_sent_for != reminder_date)`.execute(db);
  await sql`CREATE INDEX todos_due_open_ix ON todos (due_date, id)
    WHERE deleted_at IS NULL AND status NOT IN ('DONE', 'EXPIRED')`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>, _engine: Engine): Promise<void> {
  await sql`DROP INDEX IF EXISTS todos_reminder_pending_ix`.execute(db);
  await sql`DROP INDEX IF EXISTS todos_due_open_ix`.execute(db);
}
