import { createHash } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type { TodoRow, UserRow } from '../../platform/db/tables.ts';
import { AppError, type FieldError, FieldErrors, validationError } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import type { OutgoingMail } from '../../platform/mail/outbox.repository.ts';
import { dateInZone } from '../../platform/values/dates.ts';
import { actorLabel } from '../access/actor.ts';
import { findUsersWithAccess, noActiveUserWithAccess } from '../access/users.repository.ts';
import { findLocationById } from '../catalog/catalog.repository.ts';
import { resolveWorkspace, type WorkspaceRef } from '../tenancy/workspace-ref.ts';
import { nextTodoSeq } from '../tenancy/workspaces.repository.ts';
import {
  applyCustomValues,
  type CustomValue,
  customFieldsObject,
  findCustomFieldDefs,
  findCustomValues,
  moduleOf,
  replaceCustomValues,
} from './custom-values.ts';
import { recordTodoChange } from './todo-change.ts';
import {
  createExtensions,
  type ExtensionData,
  type ExtensionInputs,
  loadExtensions,
  updateExtensions,
} from './todo-extension.ts';
import {
  type ExternalRef,
  formatCents,
  formatTodoKey,
  type Level,
  parseAmountCents,
  parseNewTodo,
  parseTodoPatch,
  type Status,
  type TodoInput,
  type TodoType,
  tagsAfter,
} from './todo-fields.ts';
import {
  findTodoCategories,
  findTodoForUpdate,
  findTodoIdByExternalRef,
  findTodoTags,
  findTodoWithRelations,
  insertTodo,
  insertTodoCategories,
  insertTodoTags,
  replaceTodoCategories,
  replaceTodoTags,
  updateTodoRow,
} from './todos.repository.ts';
import { insertWatchers, listWatchers } from './watchers.repository.ts';

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

export interface CreateTodoCommand {
  fields: TodoInput;
  workspace: WorkspaceRef;
  /** The short dialect lets the signed-in user be the reporter when none is named. */
  reporterDefaultsToActor?: boolean;
  /** Renames domain field names to the dialect's wire names in errors. */
  fieldNames?: Partial<Record<string, string>>;
  /**
   * Custom field name → value. Given (even `{}`), the values are checked and required
   * fields must be present; left out (dialects with no way to send them), none are stored.
   */
  customFields?: unknown;
  /**
   * Runs inside the create's transaction once the todo is stored (a dialect attaches
   * uploads here); what it throws undoes the whole create. Not run for a dry run.
   */
  inTransaction?: (trx: Executor, todo: { id: number; workspaceId: number }) => Promise<void>;
  /** The ITSM dialect's description is optional (seed 003); it is stored as "". */
  optionalDescription?: boolean;
  /** Where it happened: a location's id (only the ITSM dialect names one, by name). */
  locationId?: number | null;
  /** Input for the extensions a wire format keeps its own data in (see TodoExtension). */
  extensions?: ExtensionInputs;
}

/**
 * A patch made inside the update's transaction from the todo as it is there (locked):
 * for a dialect whose wire format sets a whole list from a single value, so that it
 * merges into what the list holds then, not into what it held before.
 */
export type PatchOf = (
  trx: Executor,
  before: Todo,
  /** The todo's data in each extension that has some, read in the same transaction. */
  extensionData: ExtensionData,
) => Promise<TodoChange>;

/** A change to a todo: its fields (see `parseTodoPatch`), location and extension data. */
export interface TodoChange {
  input: Record<string, unknown>;
  locationId?: number | null;
  extensions?: ExtensionInputs;
}

/** How a create ended: a new todo, the one already holding the externalRef, or a dry run. */
export type CreateOutcome =
  | { outcome: 'created' | 'existing'; todo: Todo }
  | { outcome: 'preview'; todo: TodoPreview };

export function todoLink(publicUrl: string, key: string): string {
  return `${publicUrl}/app/#/todo/${encodeURIComponent(key)}`;
}

