import type { FastifyBaseLogger } from 'fastify';
import { createTransport } from 'nodemailer';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { addSeconds } from '../values/dates.ts';
import {
  claimDueMails,
  deleteMail,
  findDeletedTodoIds,
  markMailFailed,
  markMailSent,
} from './outbox.repository.ts';
import { describeMailError, MAX_MAIL_ATTEMPTS, retryDelaySeconds } from './retry-policy.ts';

/** Mails claimed at a time: small, so senders in several processes share the work. */
const CLAIM_BATCH = 10;
/**
 * How long a claim holds. It must outlast sending a whole batch in the worst case
 * (10 mails × the timeouts below ≈ 8.5 min); a sender that dies leaves its rows to
 * others once it runs out.
 */
const LEASE_SECONDS = 10 * 60;
/** nodemailer waits minutes by default; a job tick should not. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export interface MailRunCounts {
  sent: number;
  /** Failed this time, to be retried later. */
  failed: number;
  /** Failed for the last allowed time: left unsent in the outbox, with the last error. */
  gaveUp: number;
  /** Reminders whose todo was deleted before they went out: dropped. */
  cancelled: number;
}

/**
 * Sends the due mails of the outbox: claims them in small batches, sends each through
 * SMTP (`config.smtpUrl`) and marks it sent; a failure is recorded and retried with
 * exponential backoff, up to MAX_MAIL_ATTEMPTS. Without an SMTP URL each mail is written
 * to the log (recipient and subject, never the body) and counts as sent.
 *
 * Delivery is at least once: if the process dies between the SMTP server accepting a mail
 * and the row being marked, the mail goes again after the lease.
 */
export async function sendQueuedMails(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  now: Date,
  signal?: AbortSignal,
): Promise<MailRunCounts> {
  const counts: MailRunCounts = { sent: 0, failed: 0, gaveUp: 0, cancelled: 0 };
  const at = now.toISOString();
  const transport = config.smtpUrl
    ? createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS })
    : undefined;
  try {
    while (!signal?.aborted) {
      const batch = await claimDueMails(db.kysely, db.engine, {
        now: at,
        leaseUntil: addSeconds(now, LEASE_SECONDS).toISOString(),
        maxAttempts: MAX_MAIL_ATTEMPTS,
        limit: CLAIM_BATCH,
      });
      // A reminder for a todo deleted meanwhile would point at a 404: it is dropped.
      // Other kinds report something that happened, so they go out regardless.
      const deleted = await findDeletedTodoIds(
        db.kysely,
        batch.flatMap((m) => (m.kind === 'reminder' && m.todoId !== null ? [m.todoId] : [])),
      );
      for (const mail of batch) {
        if (mail.todoId !== null && deleted.has(mail.todoId)) {
          await deleteMail(db.kysely, mail.id);
          log.info({ mailId: mail.id, todoId: mail.todoId }, 'reminder dropped: todo deleted');
          counts.cancelled++;
          continue;
        }
        try {
          if (transport) {
            await transport.sendMail({
              from: config.mailFrom,
              to: mail.toAddress,
              subject: mail.subject,
              text: mail.bodyText,
            });
          } else {
            log.info(
              { mailId: mail.id, to: mail.toAddress, subject: mail.subject, kind: mail.kind },
              'mail logged, not sent: BZCTRL_SMTP_URL is not set',
            );
          }
        } catch (err) {
          const error = describeMailError(err);
          const context = { mailId: mail.id, to: mail.toAddress, attempts: mail.attempts, error };
          if (mail.attempts >= MAX_MAIL_ATTEMPTS) {
            // Left unsent with its last error; the claim never picks it up again.
            await markMailFailed(db.kysely, mail.id, error, at);
            log.error(context, `mail given up after ${mail.attempts} attempts`);
            counts.gaveUp++;
          } else {
            const retryAt = addSeconds(now, retryDelaySeconds(mail.attempts));
            await markMailFailed(db.kysely, mail.id, error, retryAt.toISOString());
            log.warn({ ...context, retryAt }, 'sending mail failed; will retry');
            counts.failed++;
          }
          continue;
        }
        await markMailSent(db.kysely, mail.id, at);
        counts.sent++;
      }
      if (batch.length < CLAIM_BATCH) break;
    }
  } finally {
    transport?.close();
  }
  return counts;
}
