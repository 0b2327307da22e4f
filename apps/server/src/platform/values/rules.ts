/**
 * Value rules every layer shares: an e-mail address, an EUR amount, a catalog key.
 * One definition each, so the API, the core and the published form contract agree.
 */

/** The longest e-mail address accepted (RFC 5321's path limit less the brackets). */
export const EMAIL_MAX_LENGTH = 254;

/** Something@domain.tld: no spaces, one `@`, at least one dot in the domain. */
export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function isEmail(value: string): boolean {
  return value.length <= EMAIL_MAX_LENGTH && EMAIL.test(value);
}

/**
 * What is wrong with an e-mail address, in the words every client shows at the field
 * (@bzctrl/form-contract's `emailMessage` says the same); undefined when it is one.
 * `gate.clerk@example` is refused: a domain without an ending (`.com`) reaches no one.
 */
export function emailProblem(value: string): string | undefined {
  const text = value.trim();
  if (isEmail(text)) return undefined;
  if (text.length > EMAIL_MAX_LENGTH) return `Use at most ${EMAIL_MAX_LENGTH} characters.`;
  const at = text.indexOf('@');
  const domain = text.slice(at + 1);
  if (at > 0 && !/\s/.test(text) && !domain.includes('@') && domain && !domain.includes('.'))
    return 'The domain has no ending such as .com: enter the full address, like name@example.com.';
  return 'Enter an e-mail address, like name@example.com.';
}

/** Amounts stay below 10^13 EUR, so cents fit a JavaScript number exactly. */
export const AMOUNT_MAX_WHOLE_DIGITS = 13;

/**
 * The amount pattern the form contract publishes: what `parseAmountCents` accepts from
 * a string, so a client that checks by it never refuses an amount the server takes.
 */
export const AMOUNT_PATTERN = `^\\s*\\+?\\d{1,${AMOUNT_MAX_WHOLE_DIGITS}}(\\.\\d{0,2})?\\s*$`;

/**
 * Parses an EUR amount to integer cents without floating point: `123`, `"1234.50"`,
 * `1234.5`. Returns a message for anything else.
 */
export function parseAmountCents(value: number | string): number | string {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (typeof value === 'number' && !Number.isFinite(value)) return 'must be a finite number';
  if (/^-/.test(text)) return 'must not be negative';
  if (/,/.test(text))
    return 'use a dot as decimal separator and no thousands separators, e.g. 1234.50';
  const m = /^\+?(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return 'must be an amount in EUR, e.g. 1234.50';
  const whole = (m[1] ?? '').replace(/^0+(?=\d)/, '');
  const fraction = m[2] ?? '';
  if (fraction.length > 2)
    return 'must not have more than 2 decimals (amounts are exact to the cent)';
  if (whole.length > AMOUNT_MAX_WHOLE_DIGITS)
    return `must be below 10^${AMOUNT_MAX_WHOLE_DIGITS} EUR`;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/**
 * Cents back to the wire form: always two decimals, e.g. `"1234.50"`. A BigInt (a sum
 * from the database) is divided as a BigInt, so no total is ever rounded.
 */
export function formatCents(cents: number | bigint): string {
  if (typeof cents === 'bigint') return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
  const whole = Math.floor(cents / 100);
  return `${whole}.${String(cents % 100).padStart(2, '0')}`;
}

/** Domain, workspace and catalog keys compare trimmed and upper-case: " ops " is OPS. */
export function normalizeKey(s: string): string {
  return s.trim().toUpperCase();
}