/** A todo as the native API's `Todo` schema shows it. */
export function renderTodo<T extends Todo | TodoPreview>(todo: T) {
  return { ...todo, financialImpactCurrency: 'EUR' as const };
}

/** A weak validator of what a caller read; it changes whenever any shown field does. */
export function todoETag(todo: Todo): string {
  // Keys sorted at every level, so the same content always gives the same tag.
  const canonical = JSON.stringify(todo, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
  const digest = createHash('sha256').update(canonical).digest('base64url');
  return `W/"${digest.slice(0, 27)}"`;
}

/** Creates a todo (see `submitTodo`); an existing todo with the same externalRef is returned. */
export async function createTodo(ctx: Ctx, cmd: CreateTodoCommand): Promise<Todo> {
  const result = await submitTodo(ctx, cmd);
  if (result.outcome === 'preview') throw new Error('unreachable: not a dry run');
  return result.todo;
}

/**
 * Creates a todo: checks every field (all problems reported at once), resolves the
 * workspace among the caller's, checks the people and custom values, then stores the
 * todo, its tags, categories, watchers, custom values and the audit entry in one
 * transaction, so nothing is ever half-stored.
 *
 * With an externalRef already held by a todo of the workspace, that todo is returned
 * unchanged (`existing`), also when two creates race: the loser's insert hits the unique
 * index, rolls back, and reads the winner. A dry run checks the same and stores nothing
 * (no sequence number is used).
 */
export async function submitTodo(
  ctx: Ctx,
  cmd: CreateTodoCommand,
  opts: { dryRun?: boolean } = {},
): Promise<CreateOutcome> {
  const db = ctx.db.kysely;
  const errors = new FieldErrors();
  const f = parseNewTodo(cmd.fields, errors, { optionalDescription: cmd.optionalDescription });
  const ws = await resolveWorkspace(ctx, cmd.workspace, errors);

  let reporterEmail = f.reporterEmail;
  if (reporterEmail === null && !errors.list.some((e) => e.field === 'reporter')) {
    if (cmd.reporterDefaultsToActor && ctx.actor.userEmail) reporterEmail = ctx.actor.userEmail;
    else errors.add('reporter', 'is required: the e-mail address of the reporting user');
  }
  const people = await checkPeople(db, ws, errors, [
    { field: 'reporter', email: reporterEmail },
    { field: 'assignee', email: f.assigneeEmail },
    ...f.watcherEmails.map((email, i) => ({ field: `watchers[${i}]`, email })),
  ]);
  const reporter = reporterEmail === null ? undefined : people.get(reporterEmail);
  const assignee = f.assigneeEmail === null ? reporter : people.get(f.assigneeEmail);

  const module = moduleOf(f.todoType);
  let custom = new Map<number, CustomValue>();
  let customNames = new Map<number, string>();
  // A wrong todoType would only add noise about the other module's fields.
  if (cmd.customFields !== undefined && !errors.list.some((e) => e.field === 'todoType')) {
    const defs = await findCustomFieldDefs(db, module);
    custom = applyCustomValues(defs, custom, cmd.customFields, errors, module);
    customNames = new Map(defs.map((d) => [d.id, d.name]));
  }

  if (!errors.empty || !ws || !reporter || !assignee) {
    throw fieldError(errors.list, cmd.fieldNames, !ws && cmd.workspace.by !== 'default');
  }

  const existing = async (): Promise<CreateOutcome | undefined> => {
    if (!f.externalRef) return undefined;
    const id = await findTodoIdByExternalRef(db, ws.id, f.externalRef);
    const target = id === undefined ? undefined : await loadTodo(ctx, db, { id });
    return target ? { outcome: 'existing', todo: target.todo } : undefined;
  };
  const found = await existing();
  if (found) return found;

  const now = ctx.now.toISOString();
  const done = f.status === 'DONE';
  const dueDate = done ? dateInZone(ctx.now, ctx.config.timeZone) : f.dueDate;
  const customFields = Object.fromEntries(
    [...custom].map(([id, v]) => [customNames.get(id) ?? String(id), v]),
  );
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
    // DONE's date is undone on reopen (docs/decisions.md, "Reopening a todo").
    dueDateByDone: done ? 1 : 0,
    dueDateBeforeDone: done ? f.dueDate : null,
    createdVia: ctx.via,
    createdByUserId: ctx.actor.userId,
    createdByClientId: ctx.actor.apiClientId,
    createdByEndpointId: ctx.actor.endpointId ?? null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    externalSystem: f.externalRef?.system ?? null,
    externalId: f.externalRef?.id ?? null,
    tagsText: f.tags.length > 0 ? f.tags.join(' ') : null,
    reminderSentFor: null,
    ...(cmd.locationId !== undefined ? { locationId: cmd.locationId } : {}),
  };
  const rel = {
    workspaceKey: ws.key,
    workspaceName: ws.name,
    domainCode: ws.domainCode,
    assigneeEmail: assignee.email,
    reporterEmail: reporter.email,
    tags: f.tags,
    category: f.category,
    subCategory: f.subCategory,
    customFields,
    // Only the ITSM dialect sets a location, by a name it has just matched.
    locationName: row.locationId
      ? ((await findLocationById(db, row.locationId))?.name ?? null)
      : null,
  };

  if (opts.dryRun) {
    const todo = toTodo({ ...row, id: 0, key: '' }, rel, ctx.config.publicUrl);
    return {
      outcome: 'preview',
      todo: { ...todo, id: null, key: null, taskLink: null, createdAt: null, updatedAt: null },
    };
  }

  const watcherIds = f.watcherEmails.flatMap((e) => {
    const u = people.get(e);
    return u ? [Number(u.id)] : [];
  });
  let stored: { id: number; key: string };
  try {
    stored = await writeTransaction(ctx, async (trx) => {
      const seq = await nextTodoSeq(trx, ws.id);
      const key = formatTodoKey(ws.key, seq);
      const id = await insertTodo(trx, { ...row, seq, key });
      await insertTodoTags(trx, id, f.tags);
      await insertTodoCategories(trx, id, f);
      await insertWatchers(trx, id, watcherIds, now);
      await replaceCustomValues(trx, id, custom);
      const extended = await createExtensions(trx, { id, workspaceId: ws.id }, cmd.extensions);
      const { externalSystem, externalId, ...rest } = row;
      await recordTodoChange(trx, {
        by: ctx,
        at: now,
        todo: { id, workspaceId: ws.id },
        action: 'create',
        changes: createdChanges({
          key,
          ...rest,
          ...extended,
          externalRef: f.externalRef,
          assignee: assignee.email,
          reporter: reporter.email,
          tags: f.tags,
          category: f.category,
          subCategory: f.subCategory,
          watchers: f.watcherEmails,
          ...Object.fromEntries(
            Object.entries(customFields).map(([k, v]) => [`customFields.${k}`, v]),
          ),
        }),
      });
      await cmd.inTransaction?.(trx, { id, workspaceId: Number(ws.id) });
      return { id, key };
    });
  } catch (err) {
    // Lost a race for the same externalRef: the transaction is gone (on PostgreSQL it
    // was aborted), so the winner is read outside it.
    if (isExternalRefConflict(err)) {
      const winner = await existing();
      if (winner) return winner;
    }
    throw err;
  }

  return {
    outcome: 'created',
    todo: toTodo({ ...row, ...stored }, rel, ctx.config.publicUrl),
  };
}

