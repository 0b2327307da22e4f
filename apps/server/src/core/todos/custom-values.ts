import type { Executor } from '../../platform/db/executor.ts';
import type { FieldErrors } from '../../platform/errors.ts';
import type { TodoType } from './todo-fields.ts';

/**
 * Custom fields (SPEC §5): administrators define them per module (`task`, `incident`);
 * a todo of that type carries values for them, stored one row per field as JSON text.
 */
export interface CustomFieldDef {
  id: number;
  name: string;
  /** STRING=1, INTEGER=2, DOUBLE=3, BOOLEAN=4, LONG=5, INTEGER LIST=7, STRING LIST=8, BIG STRING=10. */
  type: number;
  required: boolean;
  /** Allowed values, or null for any. */
  options: string[] | null;
}

export type CustomValue = string | number | boolean | string[] | number[];

const MAX_STRING = 1000;
const MAX_BIG_STRING = 100_000;
const MAX_ITEMS = 100;

/** The module whose custom fields apply to a todo type. */
export function moduleOf(todoType: TodoType): 'task' | 'incident' {
  return todoType === 'INCIDENT' ? 'incident' : 'task';
}

export async function findCustomFieldDefs(
  db: Executor,
  module: 'task' | 'incident',
): Promise<CustomFieldDef[]> {
  const rows = await db
    .selectFrom('customFields')
    .select(['id', 'name', 'type', 'required', 'options'])
    .where('module', '=', module)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    type: Number(r.type),
    required: Number(r.required) === 1,
    options: r.options === null ? null : (JSON.parse(r.options) as string[]),
  }));
}

/** Stored values of some todos: todo id → field id → value. */
export async function findCustomValues(
  db: Executor,
  todoIds: number[],
): Promise<Map<number, Map<number, { name: string; value: CustomValue }>>> {
  const out = new Map<number, Map<number, { name: string; value: CustomValue }>>();
  if (todoIds.length === 0) return out;
  const rows = await db
    .selectFrom('todoCustomValues as v')
    .innerJoin('customFields as f', 'f.id', 'v.fieldId')
    .select(['v.todoId', 'v.fieldId', 'v.value', 'f.name'])
    .where('v.todoId', 'in', todoIds)
    .orderBy('f.name')
    .execute();
  for (const r of rows) {
    const todoId = Number(r.todoId);
    const byField = out.get(todoId) ?? new Map<number, { name: string; value: CustomValue }>();
    out.set(todoId, byField);
    byField.set(Number(r.fieldId), { name: r.name, value: JSON.parse(r.value) as CustomValue });
  }
  return out;
}

/** As the API shows them: field name → value. */
export function customFieldsObject(
  values: Map<number, { name: string; value: CustomValue }> | undefined,
): Record<string, CustomValue> {
  return Object.fromEntries([...(values?.values() ?? [])].map((v) => [v.name, v.value]));
}

/** Replaces a todo's values with `values` (field id → value). */
export async function replaceCustomValues(
  db: Executor,
  todoId: number,
  values: Map<number, CustomValue>,
): Promise<void> {
  await db.deleteFrom('todoCustomValues').where('todoId', '=', todoId).execute();
  await insertCustomValues(db, todoId, values);
}

/** A new todo's custom values (none: no statement). */
export async function insertCustomValues(
  db: Executor,
  todoId: number,
  values: Map<number, CustomValue>,
): Promise<void> {
  if (values.size === 0) return;
  await db
    .insertInto('todoCustomValues')
    .values([...values].map(([fieldId, v]) => ({ todoId, fieldId, value: JSON.stringify(v) })))
    .execute();
}

/**
 * The values a todo will have: `current` (only fields of `defs`: a changed todo type
 * leaves the old module's values behind) with `input` (name → value, null removes)
 * applied, checked against the definitions. Every problem is named
 * `customFields.<name>`; required fields must end up with a value.
 */
