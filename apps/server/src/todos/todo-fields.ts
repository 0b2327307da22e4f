import type { FieldErrors } from '../errors.ts';
import { isCalendarDate } from '../shared/dates.ts';

export const TODO_TYPES = ['TASK', 'INCIDENT'] as const;
export const LEVELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export const STATUSES = ['TODO', 'INPROGRESS', 'DONE', 'EXPIRED'] as const;
/** What a caller may set; EXPIRED is the system's. */
export const SETTABLE_STATUSES = ['TODO', 'INPROGRESS', 'DONE'] as const;

export type TodoType = (typeof TODO_TYPES)[number];
export type Level = (typeof LEVELS)[number];
export type Status = (typeof STATUSES)[number];

export const LIMITS = {
  title: 300,
  text: 100_000,
  shortText: 200,
  email: 254,
  tags: 50,
  tag: 100,
  categories: 20,
} as const;

/**
 * Matches an enum value case-insensitively, forgiving spaces, underscores and hyphens:
 * "In Progress", "in_progress" and "IN PROGRESS" all give INPROGRESS.
 */
export function normalizeEnum<T extends string>(
  value: string,
  allowed: readonly T[],
): T | undefined {
  const folded = value.toUpperCase().replace(/[\s_-]+/g, '');
  return allowed.find((a) => a === folded);
}

const MAX_WHOLE_DIGITS = 13;

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
  if (whole.length > MAX_WHOLE_DIGITS) return `must be below 10^${MAX_WHOLE_DIGITS} EUR`;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Cents back to the wire form: always two decimals, e.g. `"1234.50"`. */
export function formatCents(cents: number): string {
  const whole = Math.floor(cents / 100);
  return `${whole}.${String(cents % 100).padStart(2, '0')}`;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function isEmail(value: string): boolean {
  return value.length <= LIMITS.email && EMAIL.test(value);
}

/** Input as a dialect hands it over: names are the domain's, values still as sent. */
export interface TodoInput {
  todoType?: unknown;
  title?: unknown;
  description?: unknown;
  result?: unknown;
  financialImpact?: unknown;
  impact?: unknown;
  likelihood?: unknown;
  priority?: unknown;
  status?: unknown;
  assignee?: unknown;
  reporter?: unknown;
  category?: unknown;
  subCategory?: unknown;
  orderID?: unknown;
  lrn?: unknown;
  tags?: unknown;
  reminderDate?: unknown;
}

/** Checked, normalized fields of a new todo (users are still e-mail addresses). */
export interface TodoFields {
  todoType: TodoType;
  title: string;
  description: string;
  result: string | null;
  financialImpactCents: number | null;
  impact: Level | null;
  likelihood: Level | null;
  priority: Level | null;
  status: Status;
  assigneeEmail: string | null;
  reporterEmail: string | null;
  category: string[];
  subCategory: string[];
  orderId: string | null;
  lrn: string | null;
  tags: string[];
  reminderDate: string | null;
}

/** Reads one value as text; empty text is "absent". Numbers are accepted as their text. */
function text(
  errors: FieldErrors,
  field: string,
  value: unknown,
  max: number,
  required = false,
): string | null {
  if (value === undefined || value === null) {
    if (required) errors.add(field, 'is required');
    return null;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    errors.add(field, 'must be a string');
    return null;
  }
  const s = String(value).trim();
  if (s === '') {
    if (required) errors.add(field, 'must not be empty');
    return null;
  }
  if (s.length > max) {
    errors.add(field, `must be at most ${max} characters`);
    return null;
  }
  return s;
}

function oneOf<T extends string>(
  errors: FieldErrors,
  field: string,
  value: unknown,
  allowed: readonly T[],
): T | null {
  const s = text(errors, field, value, LIMITS.shortText);
  if (s === null) return null;
  const hit = normalizeEnum(s, allowed);
  if (!hit) errors.add(field, `"${s}" is not one of ${allowed.join(', ')}`);
  return hit ?? null;
}

/** A list of strings, or one string; `""` means none. Trimmed, empty items dropped, deduplicated. */
function list(
  errors: FieldErrors,
  field: string,
  value: unknown,
  maxItems: number,
  maxLength: number,
): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      errors.add(Array.isArray(value) ? `${field}[${i}]` : field, 'must be a string');
      continue;
    }
    const s = String(item).trim();
    if (s === '') continue;
    if (s.length > maxLength) {
      errors.add(
        Array.isArray(value) ? `${field}[${i}]` : field,
        `must be at most ${maxLength} characters`,
      );
      continue;
    }
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > maxItems) errors.add(field, `must have at most ${maxItems} items`);
  return out;
}