/**
 * A todo by key (`IMP-NLD-EXA-SWA-03`) or numeric id, if the caller may see it; "missing"
 * and "not yours" are the same 404.
 */
export async function getTodo(ctx: Ctx, ref: string | number): Promise<Todo> {
  return (await getTodoTarget(ctx, ref)).todo;
}

/** A todo the caller may see, with the id of its workspace (for audit rows and access checks). */
export interface TodoTarget {
  todo: Todo;
  workspaceId: number;
}

/** `getTodo` plus the todo's workspace id, from the same query. */
export async function getTodoTarget(ctx: Ctx, ref: string | number): Promise<TodoTarget> {
  const target = await loadTodo(ctx, ctx.db.kysely, whereOf(ref));
  if (!target) throw notFound(ref);
  return target;
}

/**
 * Changes some fields of a todo (see `parseTodoPatch`). In one transaction, with the
 * todo's row read and locked inside it, so concurrent changes never lose each other's
 * fields: the row, tags, categories and custom values, ONE audit event with only what
 * really changed as `[old, new]`, and a mail to every watcher but the actor. A patch
 * that changes nothing writes nothing, not even updatedAt. `ifMatch` (an ETag) makes
 * it conditional: a todo changed since is 412. `inTransaction` runs inside the same
 * transaction before it commits, also when no field changes (a dialect attaches uploads
 * there, audited on their own); what it throws undoes the whole update. A `PatchOf`
 * is made inside the transaction, from the locked todo.
 */
