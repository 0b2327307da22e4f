import type { FieldErrors } from '../../platform/errors.ts';
import { isCalendarDate } from '../../platform/values/dates.ts';

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
  externalSystem: 100,
  externalId: 200,
  watchers: 50,
} as const;

/**
 * Matches an enum value case-insensitively, forgiving spaces, underscores and hyphens:
 * "In Progress", "in_progress" and "IN PROGRESS" all give INPROGRESS.
 */
export function normalizeEnum<T extends string>(
  value: string,
  allowed: readonly T[],
): T | undefined {
  // Both sides are folded, so canonical spellings with spaces ("In Progress") match too.
  const fold = (s: string) => s.toUpperCase().replace(/[\s_-]+/g, '');
  const folded = fold(value);
  return allowed.find((a) => fold(a) === folded);
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
  /** `{system, id}`: the todo's identity in the system that created it. */
  externalRef?: unknown;
  dueDate?: unknown;
  /** E-mail addresses of users to notify of changes. */
  watchers?: unknown;
}

/** A todo's reference in an external system (an ERP order, a customs declaration). */
export interface ExternalRef {
  system: string;
  id: string;
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
  dueDate: string | null;
  externalRef: ExternalRef | null;
  watcherEmails: string[];
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

/** A `YYYY-MM-DD` calendar date; `""` and null mean none. */
function date(errors: FieldErrors, field: string, value: unknown): string | null {
  const s = text(errors, field, value, 30);
  if (s !== null && !isCalendarDate(s)) {
    errors.add(field, `"${s}" is not a real calendar date in the form YYYY-MM-DD`);
    return null;
  }
  return s;
}

/** A status a caller may set; EXPIRED is refused with the reason. */
function status(errors: FieldErrors, value: unknown): Status | null {
  const s = text(errors, 'status', value, LIMITS.shortText);
  if (s === null) return null;
  const hit = normalizeEnum(s, STATUSES);
  if (hit === 'EXPIRED') {
    errors.add('status', 'EXPIRED is set by the system only; use TODO, INPROGRESS or DONE');
    return null;
  }
  if (!hit) errors.add('status', `"${s}" is not one of ${SETTABLE_STATUSES.join(', ')}`);
  return hit ?? null;
}

/** An EUR amount in cents; `""` and null mean none. */
function amount(errors: FieldErrors, value: unknown): number | null {
  if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')) {
    const parsed = parseAmountCents(value);
    if (typeof parsed === 'string') errors.add('financialImpact', parsed);
    else return parsed;
  } else if (value !== undefined && value !== null && value !== '') {
    errors.add('financialImpact', 'must be a number or a numeric string in EUR, e.g. "1234.50"');
  }
  return null;
}

/** `{system, id}`, both non-empty; null means none. */
function externalRef(errors: FieldErrors, value: unknown): ExternalRef | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.add('externalRef', 'must be an object {"system": "...", "id": "..."}');
    return null;
  }
  const v = value as Record<string, unknown>;
  const system = text(errors, 'externalRef.system', v.system, LIMITS.externalSystem, true);
  const id = text(errors, 'externalRef.id', v.id, LIMITS.externalId, true);
  return system === null || id === null ? null : { system, id };
}

/** E-mail addresses, each named by its position when wrong. */
function emails(errors: FieldErrors, field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add(field, 'must be an array of e-mail addresses');
    return [];
  }
  const out: string[] = [];
  for (const [i, item] of value.entries()) {
    const e = email(errors, `${field}[${i}]`, item);
    if (e !== null && !out.includes(e)) out.push(e);
  }
  if (out.length > LIMITS.watchers) errors.add(field, `must have at most ${LIMITS.watchers} items`);
  return out;
}

/** orderID and LRN are stored and also added as tags (seed 000: "Set as Tag"). */
function withReferenceTags(tags: string[], ...refs: (string | null)[]): string[] {
  const out = [...tags];
  for (const t of refs) if (t !== null && !out.includes(t)) out.push(t);
  return out;
}

/**
 * Checks and normalizes the fields of a new todo, collecting every problem into `errors`
 * (field names are the domain's; dialects rename them for their wire format).
 */
