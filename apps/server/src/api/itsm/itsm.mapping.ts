import type { CustomFieldDef, CustomValue } from '../../core/todos/custom-values.ts';
import type { Level, Status, TodoType } from '../../core/todos/todo-fields.ts';
import { ExactLong } from './itsm.json.ts';

/**
 * The ITSM incident dialect's values and how they map onto a todo (docs/itsm.md). The
 * dialect's own value is stored beside the todo's so it reads back as set; when the todo
 * was changed another way since (the value no longer maps onto it), the todo's value is
 * shown in ITSM terms instead.
 */

export const IMPACTS = ['LOW', 'ONUSER', 'ONDEPARTMENT', 'ONBUSINESS'] as const;
export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] as const;
export const STATUSES = ['Open', 'In Progress', 'Pending', 'Resolved', 'Closed'] as const;
export type ItsmImpact = (typeof IMPACTS)[number];
export type ItsmPriority = (typeof PRIORITIES)[number];
export type ItsmStatus = (typeof STATUSES)[number];

export const INCIDENT_CATEGORY = 'Incident';
export const DEFAULT_CATEGORY = 'Service Request';

export const IMPACT_TO_LEVEL: Record<ItsmImpact, Level> = {
  LOW: 'LOW',
  ONUSER: 'LOW',
  ONDEPARTMENT: 'MEDIUM',
  ONBUSINESS: 'HIGH',
};
const LEVEL_TO_IMPACT: Record<Level, ItsmImpact> = {
  LOW: 'LOW',
  MEDIUM: 'ONDEPARTMENT',
  HIGH: 'ONBUSINESS',
};
export const PRIORITY_TO_LEVEL: Record<ItsmPriority, Level> = {
  LOW: 'LOW',
  MEDIUM: 'MEDIUM',
  HIGH: 'HIGH',
  URGENT: 'HIGH',
};
export const STATUS_TO_TODO: Record<ItsmStatus, Status> = {
  Open: 'TODO',
  'In Progress': 'INPROGRESS',
  Pending: 'INPROGRESS',
  Resolved: 'DONE',
  Closed: 'DONE',
};
const TODO_TO_STATUS: Record<Status, ItsmStatus> = {
  TODO: 'Open',
  INPROGRESS: 'In Progress',
  DONE: 'Resolved',
  EXPIRED: 'Closed',
};

/** `Incident` makes an INCIDENT; `Service Request` and any other name a TASK. */
export function todoTypeOf(categoryName: string): TodoType {
  return categoryName.toLowerCase() === INCIDENT_CATEGORY.toLowerCase() ? 'INCIDENT' : 'TASK';
}

/** The category name to store: the canonical spelling of the two known ones, else as sent. */
export function canonicalCategory(categoryName: string): string {
  const name = categoryName.trim();
  if (name.toLowerCase() === INCIDENT_CATEGORY.toLowerCase()) return INCIDENT_CATEGORY;
  if (name.toLowerCase() === DEFAULT_CATEGORY.toLowerCase()) return DEFAULT_CATEGORY;
  return name;
}

/** A category name that is neither of the two known ones (it is kept as a todo category). */
export function isCustomCategory(name: string | null): name is string {
  return name !== null && name !== INCIDENT_CATEGORY && name !== DEFAULT_CATEGORY;
}

/** The stored ITSM values as shown, falling back to the todo's own where they disagree. */
export function shownValues(
  todo: { todoType: TodoType; status: Status; impact: Level | null; priority: Level | null },
  stored: {
    itsmStatus: string | null;
    itsmImpact: string | null;
    itsmPriority: string | null;
    categoryName: string | null;
  },
) {
  const status = stored.itsmStatus as ItsmStatus | null;
  const impact = stored.itsmImpact as ItsmImpact | null;
  const priority = stored.itsmPriority as ItsmPriority | null;
  const category = stored.categoryName;
  return {
    categoryName:
      category !== null && todoTypeOf(category) === todo.todoType
        ? category
        : todo.todoType === 'INCIDENT'
          ? INCIDENT_CATEGORY
          : DEFAULT_CATEGORY,
    status:
      status !== null && STATUS_TO_TODO[status] === todo.status
        ? status
        : TODO_TO_STATUS[todo.status],
    // Unset reads as LOW, as seed 003's incident shows.
    impact:
      impact !== null && IMPACT_TO_LEVEL[impact] === todo.impact
        ? impact
        : LEVEL_TO_IMPACT[todo.impact ?? 'LOW'],
    priority:
      priority !== null && PRIORITY_TO_LEVEL[priority] === todo.priority
        ? priority
        : (todo.priority ?? 'LOW'),
  };
}

/** The key each custom field type's value travels under (SPEC §5). */
export const VALUE_KEYS: Record<number, string> = {
  1: 'stringValue',
  2: 'integerValue',
  3: 'doubleValue',
  4: 'booleanValue',
  5: 'longValue',
  7: 'integerListValue',
  8: 'stringListValue',
  10: 'stringValue',
};

export const TYPE_NAMES: Record<number, string> = {
  1: 'STRING',
  2: 'INTEGER',
  3: 'DOUBLE',
  4: 'BOOLEAN',
  5: 'LONG',
  7: 'INTEGER LIST',
  8: 'STRING LIST',
  10: 'BIG STRING',
};

/**
 * `customFieldValueDetails` (`{"<field id>": {"type": 1, "stringValue": "Open"}}`) as
 * custom field name → value for the todos service, which checks the values themselves.
 * Unknown ids, a type other than the definition's and a missing value key are named.
 */
export function customValuesOf(
  details: Record<string, Record<string, unknown>>,
  defs: CustomFieldDef[],
  module: string,
  problems: { field: string; message: string }[],
): { values: Record<string, unknown>; names: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const [id, detail] of Object.entries(details)) {
    const field = `customFieldValueDetails.${id}`;
    const def = defs.find((d) => String(d.id) === id.trim());
    if (!def) {
      const known = defs.map((d) => `${d.id} (${d.name})`).join(', ') || 'none';
      problems.push({ field, message: `is not a custom field of ${module} (defined: ${known})` });
      continue;
    }
    const key = VALUE_KEYS[def.type] as string;
    if (detail.type !== def.type) {
      problems.push({
        field: `${field}.type`,
        message: `must be ${def.type} (${TYPE_NAMES[def.type]}): "${def.name}" is of that type`,
      });
      continue;
    }
    const others = Object.keys(detail).filter((k) => k !== 'type' && k !== key);
    if (others.length > 0) {
      problems.push({
        field: `${field}.${others[0]}`,
        message: `is not the value key of type ${def.type} (${TYPE_NAMES[def.type]}); use ${key}`,
      });
      continue;
    }
    values[def.name] = detail[key] ?? null;
    names.set(def.name, id);
  }
  return { values, names };
}

/** Custom values (name → value) as `customFieldValueDetails`, LONGs exact. */
export function customDetailsOf(
  values: Record<string, CustomValue>,
  defs: CustomFieldDef[],
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(values)) {
    const def = defs.find((d) => d.name === name);
    if (!def) continue;
    const shown = def.type === 5 && typeof value === 'string' ? new ExactLong(value) : value;
    out[String(def.id)] = { type: def.type, [VALUE_KEYS[def.type] as string]: shown };
  }
  return out;
}