export async function updateTodo(
  ctx: Ctx,
  ref: string | number,
  patch: Record<string, unknown> | PatchOf,
  opts: {
    ifMatch?: string;
    inTransaction?: (trx: Executor, todo: { id: number; workspaceId: number }) => Promise<void>;
  } = {},
): Promise<Todo> {
  const errors = new FieldErrors();
  // A dialect may change only its own data, the location or attachments: then an empty
  // patch is not an error.
  const parse = (change: TodoChange) =>
    Object.keys(change.input).length === 0 &&
    (change.extensions || change.locationId !== undefined || opts.inTransaction)
      ? {}
      : parseTodoPatch(change.input, errors);
  // A patch given as such is checked before the transaction begins.
  const given = typeof patch === 'function' ? undefined : parse({ input: patch });
  try {
    return await writeTransaction(ctx, async (trx) => {
      const row = await lockTodo(ctx, trx, ref);
      const id = Number(row.id);
      const before = await withRelations(ctx, trx, row);
      checkPrecondition(opts.ifMatch, before);
      let p = given ?? {};
      let change: TodoChange = { input: {} };
      if (typeof patch === 'function') {
        change = await patch(trx, before, await loadExtensions(trx, id));
        p = parse(change);
      }

      const todoType = p.todoType ?? before.todoType;
      const reporterEmail = p.reporterEmail ?? before.reporter;
      const assigneeEmail =
        p.assigneeEmail === undefined ? before.assignee : (p.assigneeEmail ?? reporterEmail);
      // Only changed people are checked: an unchanged assignee who lost access since
      // must not block unrelated edits.
      const people = await checkPeople(
        trx,
        { id: row.workspaceId, key: row.workspaceKey },
        errors,
        [
          { field: 'reporter', email: reporterEmail === before.reporter ? null : reporterEmail },
          { field: 'assignee', email: assigneeEmail === before.assignee ? null : assigneeEmail },
        ],
      );

      const current = (await findCustomValues(trx, [id])).get(id) ?? new Map();
      const names = new Map([...current].map(([fid, v]) => [fid, v.name]));
      let custom = new Map([...current].map(([fid, v]) => [fid, v.value]));
      if (p.customFields !== undefined || todoType !== before.todoType) {
        const module = moduleOf(todoType);
        const defs = await findCustomFieldDefs(trx, module);
        for (const d of defs) names.set(d.id, d.name);
        custom = applyCustomValues(defs, custom, p.customFields, errors, module);
      }
      if (!errors.empty) throw validationError(errors.list);

      const status = p.status ?? before.status;
      const due = dueDateAfter(dateInZone(ctx.now, ctx.config.timeZone), row, status, p.dueDate);
      const orderID = p.orderId === undefined ? before.orderID : p.orderId;
      const lrn = p.lrn === undefined ? before.lrn : p.lrn;
      const keep = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
      const after: Todo = {
        ...before,
        todoType,
        title: p.title ?? before.title,
        description: p.description ?? before.description,
        result: keep(p.result, before.result),
        financialImpact:
          p.financialImpactCents === undefined
            ? before.financialImpact
            : p.financialImpactCents === null
              ? null
              : formatCents(p.financialImpactCents),
        impact: keep(p.impact, before.impact),
        likelihood: keep(p.likelihood, before.likelihood),
        priority: keep(p.priority, before.priority),
        status,
        assignee: assigneeEmail,
        reporter: reporterEmail,
        category: p.category ?? before.category,
        subCategory: p.subCategory ?? before.subCategory,
        orderID,
        lrn,
        tags:
          p.tags !== undefined || orderID !== before.orderID || lrn !== before.lrn
            ? tagsAfter(
                { tags: before.tags, orderId: before.orderID, lrn: before.lrn },
                { tags: p.tags, orderId: orderID, lrn },
              )
            : before.tags,
        reminderDate: keep(p.reminderDate, before.reminderDate),
        dueDate: due.dueDate,
        externalRef: keep(p.externalRef, before.externalRef),
        customFields: Object.fromEntries(
          [...custom].map(([fid, v]) => [names.get(fid) ?? String(fid), v]),
        ),
      };

      const changes = diffTodos(before, after);
      const location = locationChange(row, change.locationId, changes);
      const todo = { id, workspaceId: Number(row.workspaceId) };
      Object.assign(changes, await updateExtensions(trx, todo, change.extensions));
      await opts.inTransaction?.(trx, todo);
      if (Object.keys(changes).length === 0) return before;

      if (after.externalRef && changes.externalRef) {
        const holder = await findTodoIdByExternalRef(trx, row.workspaceId, after.externalRef);
        if (holder !== undefined && holder !== id) throw externalRefTaken(row.workspaceKey);
      }
      const now = ctx.now.toISOString();
      const person = (email: string, old: number) => Number(people.get(email)?.id ?? old);
      await updateTodoRow(trx, id, {
        todoType: after.todoType,
        title: after.title,
        description: after.description,
        result: after.result,
        financialImpactCents: keep(p.financialImpactCents, row.financialImpactCents),
        impact: after.impact,
        likelihood: after.likelihood,
        priority: after.priority,
        status: after.status,
        assigneeId: person(after.assignee, row.assigneeId),
        reporterId: person(after.reporter, row.reporterId),
        orderId: after.orderID,
        lrn: after.lrn,
        reminderDate: after.reminderDate,
        dueDate: after.dueDate,
        dueDateByDone: due.dueDateByDone,
        dueDateBeforeDone: due.dueDateBeforeDone,
        externalSystem: after.externalRef?.system ?? null,
        externalId: after.externalRef?.id ?? null,
        tagsText: after.tags.length > 0 ? after.tags.join(' ') : null,
        updatedAt: now,
        // A new reminder date re-arms the reminder job.
        ...(changes.reminderDate ? { reminderSentFor: null } : {}),
        ...location,
      });
      if (changes.tags) await replaceTodoTags(trx, id, after.tags);
      if (changes.category || changes.subCategory) await replaceTodoCategories(trx, id, after);
      if (Object.keys(changes).some((k) => k.startsWith('customFields.')))
        await replaceCustomValues(trx, id, custom);
      const updated = { ...after, updatedAt: now };
      await recordTodoChange(trx, {
        by: ctx,
        at: now,
        todo: { id, workspaceId: row.workspaceId },
        action: 'update',
        changes,
        mails: await watcherMails(ctx, trx, id, updated, changes),
      });
      return updated;
    });
  } catch (err) {
    // Two changes raced for the same reference; the todo's workspace is in the index key.
    if (isExternalRefConflict(err)) throw externalRefTaken('this workspace');
    throw err;
  }
}

