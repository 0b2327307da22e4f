import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type { TodoRow } from '../../platform/db/tables.ts';
import { FieldErrors } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { dateInZone } from '../../platform/values/dates.ts';
import { formatCents } from '../../platform/values/rules.ts';
import {
  applyCustomValues,
  findCustomFieldDefs,
  findCustomValues,
  moduleOf,
  replaceCustomValues,
} from './custom-values.ts';
import type { Todo } from './todo.model.ts';
import { recordTodoChange } from './todo-change.ts';
import { checkPeople, externalRefTaken, fieldError, isExternalRefConflict } from './todo-checks.ts';
import { diffTodos } from './todo-diff.ts';
import {
  type ExtensionData,
  type ExtensionInputs,
  loadExtensions,
  updateExtensions,
} from './todo-extension.ts';
import { tagsAfter } from './todo-fields.ts';
import { parseTodoPatch } from './todo-input.ts';
import { checkPrecondition, type FoundTodo, lockTodo, withRelations } from './todo-load.ts';
import { watcherMails } from './todo-mail.ts';
import {
  findTodoIdByExternalRef,
  replaceTodoCategories,
  replaceTodoTags,
  updateTodoRow,
} from './todos.repository.ts';

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
    /** Renames the core's field names to the caller's wire names in errors. */
    fieldNames?: Partial<Record<string, string>>;
  } = {},
): Promise<Todo> {
  const errors = new FieldErrors();
  // A dialect may change only its own data, the location or attachments: then an empty
  // patch is not an error.
  const parse = (change: TodoChange) =>
    Object.keys(change.input).length === 0 &&
    (change.extensions || change.locationId !== undefined || opts.inTransaction)
      ? {}
      : parseTodoPatch(change.input, errors, opts.fieldNames);
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
      if (!errors.empty) throw fieldError(errors.list, opts.fieldNames, false);

      const status = p.status ?? before.status;
      const due = dueDateAfter(dateInZone(ctx.now, ctx.config.timeZone), row, status, p.dueDate);
      const orderId = p.orderId === undefined ? before.orderId : p.orderId;
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
        orderId,
        lrn,
        tags:
          p.tags !== undefined || orderId !== before.orderId || lrn !== before.lrn
            ? tagsAfter(
                { tags: before.tags, orderId: before.orderId, lrn: before.lrn },
                { tags: p.tags, orderId, lrn },
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
        orderId: after.orderId,
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
 * The due date after a change, and what the todo remembers of DONE's part in it
 * (docs/decisions.md, "Reopening a todo"). Moving to DONE sets the transaction date,
 * whatever dueDate was sent (SPEC §3), and keeps the date before. Reopening while the
 * due date is still DONE's goes back to the date before if it has not passed, else to
 * none: a reopened todo must not expire for having been done. A due date a person
 * changes is theirs and stays, also across DONE and reopen.
 */
export function dueDateAfter(
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
