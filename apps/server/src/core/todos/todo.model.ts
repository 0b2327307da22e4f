import type { TodoRow } from '../../platform/db/tables.ts';
import { formatCents } from '../../platform/values/rules.ts';
import type { CustomValue } from './custom-values.ts';
import type { ExternalRef, Level, Status, TodoType } from './todo-fields.ts';

/** A todo as every dialect sees it before rendering it in its own wire format. */
export interface Todo {
  id: number;
  key: string;
  todoType: TodoType;
  title: string;
  description: string;
  result: string | null;
  /** EUR with two decimals, as text so no float ever rounds it. */
  financialImpact: string | null;
  impact: Level | null;
  likelihood: Level | null;
  priority: Level | null;
  status: Status;
  assignee: string;
  reporter: string;
  category: string[];
  subCategory: string[];
  orderId: string | null;
  lrn: string | null;
  tags: string[];
  reminderDate: string | null;
  dueDate: string | null;
  /** The todo's identity in the system that created it; unique per workspace. */
  externalRef: ExternalRef | null;
  location: string | null;
  /** Custom field name → value. */
  customFields: Record<string, CustomValue>;
  workspace: string;
  workspaceName: string;
  domain: string;
  taskLink: string;
  createdVia: string;
  createdAt: string;
  updatedAt: string;
}

/** What a dry run answers: the todo as it would be stored, without what only storing gives. */
export type TodoPreview = Omit<Todo, 'id' | 'key' | 'taskLink' | 'createdAt' | 'updatedAt'> & {
  id: null;
  key: null;
  taskLink: null;
  createdAt: null;
  updatedAt: null;
};

/** A todo the caller may see, with the id of its workspace (for audit rows and access checks). */
export interface TodoTarget {
  todo: Todo;
  workspaceId: number;
}

export function todoLink(publicUrl: string, key: string): string {
  return `${publicUrl}/app/#/todo/${encodeURIComponent(key)}`;
}

/** The columns of a todo row that a Todo shows. */
export type ShownTodoRow = Pick<
  TodoRow,
  | 'id'
  | 'key'
  | 'todoType'
  | 'title'
  | 'description'
  | 'result'
  | 'financialImpactCents'
  | 'impact'
  | 'likelihood'
  | 'priority'
  | 'status'
  | 'orderId'
  | 'lrn'
  | 'reminderDate'
  | 'dueDate'
  | 'externalSystem'
  | 'externalId'
  | 'createdVia'
  | 'createdAt'
  | 'updatedAt'
>;

export function toTodo(
  row: ShownTodoRow,
  rel: {
    workspaceKey: string;
    workspaceName: string;
    domainCode: string;
    assigneeEmail: string;
    reporterEmail: string;
    tags: string[];
    category: string[];
    subCategory: string[];
    /** Custom field name → value; `findCustomValues` loads them for many todos at once. */
    customFields?: Record<string, CustomValue>;
    locationName?: string | null;
  },
  publicUrl: string,
): Todo {
  return {
    id: Number(row.id),
    key: row.key,
    todoType: row.todoType as TodoType,
    title: row.title,
    description: row.description,
    result: row.result,
    financialImpact:
      row.financialImpactCents === null ? null : formatCents(Number(row.financialImpactCents)),
    impact: row.impact as Level | null,
    likelihood: row.likelihood as Level | null,
    priority: row.priority as Level | null,
    status: row.status as Status,
    assignee: rel.assigneeEmail,
    reporter: rel.reporterEmail,
    category: rel.category,
    subCategory: rel.subCategory,
    orderId: row.orderId,
    lrn: row.lrn,
    tags: rel.tags,
    reminderDate: row.reminderDate,
    dueDate: row.dueDate,
    externalRef: externalRefOf(row),
    location: rel.locationName ?? null,
    customFields: rel.customFields ?? {},
    workspace: rel.workspaceKey,
    workspaceName: rel.workspaceName,
    domain: rel.domainCode,
    taskLink: todoLink(publicUrl, row.key),
    createdVia: row.createdVia,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function externalRefOf(
  row: Pick<TodoRow, 'externalSystem' | 'externalId'>,
): ExternalRef | null {
  return row.externalSystem !== null && row.externalId !== null
    ? { system: row.externalSystem, id: row.externalId }
    : null;
}