export function parseNewTodo(
  input: TodoInput,
  errors: FieldErrors,
  opts: { optionalDescription?: boolean } = {},
): TodoFields {
  const todoType = oneOf(errors, 'todoType', input.todoType, TODO_TYPES);
  if (input.todoType === undefined || input.todoType === null || input.todoType === '') {
    if (!errors.list.some((e) => e.field === 'todoType'))
      errors.add('todoType', 'is required (TASK or INCIDENT)');
  }
  const orderId = text(errors, 'orderID', input.orderID, LIMITS.tag);
  const lrn = text(errors, 'lrn', input.lrn, LIMITS.tag);
  const tags = withReferenceTags(
    list(errors, 'tags', input.tags, LIMITS.tags, LIMITS.tag),
    orderId,
    lrn,
  );
  return {
    todoType: todoType ?? 'TASK',
    title: text(errors, 'title', input.title, LIMITS.title, true) ?? '',
    description:
      text(errors, 'description', input.description, LIMITS.text, !opts.optionalDescription) ?? '',
    result: text(errors, 'result', input.result, LIMITS.text),
    financialImpactCents: amount(errors, input.financialImpact),
    impact: oneOf(errors, 'impact', input.impact, LEVELS),
    likelihood: oneOf(errors, 'likelihood', input.likelihood, LEVELS),
    priority: oneOf(errors, 'priority', input.priority, LEVELS),
    status: status(errors, input.status) ?? 'INPROGRESS',
    assigneeEmail: email(errors, 'assignee', input.assignee),
    reporterEmail: email(errors, 'reporter', input.reporter),
    category: list(errors, 'category', input.category, LIMITS.categories, LIMITS.tag),
    subCategory: list(errors, 'subCategory', input.subCategory, LIMITS.categories, LIMITS.tag),
    orderId,
    lrn,
    tags,
    reminderDate: date(errors, 'reminderDate', input.reminderDate),
    dueDate: date(errors, 'dueDate', input.dueDate),
    externalRef: externalRef(errors, input.externalRef),
    watcherEmails: emails(errors, 'watchers', input.watchers),
  };
}

/** Zero-padded to at least two digits: `IMP-NLD-EXA-SWA-03`. */
export function formatTodoKey(workspaceKey: string, seq: number): string {
  return `${workspaceKey}-${String(seq).padStart(2, '0')}`;
}

/** What a PATCH may change, by its API name. */
export const PATCHABLE_FIELDS = [
  'todoType',
  'title',
  'description',
  'result',
  'financialImpact',
  'impact',
  'likelihood',
  'priority',
  'status',
  'assignee',
  'reporter',
  'category',
  'subCategory',
  'orderID',
  'lrn',
  'tags',
  'reminderDate',
  'dueDate',
  'externalRef',
  'customFields',
] as const;

/** Fields a todo shows but a caller may not change, with the reason given back. */
const READ_ONLY_FIELDS: Record<string, string> = {
  workspace: 'may not be changed: a todo stays in the workspace it was created in',
  domainWorkSpace: 'may not be changed: a todo stays in the workspace it was created in',
  workspaceName: 'may not be changed: a todo stays in the workspace it was created in',
  domain: 'may not be changed: a todo stays in the workspace it was created in',
  key: 'may not be changed: keys are given by the system',
  id: 'may not be changed: ids are given by the system',
  createdAt: 'may not be changed: set by the system',
  updatedAt: 'may not be changed: set by the system',
  createdVia: 'may not be changed: set by the system',
  taskLink: 'may not be changed: set by the system',
  creator: 'may not be changed: set by the system',
  taskType: 'may not be changed directly: it is a copy of todoType; change todoType',
  financialImpactCurrency: 'may not be changed: amounts are in EUR',
  location: 'may not be changed here: set it through the ITSM API (locationName)',
};

/**
 * Why a PATCH may not carry a field, or undefined when it may. Each refused field is
 * named (a silently ignored change would look applied to the caller).
 */
export function patchFieldProblem(name: string): string | undefined {
  if ((PATCHABLE_FIELDS as readonly string[]).includes(name)) return undefined;
  return (
    READ_ONLY_FIELDS[name] ?? `is not a field of a todo (known: ${PATCHABLE_FIELDS.join(', ')})`
  );
}

/** Why the native create body may not carry a field (it is strict: a typo is named). */
export function createFieldProblem(name: string): string {
  const hints: Record<string, string> = {
    domainWorkSpace: 'use workspace (the workspace key, e.g. IMP-NLD-EXA-SWA)',
    domain: 'use workspace (the workspace key, e.g. IMP-NLD-EXA-SWA)',
    LRN: 'use lrn',
    orderId: 'use orderID',
    type: 'use todoType',
    taskType: 'use todoType',
  };
  if (hints[name]) return `is not a field of the native API: ${hints[name]}`;
  if (READ_ONLY_FIELDS[name]) return 'is set by the system';
  return 'is not a field of a todo';
}

