import type { FieldErrors } from '../../platform/errors.ts';
import { isCalendarDate } from '../../platform/values/dates.ts';
import { emailProblem, parseAmountCents } from '../../platform/values/rules.ts';
import {
  type ExternalRef,
  LEVELS,
  type Level,
  LIMITS,
  normalizeEnum,
  PATCHABLE_FIELDS,
  SETTABLE_STATUSES,
  STATUSES,
  type Status,
  TODO_TYPES,
  type TodoInput,
  type TodoType,
  withReferenceTags,
} from './todo-fields.ts';

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
  const problem = emailProblem(s);
  if (problem) {
    errors.add(field, problem);
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
  const orderId = text(errors, 'orderId', input.orderId, LIMITS.tag);
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
export function parseTodoPatch(
  input: Record<string, unknown>,
  errors: FieldErrors,
  wireNames: Partial<Record<string, string>> = {},
): TodoPatch {
  const names = Object.keys(input).filter((k) => input[k] !== undefined);
  if (names.length === 0) {
    const fields = PATCHABLE_FIELDS.map((n) => wireNames[n] ?? n);
    errors.add('body', `send at least one field to change (${fields.join(', ')})`);
    return {};
  }
  // A wire format refuses its callers' unknown fields in its own words first.
  for (const name of names) {
    if (!(PATCHABLE_FIELDS as readonly string[]).includes(name))
      errors.add(name, 'is not a field of a todo');
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
  if (has('orderId')) p.orderId = text(errors, 'orderId', input.orderId, LIMITS.tag);
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