function email(errors: FieldErrors, field: string, value: unknown): string | null {
  const s = text(errors, field, value, LIMITS.email);
  if (s === null) return null;
  if (!isEmail(s)) {
    errors.add(field, `"${s}" is not a valid e-mail address`);
    return null;
  }
  return s.toLowerCase();
}

/**
 * Checks and normalizes the fields of a new todo, collecting every problem into `errors`
 * (field names are the domain's; dialects rename them for their wire format).
 */
export function parseNewTodo(input: TodoInput, errors: FieldErrors): TodoFields {
  const todoType = oneOf(errors, 'todoType', input.todoType, TODO_TYPES);
  if (input.todoType === undefined || input.todoType === null || input.todoType === '') {
    if (!errors.list.some((e) => e.field === 'todoType'))
      errors.add('todoType', 'is required (TASK or INCIDENT)');
  }
  let status: Status = 'INPROGRESS';
  const statusText = text(errors, 'status', input.status, LIMITS.shortText);
  if (statusText !== null) {
    const s = normalizeEnum(statusText, STATUSES);
    if (s === 'EXPIRED')
      errors.add('status', 'EXPIRED is set by the system only; use TODO, INPROGRESS or DONE');
    else if (!s)
      errors.add('status', `"${statusText}" is not one of ${SETTABLE_STATUSES.join(', ')}`);
    else status = s;
  }
  let financialImpactCents: number | null = null;
  const amount = input.financialImpact;
  if (typeof amount === 'number' || (typeof amount === 'string' && amount.trim() !== '')) {
    const parsed = parseAmountCents(amount);
    if (typeof parsed === 'string') errors.add('financialImpact', parsed);
    else financialImpactCents = parsed;
  } else if (amount !== undefined && amount !== null && amount !== '') {
    errors.add('financialImpact', 'must be a number or a numeric string in EUR, e.g. "1234.50"');
  }
  let reminderDate = text(errors, 'reminderDate', input.reminderDate, 10 + 20);
  if (reminderDate !== null && !isCalendarDate(reminderDate)) {
    errors.add(
      'reminderDate',
      `"${reminderDate}" is not a real calendar date in the form YYYY-MM-DD`,
    );
    reminderDate = null;
  }
  const orderId = text(errors, 'orderID', input.orderID, LIMITS.tag);
  const lrn = text(errors, 'lrn', input.lrn, LIMITS.tag);
  const tags = list(errors, 'tags', input.tags, LIMITS.tags, LIMITS.tag);
  // orderID and LRN are stored and also added as tags (seed 000: "Set as Tag").
  for (const t of [orderId, lrn]) if (t !== null && !tags.includes(t)) tags.push(t);
  return {
    todoType: todoType ?? 'TASK',
    title: text(errors, 'title', input.title, LIMITS.title, true) ?? '',
    description: text(errors, 'description', input.description, LIMITS.text, true) ?? '',
    result: text(errors, 'result', input.result, LIMITS.text),
    financialImpactCents,
    impact: oneOf(errors, 'impact', input.impact, LEVELS),
    likelihood: oneOf(errors, 'likelihood', input.likelihood, LEVELS),
    priority: oneOf(errors, 'priority', input.priority, LEVELS),
    status,
    assigneeEmail: email(errors, 'assignee', input.assignee),
    reporterEmail: email(errors, 'reporter', input.reporter),
    category: list(errors, 'category', input.category, LIMITS.categories, LIMITS.tag),
    subCategory: list(errors, 'subCategory', input.subCategory, LIMITS.categories, LIMITS.tag),
    orderId,
    lrn,
    tags,
    reminderDate,
  };
}

/** Zero-padded to at least two digits: `IMP-NLD-EXA-SWA-03`. */
export function formatTodoKey(workspaceKey: string, seq: number): string {
  return `${workspaceKey}-${String(seq).padStart(2, '0')}`;
}
