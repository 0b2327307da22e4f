import { EMAIL_MAX_LENGTH } from '../../platform/values/rules.ts';

/**
 * The rules of a todo's fields: the values each may take, the limits, which a caller may
 * set or change, and the tags an order id and an LRN bring along. Reading input by them is
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
  orderId?: unknown;
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

/** The order id and the LRN are stored and also added as tags (seed 000: "Set as Tag"). */
export function withReferenceTags(tags: string[], ...refs: (string | null)[]): string[] {
  const out = [...tags];
  for (const t of refs) if (t !== null && !out.includes(t)) out.push(t);
  return out;
}

/** Zero-padded to at least two digits: `IMP-NLD-EXA-SWA-03`. */
export function formatTodoKey(workspaceKey: string, seq: number): string {
  return `${workspaceKey}-${String(seq).padStart(2, '0')}`;
}

/** What a change may set, by the core's names (a wire format maps its own onto them). */
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
  'orderId',
  'lrn',
  'tags',
  'reminderDate',
  'dueDate',
  'externalRef',
  'customFields',
] as const;

/**
 * The tags after a change, kept in step with the order id and LRN the way a create does:
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
