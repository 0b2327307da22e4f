import { insertAuditEvent } from '../audit/audit.repository.ts';
import { actorLabel, type Ctx } from '../auth/actor.ts';
import type { TodoRow } from '../db/tables.ts';
import { AppError, type FieldError, FieldErrors, validationError } from '../errors.ts';
import { dateInZone } from '../shared/dates.ts';
import { findUsersWithAccess } from '../users/users.repository.ts';
import { resolveWorkspace, type WorkspaceRef } from '../workspaces/workspace-ref.ts';
import { nextTodoSeq } from '../workspaces/workspaces.repository.ts';
import {
  formatCents,
  formatTodoKey,
  type Level,
  parseNewTodo,
  type Status,
  type TodoInput,
  type TodoType,
} from './todo-fields.ts';
import {
  findTodo,
  findTodoCategories,
  findTodoTags,
  insertTodo,
  insertTodoCategories,
  insertTodoTags,
} from './todos.repository.ts';

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
  orderID: string | null;
  lrn: string | null;
  tags: string[];
  reminderDate: string | null;
  dueDate: string | null;
  workspace: string;
  workspaceName: string;
  domain: string;
  taskLink: string;
  createdVia: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateTodoCommand {
  fields: TodoInput;
  workspace: WorkspaceRef;
  /** The short dialect lets the signed-in user be the reporter when none is named. */
  reporterDefaultsToActor?: boolean;
  /** Renames domain field names to the dialect's wire names in errors. */
  fieldNames?: Partial<Record<string, string>>;
}

export function todoLink(publicUrl: string, key: string): string {
  return `${publicUrl}/app/#/todo/${encodeURIComponent(key)}`;
}

/**
 * Creates a todo: checks every field (all problems reported at once), resolves the
 * workspace among the caller's, checks the people, then stores the todo, its tags and
 * categories and the audit entry in one transaction, so nothing is ever half-stored.
 */
export async function createTodo(ctx: Ctx, cmd: CreateTodoCommand): Promise<Todo> {
  const errors = new FieldErrors();
  const f = parseNewTodo(cmd.fields, errors);
  const ws = await resolveWorkspace(ctx, cmd.workspace, errors);

  let reporterEmail = f.reporterEmail;
  if (reporterEmail === null && !errors.list.some((e) => e.field === 'reporter')) {
    if (cmd.reporterDefaultsToActor && ctx.actor.userEmail) reporterEmail = ctx.actor.userEmail;
    else errors.add('reporter', 'is required: the e-mail address of the reporting user');
  }
  const assigneeEmail = f.assigneeEmail ?? reporterEmail;
  const people = [
    ...new Set([reporterEmail, assigneeEmail].filter((e): e is string => e !== null)),
  ];
  const users = await findUsersWithAccess(ctx.db.kysely, people, ws?.id ?? null);
  const userFor = (field: string, email: string | null) => {
    if (email === null) return undefined;
    const user = users.find((u) => u.email === email);
    if (!user || user.disabled !== 0) {
      errors.add(field, `no active user with e-mail ${email}`);
      return undefined;
    }
    if (ws && !user.hasAccess) {
      errors.add(field, `${email} has no access to workspace ${ws.key}`);
      return undefined;
    }
    return user;
  };
  const reporter = userFor('reporter', reporterEmail);
  const assignee = f.assigneeEmail === null ? reporter : userFor('assignee', assigneeEmail);

  if (!errors.empty || !ws || !reporter || !assignee) {
    throw fieldError(errors.list, cmd.fieldNames, !ws && cmd.workspace.by !== 'default');
  }

  const now = ctx.now.toISOString();
  const dueDate = f.status === 'DONE' ? dateInZone(ctx.now, ctx.config.timeZone) : null;
  const row = {
    workspaceId: ws.id,
    todoType: f.todoType,
    title: f.title,
    description: f.description,
    result: f.result,
    financialImpactCents: f.financialImpactCents,
    impact: f.impact,
    likelihood: f.likelihood,
    priority: f.priority,
    status: f.status,
    assigneeId: Number(assignee.id),
    reporterId: Number(reporter.id),
    orderId: f.orderId,
    lrn: f.lrn,
    reminderDate: f.reminderDate,
    dueDate,
    createdVia: ctx.dialect,
    createdByUserId: ctx.actor.userId,
    createdByClientId: ctx.actor.apiClientId,
    createdByEndpointId: ctx.actor.endpointId ?? null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    externalSystem: null,
    externalId: null,
    tagsText: f.tags.length > 0 ? f.tags.join(' ') : null,
    reminderSentFor: null,
  };

  const { id, key } = await ctx.db.kysely.transaction().execute(async (trx) => {
    const seq = await nextTodoSeq(trx, ws.id);
    const key = formatTodoKey(ws.key, seq);
    const id = await insertTodo(trx, { ...row, seq, key });
    await insertTodoTags(trx, id, f.tags);
    await insertTodoCategories(trx, id, f);
    const stored = {
      key,
      ...row,
      assignee: assignee.email,
      reporter: reporter.email,
      tags: f.tags,
    };
    await insertAuditEvent(trx, {
      occurredAt: now,
      actorUserId: ctx.actor.userId,
      actorClientId: ctx.actor.apiClientId,
      actorEndpointId: ctx.actor.endpointId ?? null,
      actorLabel: actorLabel(ctx.actor),
      dialect: ctx.dialect,
      requestId: ctx.requestId,
      entityType: 'todo',
      entityId: id,
      workspaceId: ws.id,
      action: 'create',
      changes: createdChanges({ ...stored, category: f.category, subCategory: f.subCategory }),
    });
    return { id, key };
  });

  return toTodo(
    { ...row, id, key, seq: 0 },
    {
      workspaceKey: ws.key,
      workspaceName: ws.name,
      domainCode: ws.domainCode,
      assigneeEmail: assignee.email,
      reporterEmail: reporter.email,
      tags: f.tags,
      category: f.category,
      subCategory: f.subCategory,
    },
    ctx.config.publicUrl,
  );
}