export function applyCustomValues(
  defs: CustomFieldDef[],
  current: Map<number, CustomValue>,
  input: unknown,
  errors: FieldErrors,
  module: string,
): Map<number, CustomValue> {
  const next = new Map([...current].filter(([id]) => defs.some((d) => d.id === id)));
  if (input !== undefined && input !== null) {
    if (typeof input !== 'object' || Array.isArray(input)) {
      errors.add('customFields', 'must be an object of custom field name → value');
      return next;
    }
    for (const [name, value] of Object.entries(input)) {
      const field = `customFields.${name}`;
      const def =
        defs.find((d) => d.name === name) ??
        defs.find((d) => d.name.toLowerCase() === name.toLowerCase());
      if (!def) {
        const known = defs.map((d) => d.name).join(', ') || 'none';
        errors.add(field, `is not a custom field of ${module} todos (defined: ${known})`);
        continue;
      }
      if (value === null || value === undefined) {
        next.delete(def.id);
        continue;
      }
      const parsed = parseCustomValue(def, value);
      if (typeof parsed === 'object' && parsed !== null && 'error' in parsed)
        errors.add(field, parsed.error);
      else next.set(def.id, parsed);
    }
  }
  for (const def of defs) {
    if (def.required && !next.has(def.id)) errors.add(`customFields.${def.name}`, 'is required');
  }
  return next;
}

/** One value checked against its field's type and options; numbers sent as text are read. */
export function parseCustomValue(
  def: CustomFieldDef,
  value: unknown,
): CustomValue | { error: string } {
  const option = (s: string): string | { error: string } => {
    if (def.options === null) return s;
    // Matched case-insensitively and stored as the option is spelled.
    const hit = def.options.find((o) => o.toLowerCase() === s.toLowerCase());
    return hit ?? { error: `"${s}" is not one of ${def.options.join(', ')}` };
  };
  const integer = (v: unknown): number | undefined => {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number(v);
    return undefined;
  };
  const list = <T>(read: (v: unknown) => T | { error: string }, what: string) => {
    if (!Array.isArray(value)) return { error: `must be an array of ${what}` };
    if (value.length > MAX_ITEMS) return { error: `must have at most ${MAX_ITEMS} items` };
    const out: T[] = [];
    for (const [i, item] of value.entries()) {
      const r = read(item);
      if (typeof r === 'object' && r !== null && 'error' in r)
        return { error: `[${i}] ${r.error}` };
      out.push(r as T);
    }
    return out;
  };
  switch (def.type) {
    case 1:
    case 10: {
      if (typeof value !== 'string') return { error: 'must be a string' };
      const max = def.type === 10 ? MAX_BIG_STRING : MAX_STRING;
      if (value.length > max) return { error: `must be at most ${max} characters` };
      return option(value.trim());
    }
    case 2: {
      const n = integer(value);
      return n === undefined ? { error: 'must be a whole number' } : n;
    }
    case 5: {
      const n = integer(value) ?? longOf(value);
      return n ?? { error: 'must be a whole number between -2^63 and 2^63-1' };
    }
    case 3: {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
            ? Number(value)
            : Number.NaN;
      return Number.isFinite(n) ? n : { error: 'must be a number' };
    }
    case 4:
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return { error: 'must be true or false' };
    case 7:
      return list((v) => {
        const n = integer(v);
        if (n === undefined) return { error: 'must be a whole number' };
        return def.options === null || def.options.includes(String(n))
          ? n
          : { error: `${n} is not one of ${def.options.join(', ')}` };
      }, 'whole numbers') as number[] | { error: string };
    case 8:
      return list(
        (v) => (typeof v === 'string' ? option(v.trim()) : { error: 'must be a string' }),
        'strings',
      ) as string[] | { error: string };
    default:
      return { error: `has an unsupported type ${def.type}` };
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A 64-bit integer written as text: a number when a double holds it exactly, else the
 * normalized text (`"9007199254740993"`), so no float ever rounds a LONG beyond 2^53
 * (send it as a string, or through a parser that keeps big integers, as the ITSM
 * dialect's does). Undefined when it is not one.
 */
function longOf(value: unknown): number | string | undefined {
  if (typeof value !== 'string' || !/^\s*-?\d{1,19}\s*$/.test(value)) return undefined;
  const n = BigInt(value.trim());
  if (n < INT64_MIN || n > INT64_MAX) return undefined;
  return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
}
