import { EMAIL_MAX_LENGTH } from '../../platform/values/rules.ts';

/**
 * The rules of a todo's fields: the values each may take, the limits, which a caller may
 * set or change, and the tags orderID and LRN bring along. Reading input by them is
 * todo-input.ts.
 */
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
  email: EMAIL_MAX_LENGTH,
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

/** orderID and LRN are stored and also added as tags (seed 000: "Set as Tag"). */
export function withReferenceTags(tags: string[], ...refs: (string | null)[]): string[] {
  const out = [...tags];
  for (const t of refs) if (t !== null && !out.includes(t)) out.push(t);
  return out;
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