/**
 * Soft-deletes a todo: it answers 404 everywhere after, its key is never reused, and its
 * externalRef is freed so the external system may create a new one. Audited.
 */
export async function deleteTodo(
  ctx: Ctx,
  ref: string | number,
  opts: { ifMatch?: string } = {},
): Promise<void> {
  await writeTransaction(ctx, async (trx) => {
    const row = await lockTodo(ctx, trx, ref);
    if (opts.ifMatch !== undefined)
      checkPrecondition(opts.ifMatch, await withRelations(ctx, trx, row));
    const id = Number(row.id);
    const now = ctx.now.toISOString();
    await updateTodoRow(trx, id, {
      deletedAt: now,
      updatedAt: now,
      externalSystem: null,
      externalId: null,
    });
    const externalRef = externalRefOf(row);
    await recordTodoChange(trx, {
      by: ctx,
      at: now,
      todo: { id, workspaceId: row.workspaceId },
      action: 'delete',
      changes: {
        deletedAt: [null, now],
        ...(externalRef ? { externalRef: [externalRef, null] } : {}),
      },
    });
  });
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
    orderID: row.orderId,
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

function externalRefOf(row: Pick<TodoRow, 'externalSystem' | 'externalId'>): ExternalRef | null {
  return row.externalSystem !== null && row.externalId !== null
    ? { system: row.externalSystem, id: row.externalId }
    : null;
}

function whereOf(ref: string | number): { id: number } | { key: string } {
  const text = String(ref).trim();
  return /^\d{1,15}$/.test(text) ? { id: Number(text) } : { key: text.toUpperCase() };
}

function notFound(ref: string | number): AppError {
  return new AppError('not_found', `No todo ${String(ref).trim()}`);
}

type FoundTodo = NonNullable<Awaited<ReturnType<typeof findTodoForUpdate>>>;

/** A found row with its tags, categories and custom values, as a Todo. */
async function withRelations(ctx: Ctx, db: Executor, row: FoundTodo): Promise<Todo> {
  const id = Number(row.id);
  const [tags, categories, custom] = await Promise.all([
    findTodoTags(db, id),
    findTodoCategories(db, id),
    findCustomValues(db, [id]),
  ]);
  return toTodo(
    row,
    { ...row, tags, ...categories, customFields: customFieldsObject(custom.get(id)) },
    ctx.config.publicUrl,
  );
}

/** The caller's todo with everything it shows, in one query (see findTodoWithRelations). */
async function loadTodo(
  ctx: Ctx,
  db: Executor,
  where: { id: number } | { key: string },
): Promise<TodoTarget | undefined> {
  const found = await findTodoWithRelations(db, where, ctx.actor.workspaceIds);
  if (!found) return undefined;
  const { row } = found;
  const todo = toTodo(
    row,
    {
      workspaceKey: row.workspaceKey,
      workspaceName: row.workspaceName,
      domainCode: row.domainCode,
      assigneeEmail: row.assigneeEmail,
      reporterEmail: row.reporterEmail,
      tags: found.tags,
      category: found.category,
      subCategory: found.subCategory,
      customFields: found.customFields,
      locationName: row.locationName,
    },
    ctx.config.publicUrl,
  );
  return { todo, workspaceId: Number(row.workspaceId) };
}

/** The caller's todo, locked for the rest of the transaction; 404 otherwise. */
async function lockTodo(ctx: Ctx, trx: Executor, ref: string | number): Promise<FoundTodo> {
  const lock = ctx.db.engine === 'postgres';
  const row = await findTodoForUpdate(trx, whereOf(ref), ctx.actor.workspaceIds, lock);
  if (!row) throw notFound(ref);
  return row;
}

function checkPrecondition(ifMatch: string | undefined, current: Todo): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  const etag = todoETag(current);
  // Weak comparison (RFC 9110 §13.1.1): W/ prefixes do not matter.
  const strip = (t: string) => t.replace(/^W\//, '');
  if (!tags.includes('*') && !tags.some((t) => strip(t) === strip(etag))) {
    throw new AppError(
      'precondition_failed',
      `The todo ${current.key} has changed since you read it (now ${etag}); read it again`,
      [],
      { ETag: etag },
    );
  }
}

/** `where`: the workspace, as the message names it. */
function externalRefTaken(where: string): AppError {
  return new AppError(
    'conflict',
    `externalRef: another todo in ${where} already has this external reference`,
    [{ field: 'externalRef', message: 'is already used by another todo in this workspace' }],
  );
}

/** A unique violation of `todos_external_ref_uq`, as PostgreSQL or SQLite reports it. */
function isExternalRefConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code === '23505') return e.constraint === 'todos_external_ref_uq';
  return (
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof e.message === 'string' &&
    e.message.includes('external_system')
  );
}