/**
 * A todo by key (`IMP-NLD-EXA-SWA-03`) or numeric id, if the caller may see it; "missing"
 * and "not yours" are the same 404.
 */
export async function getTodo(ctx: Ctx, ref: string | number): Promise<Todo> {
  const db = ctx.db.kysely;
  const text = String(ref).trim();
  const where = /^\d{1,15}$/.test(text) ? { id: Number(text) } : { key: text.toUpperCase() };
  const row = await findTodo(db, where, ctx.actor.workspaceIds);
  if (!row) throw new AppError('not_found', `No todo ${text}`);
  const id = Number(row.id);
  const [tags, categories] = await Promise.all([findTodoTags(db, id), findTodoCategories(db, id)]);
  return toTodo(row, { ...row, tags, ...categories }, ctx.config.publicUrl);
}

export function toTodo(
  row: TodoRow,
  rel: {
    workspaceKey: string;
    workspaceName: string;
    domainCode: string;
    assigneeEmail: string;
    reporterEmail: string;
    tags: string[];
    category: string[];
    subCategory: string[];
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
    orderID: row.orderId,
    lrn: row.lrn,
    tags: rel.tags,
    reminderDate: row.reminderDate,
    dueDate: row.dueDate,
    workspace: rel.workspaceKey,
    workspaceName: rel.workspaceName,
    domain: rel.domainCode,
    taskLink: todoLink(publicUrl, row.key),
    createdVia: row.createdVia,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The audit record of a create: every stored field as `[null, value]`. */
function createdChanges(stored: Record<string, unknown>): Record<string, [null, unknown]> {
  const skip = new Set([
    'workspaceId',
    'assigneeId',
    'reporterId',
    'createdAt',
    'updatedAt',
    'deletedAt',
    'createdByEndpointId',
    'tagsText',
  ]);
  const out: Record<string, [null, unknown]> = {};
  for (const [k, v] of Object.entries(stored)) {
    if (skip.has(k) || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = [null, v];
  }
  return out;
}

function fieldError(
  list: FieldError[],
  names: Partial<Record<string, string>> | undefined,
  workspaceNotFound: boolean,
): AppError {
  const errors = list.map((e) => ({ ...e, field: names?.[e.field] ?? e.field }));
  return validationError(errors, workspaceNotFound ? 'workspace_not_found' : 'validation_failed');
}