/** Checked, normalized changes; an absent property is "leave as is". */
export interface TodoPatch {
  todoType?: TodoType;
  title?: string;
  description?: string;
  result?: string | null;
  financialImpactCents?: number | null;
  impact?: Level | null;
  likelihood?: Level | null;
  priority?: Level | null;
  status?: Status;
  /** Null: the assignee becomes the reporter, as on create. */
  assigneeEmail?: string | null;
  reporterEmail?: string;
  category?: string[];
  subCategory?: string[];
  orderId?: string | null;
  lrn?: string | null;
  tags?: string[];
  reminderDate?: string | null;
  dueDate?: string | null;
  externalRef?: ExternalRef | null;
  /** Custom field name → value (null removes it), still unchecked: definitions are data. */
  customFields?: Record<string, unknown>;
}

/**
 * Checks a partial update with the same rules and enum forgiveness as a create. Null
 * (or `""`) clears an optional field; required ones cannot be cleared. Unknown and
 * read-only fields are refused, each named, and so is an empty patch.
 */
export function parseTodoPatch(input: Record<string, unknown>, errors: FieldErrors): TodoPatch {
  const names = Object.keys(input).filter((k) => input[k] !== undefined);
  if (names.length === 0) {
    errors.add('body', `send at least one field to change (${PATCHABLE_FIELDS.join(', ')})`);
    return {};
  }
  for (const name of names) {
    const problem = patchFieldProblem(name);
    if (problem) errors.add(name, problem);
  }
  const has = (k: string) => names.includes(k);
  const blank = (v: unknown) => v === null || (typeof v === 'string' && v.trim() === '');
  /** A field that must keep a value: clearing it is refused, naming it. */
  const kept = <T>(field: string, parse: () => T | null): T | undefined => {
    if (blank(input[field])) {
      errors.add(field, 'may not be cleared');
      return undefined;
    }
    return parse() ?? undefined;
  };
  const p: TodoPatch = {};
  if (has('todoType'))
    p.todoType = kept('todoType', () => oneOf(errors, 'todoType', input.todoType, TODO_TYPES));
  if (has('title')) p.title = kept('title', () => text(errors, 'title', input.title, LIMITS.title));
  if (has('description'))
    p.description = kept('description', () =>
      text(errors, 'description', input.description, LIMITS.text),
    );
  if (has('result')) p.result = text(errors, 'result', input.result, LIMITS.text);
  if (has('financialImpact')) p.financialImpactCents = amount(errors, input.financialImpact);
  for (const f of ['impact', 'likelihood', 'priority'] as const) {
    if (has(f)) p[f] = oneOf(errors, f, input[f], LEVELS);
  }
  if (has('status')) p.status = kept('status', () => status(errors, input.status));
  if (has('assignee')) p.assigneeEmail = email(errors, 'assignee', input.assignee);
  if (has('reporter'))
    p.reporterEmail = kept('reporter', () => email(errors, 'reporter', input.reporter));
  for (const f of ['category', 'subCategory'] as const) {
    if (has(f)) p[f] = list(errors, f, input[f], LIMITS.categories, LIMITS.tag);
  }
  if (has('orderID')) p.orderId = text(errors, 'orderID', input.orderID, LIMITS.tag);
  if (has('lrn')) p.lrn = text(errors, 'lrn', input.lrn, LIMITS.tag);
  if (has('tags')) p.tags = list(errors, 'tags', input.tags, LIMITS.tags, LIMITS.tag);
  if (has('reminderDate')) p.reminderDate = date(errors, 'reminderDate', input.reminderDate);
  if (has('dueDate')) p.dueDate = date(errors, 'dueDate', input.dueDate);
  if (has('externalRef')) p.externalRef = externalRef(errors, input.externalRef);
  if (has('customFields')) {
    const v = input.customFields;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      errors.add('customFields', 'must be an object of custom field name → value');
    else p.customFields = v as Record<string, unknown>;
  }
  return p;
}

/**
 * The tags after a change, kept in step with orderID and LRN the way a create does:
 * a replaced reference leaves the tags (unless the caller sends the tags too) and the
 * new one joins them.
 */
export function tagsAfter(
  before: { tags: string[]; orderId: string | null; lrn: string | null },
  after: { tags?: string[]; orderId: string | null; lrn: string | null },
): string[] {
  const dropped = [before.orderId, before.lrn].filter(
    (r): r is string => r !== null && r !== after.orderId && r !== after.lrn,
  );
  const base = after.tags ?? before.tags.filter((t) => !dropped.includes(t));
  return withReferenceTags(base, after.orderId, after.lrn);
}