/**
 * The users named in a request: each must be active and (once the workspace is known)
 * have access to it. Problems are added to `errors` under each one's field.
 */
async function checkPeople(
  db: Executor,
  ws: { id: number; key: string } | undefined,
  errors: FieldErrors,
  wanted: { field: string; email: string | null }[],
): Promise<Map<string, UserRow>> {
  const ok = new Map<string, UserRow>();
  // Nobody is judged without a workspace: the workspace's own error says what is wrong.
  if (!ws) return ok;
  const emails = [...new Set(wanted.flatMap((w) => (w.email === null ? [] : [w.email])))];
  const users = await findUsersWithAccess(db, emails, ws.id);
  for (const { field, email } of wanted) {
    if (email === null) continue;
    const user = users.find((u) => u.email === email);
    // One message for unknown, disabled and no access: it never tells who exists elsewhere.
    if (user?.hasAccess && Number(user.disabled) === 0) ok.set(email, user);
    else errors.add(field, noActiveUserWithAccess(email, ws.key));
  }
  return ok;
}

/**
 * The due date after a change, and what the todo remembers of DONE's part in it
 * (docs/decisions.md, "Reopening a todo"). Moving to DONE sets the transaction date,
 * whatever dueDate was sent (SPEC §3), and keeps the date before. Reopening while the
 * due date is still DONE's goes back to the date before if it has not passed, else to
 * none: a reopened todo must not expire for having been done. A due date a person
 * changes is theirs and stays, also across DONE and reopen.
 */
