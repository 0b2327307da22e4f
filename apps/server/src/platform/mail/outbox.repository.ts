import type { Engine } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** `reminder`, `watch`, … */
  kind: string;
  todoId: number | null;
}

/**
 * Queues mails in the caller's transaction; the mail job sends them. A rolled-back change
 * sends nothing, and a crash after the commit loses nothing.
 */
export async function enqueueMails(
  db: Executor,
  mails: OutgoingMail[],
  now: string,
): Promise<void> {
  if (mails.length === 0) return;
  await db
    .insertInto('mailOutbox')
    .values(
      mails.map((m) => ({
        toAddress: m.to,
        subject: m.subject,
        bodyText: m.text,
        kind: m.kind,
        todoId: m.todoId,
        nextAttemptAt: now,
        lockedUntil: null,
        sentAt: null,
        lastError: null,
        createdAt: now,
      })),
    )
    .execute();
}

/** A queued mail claimed by one sender, with the attempt it is on. */
export interface ClaimedMail {
  id: number;
  toAddress: string;
  subject: string;
  bodyText: string;
  kind: string;
  todoId: number | null;
  /** Counting this one: a claim is an attempt, so a sender that crashes mid-send still uses one up. */
  attempts: number;
}

/**
 * Claims up to `limit` mails that are due (unsent, `next_attempt_at` reached, not leased
 * or the lease has run out, attempts left) by leasing them until `leaseUntil`, in one
 * statement. On PostgreSQL the candidates are row-locked with SKIP LOCKED, so senders in
 * other processes take other rows and never the same one; SQLite has a single writer.
 */
export async function claimDueMails(
  db: Executor,
  engine: Engine,
  opts: { now: string; leaseUntil: string; maxAttempts: number; limit: number },
): Promise<ClaimedMail[]> {
  const due = db
    .selectFrom('mailOutbox')
    .select('id')
    .where('sentAt', 'is', null)
    .where('nextAttemptAt', '<=', opts.now)
    .where('attempts', '<', opts.maxAttempts)
    .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', opts.now)]))
    .orderBy('id')
    .limit(opts.limit)
    .$if(engine === 'postgres', (q) => q.forUpdate().skipLocked());
  const rows = await db
    .updateTable('mailOutbox')
    .set((eb) => ({ lockedUntil: opts.leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .where('sentAt', 'is', null)
    .returning(['id', 'toAddress', 'subject', 'bodyText', 'kind', 'todoId', 'attempts'])
    .execute();
  return rows
    .map((r) => ({
      ...r,
      id: Number(r.id),
      todoId: r.todoId === null ? null : Number(r.todoId),
      attempts: Number(r.attempts),
    }))
    .sort((a, b) => a.id - b.id);
}

export async function markMailSent(db: Executor, id: number, now: string): Promise<void> {
  await db
    .updateTable('mailOutbox')
    .set({ sentAt: now, lockedUntil: null, lastError: null })
    .where('id', '=', id)
    .execute();
}

/** Records a failed attempt and when to try again (for a mail given up: never). */
export async function markMailFailed(
  db: Executor,
  id: number,
  error: string,
  nextAttemptAt: string,
): Promise<void> {
  await db
    .updateTable('mailOutbox')
    .set({ lastError: error, lockedUntil: null, nextAttemptAt })
    .where('id', '=', id)
    .execute();
}

export async function deleteMail(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('mailOutbox').where('id', '=', id).execute();
}

/** Of `todoIds`, those deleted since (soft-deleted or gone). */
export async function findDeletedTodoIds(db: Executor, todoIds: number[]): Promise<Set<number>> {
  if (todoIds.length === 0) return new Set();
  const live = await db
    .selectFrom('todos')
    .select('id')
    .where('id', 'in', todoIds)
    .where('deletedAt', 'is', null)
    .execute();
  const alive = new Set(live.map((r) => Number(r.id)));
  return new Set(todoIds.filter((id) => !alive.has(id)));
}
