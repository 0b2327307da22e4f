/** Attempts after which a mail is given up (about 8.5 hours of retrying, see below). */
export const MAX_MAIL_ATTEMPTS = 10;

const FIRST_RETRY_SECONDS = 60;
const MAX_RETRY_SECONDS = 6 * 3600;

/**
 * Seconds to wait before the next attempt after `attempts` failed ones: 1 min, 2, 4, …
 * doubling up to 6 h, so a short SMTP outage costs minutes and a long one does not
 * hammer the server.
 */
export function retryDelaySeconds(attempts: number): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** exponent);
}

/**
 * What an SMTP error may leave in `mail_outbox.last_error` and the log: its code and
 * message, with any credentials of a connection URL masked, and bounded in length.
 */
export function describeMailError(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [
    typeof e?.code === 'string' ? e.code : undefined,
    typeof e?.responseCode === 'number' ? String(e.responseCode) : undefined,
    typeof e?.message === 'string' ? e.message : String(err),
  ].filter((p): p is string => p !== undefined && p !== '');
  return parts
    .join(': ')
    .replace(/\/\/[^/@\s]+@/g, '//***@')
    .slice(0, 500);
}
