import type { Ctx } from '../../platform/context.ts';
import { afterPendingWrites } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { FieldErrors } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { dateInZone } from '../../platform/values/dates.ts';
import { findLocationById } from '../catalog/catalog.repository.ts';
import { resolveWorkspace, type WorkspaceRef } from '../tenancy/workspace-ref.ts';
import {
  applyCustomValues,
  type CustomValue,
  findCustomFieldDefs,
  insertCustomValues,
  moduleOf,
} from './custom-values.ts';
import { type Todo, type TodoPreview, toTodo } from './todo.model.ts';
import { recordTodoChange } from './todo-change.ts';
import { checkPeople, fieldError, isExternalRefConflict } from './todo-checks.ts';
import { createdChanges } from './todo-diff.ts';
import { createExtensions, type ExtensionInputs } from './todo-extension.ts';
import type { TodoInput } from './todo-fields.ts';
import { parseNewTodo } from './todo-input.ts';
import { loadTodo } from './todo-load.ts';
import { findTodoIdByExternalRef, insertNewTodo } from './todos.repository.ts';
import { insertWatchers } from './watchers.repository.ts';

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

/** How a create ended: a new todo, the one already holding the externalRef, or a dry run. */
export type CreateOutcome = StoredOutcome | { outcome: 'preview'; todo: TodoPreview };

/** A create that was not a dry run: the new todo, or the one holding the externalRef. */
export interface StoredOutcome {
  outcome: 'created' | 'existing';
  todo: Todo;
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
export async function createTodo(
  ctx: Ctx,
  cmd: CreateTodoCommand,
  opts?: { dryRun?: false },
): Promise<StoredOutcome>;
export async function createTodo(
  ctx: Ctx,
  cmd: CreateTodoCommand,
  opts: { dryRun?: boolean },
): Promise<CreateOutcome>;
export async function createTodo(
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

  const existing = async (): Promise<StoredOutcome | undefined> => {
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
    locationId: cmd.locationId ?? null,
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
      const { id, key } = await insertNewTodo(
        trx,
        ctx.db.engine,
        { id: Number(ws.id), key: ws.key },
        row,
        f.tags,
        f,
      );
      await insertWatchers(trx, id, watcherIds, now);
      await insertCustomValues(trx, id, custom);
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
      await afterPendingWrites(ctx.db);
      const winner = await existing();
      if (winner) return winner;
    }
    throw err;
  }

  ctx.metrics?.todoCreated(ctx.via);
  return {
    outcome: 'created',
    todo: toTodo({ ...row, ...stored }, rel, ctx.config.publicUrl),
  };
}
