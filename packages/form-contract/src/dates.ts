import { isDate } from './check.ts';

/** `now`'s calendar day (`YYYY-MM-DD`) where the user is: the day a date input compares with. */
export function localDay(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Whether a reminder or due date (`YYYY-MM-DD`) lies before `now`'s day. A warning, never a
 * refusal: the server takes a past date, and the todo then reminds or expires at once.
 * Today is not past; an empty or malformed value is not either (the field's check says so).
 */
export function isPastDate(value: string | null | undefined, now: Date): boolean {
  if (!value || !isDate(value)) return false;
  return value < localDay(now);
}