function dueDateAfter(
  today: string,
  row: Pick<TodoRow, 'status' | 'dueDate' | 'dueDateByDone' | 'dueDateBeforeDone'>,
  status: string,
  sent: string | null | undefined,
): { dueDate: string | null; dueDateByDone: number; dueDateBeforeDone: string | null } {
  const changed = sent !== undefined && sent !== row.dueDate;
  if (status === 'DONE' && row.status !== 'DONE') {
    return { dueDate: today, dueDateByDone: 1, dueDateBeforeDone: changed ? sent : row.dueDate };
  }
  if (Number(row.dueDateByDone) === 1 && !changed) {
    if (status === 'DONE') {
      return { dueDate: row.dueDate, dueDateByDone: 1, dueDateBeforeDone: row.dueDateBeforeDone };
    }
    const back = row.dueDateBeforeDone;
    return {
      dueDate: back !== null && back >= today ? back : null,
      dueDateByDone: 0,
      dueDateBeforeDone: null,
    };
  }
  return { dueDate: changed ? sent : row.dueDate, dueDateByDone: 0, dueDateBeforeDone: null };
}

/**
 * The audit record of a change, under the names the create event uses (amounts in
 * cents as `financialImpactCents`, `orderId`; custom fields as `customFields.<name>`).
 */
