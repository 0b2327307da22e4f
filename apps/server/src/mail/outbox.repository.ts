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