function diffTodos(before: Todo, after: Todo): Record<string, [unknown, unknown]> {
  const cents = (t: Todo) =>
    t.financialImpact === null ? null : parseAmountCents(t.financialImpact);
  const pairs: [string, unknown, unknown][] = [
    ['todoType', before.todoType, after.todoType],
    ['title', before.title, after.title],
    ['description', before.description, after.description],
    ['result', before.result, after.result],
    ['financialImpactCents', cents(before), cents(after)],
    ['impact', before.impact, after.impact],
    ['likelihood', before.likelihood, after.likelihood],
    ['priority', before.priority, after.priority],
    ['status', before.status, after.status],
    ['assignee', before.assignee, after.assignee],
    ['reporter', before.reporter, after.reporter],
    ['category', before.category, after.category],
    ['subCategory', before.subCategory, after.subCategory],
    ['orderId', before.orderID, after.orderID],
    ['lrn', before.lrn, after.lrn],
    ['tags', before.tags, after.tags],
    ['reminderDate', before.reminderDate, after.reminderDate],
    ['dueDate', before.dueDate, after.dueDate],
    ['externalRef', before.externalRef, after.externalRef],
  ];
  const names = new Set([...Object.keys(before.customFields), ...Object.keys(after.customFields)]);
  for (const name of [...names].sort()) {
    pairs.push([
      `customFields.${name}`,
      before.customFields[name] ?? null,
      after.customFields[name] ?? null,
    ]);
  }
  const out: Record<string, [unknown, unknown]> = {};
  for (const [field, old, now] of pairs) {
    if (JSON.stringify(old) !== JSON.stringify(now)) out[field] = [old, now];
  }
  return out;
}

/** The location `wanted` really changes on `row`, added to `changes` as `locationId`. */
function locationChange(
  row: FoundTodo,
  wanted: number | null | undefined,
  changes: Record<string, [unknown, unknown]>,
): { locationId?: number | null } {
  // PostgreSQL returns bigints as text.
  const old = row.locationId === null ? null : Number(row.locationId);
  if (wanted === undefined || wanted === old) return {};
  changes.locationId = [old, wanted];
  return { locationId: wanted };
}

/** Queues one mail per watcher (not the actor) listing the changes and the link. */
async function watcherMails(
  ctx: Ctx,
  trx: Executor,
  todoId: number,
  todo: Todo,
  changes: Record<string, [unknown, unknown]>,
): Promise<OutgoingMail[]> {
  const watchers = (await listWatchers(trx, todoId)).filter((w) => w.userId !== ctx.actor.userId);
  if (watchers.length === 0) return [];
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) return '(none)';
    if (field === 'financialImpactCents') return `EUR ${formatCents(Number(v))}`;
    if (Array.isArray(v)) return v.join(', ');
    if (typeof v === 'object') {
      const r = v as Partial<ExternalRef>;
      return r.system !== undefined ? `${r.system}:${r.id}` : JSON.stringify(v);
    }
    return String(v);
  };
  const lines = Object.entries(changes).map(([field, [old, now]]) => {
    const label = field === 'financialImpactCents' ? 'financialImpact' : field;
    return `${label}: ${show(field, old)} → ${show(field, now)}`;
  });
  const summary = lines.join('; ');
  const subject = `[${todo.key}] ${summary.length > 150 ? `${summary.slice(0, 149)}…` : summary}`;
  const text = [
    `${actorLabel(ctx.actor)} changed ${todo.key} "${todo.title}":`,
    '',
    ...lines.map((l) => `  ${l}`),
    '',
    todo.taskLink,
    '',
    'You receive this because you watch this todo.',
  ].join('\n');
  return watchers.map((w) => ({ to: w.email, subject, text, kind: 'watch', todoId }));
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
    'reminderSentFor',
    'dueDateByDone',
    'dueDateBeforeDone',
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
