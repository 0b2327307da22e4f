import {
  attachUploads,
  listAttachedFiles,
  uploadRefsOf,
} from '../../core/attachments/attachments.service.ts';
import { findCustomFieldDefs, moduleOf } from '../../core/todos/custom-values.ts';
import { createTodo } from '../../core/todos/todo-create.ts';
import type { TodoType } from '../../core/todos/todo-fields.ts';
import { getTodo } from '../../core/todos/todo-load.ts';
import { updateTodo } from '../../core/todos/todo-update.ts';
import { listTodoWatchers } from '../../core/todos/watchers.service.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { validationError } from '../../platform/errors.ts';
import { incidentDataOf, itsmIncidents } from './itsm.extension.ts';
import { type Body, checkWorkspace, mapCommon, renamed } from './itsm.input.ts';
import {
  canonicalCategory,
  customDetailsOf,
  DEFAULT_CATEGORY,
  isCustomCategory,
  shownValues,
  todoTypeOf,
} from './itsm.mapping.ts';
import { findIncidentExtras } from './itsm.repository.ts';

/** The ITSM incident's operations over the todos service (the routes only wire them). */

/** Attaches `attachmentsRefNames` (uploads from POST /api/oprfile) to an incident. */
async function attachRefs(
  ctx: Ctx,
  trx: Executor,
  todo: { id: number; workspaceId: number },
  refs: unknown,
): Promise<void> {
  await attachUploads(
    ctx,
    trx,
    todo.id,
    todo.workspaceId,
    uploadRefsOf(refs),
    'attachmentsRefNames',
  );
}

/** GET's incident: the todo in ITSM terms, LONG custom values exact. */
export async function renderIncident(ctx: Ctx, id: string) {
  const todo = await getTodo(ctx, id);
  const [extras, watchers, defs, files] = await Promise.all([
    findIncidentExtras(ctx.db.kysely, todo.id),
    listTodoWatchers(ctx, String(todo.id)),
    findCustomFieldDefs(ctx.db.kysely, moduleOf(todo.todoType)),
    listAttachedFiles(ctx, todo),
  ]);
  const shown = shownValues(todo, extras);
  return {
    requesterEmail: todo.reporter,
    requesterName: extras.requesterName ?? extras.reporterName,
    ccEmailSet: watchers.items.map((w) => w.email),
    subject: todo.title,
    description: todo.description,
    categoryName: shown.categoryName,
    status: shown.status,
    impact: shown.impact,
    priority: shown.priority,
    urgency: extras.urgency ?? 'LOW',
    locationName: extras.locationName ?? null,
    tags: todo.tags,
    spam: Number(extras.spam) === 1,
    // None reads as null, as seed 003's incident shows.
    fileAttachments:
      files.length === 0
        ? null
        : files.map((f) => ({ refFileName: f.ref, realName: f.name, link: f.link })),
    customFieldValueDetails: customDetailsOf(todo.customFields, defs),
  };
}

/** Creates an incident in the caller's ITSM workspace; its id. */
export async function createIncident(ctx: Ctx, body: Body): Promise<number> {
  checkWorkspace(ctx);
  const category = canonicalCategory(
    typeof body.categoryName === 'string' && body.categoryName.trim() !== ''
      ? body.categoryName
      : DEFAULT_CATEGORY,
  );
  const todoType = todoTypeOf(category);
  const m = await mapCommon(ctx.db.kysely, { customFieldValueDetails: {}, ...body }, todoType);
  if (m.problems.length > 0) throw validationError(m.problems);
  try {
    const { todo } = await createTodo(ctx, {
      fields: {
        ...m.fields,
        todoType,
        status: m.fields.status ?? 'TODO',
        watchers: body.ccEmailSet,
        category: isCustomCategory(category) ? [category] : undefined,
      },
      workspace: { by: 'default', field: 'workspace' },
      customFields: m.customFields,
      optionalDescription: true,
      locationId: m.locationId,
      extensions: { [itsmIncidents.name]: { ...m.incident, categoryName: category } },
      // In the create's transaction: a bad reference stores nothing at all.
      inTransaction: (trx, todo) => attachRefs(ctx, trx, todo, body.attachmentsRefNames),
    });
    return todo.id;
  } catch (err) {
    throw renamed(err, m.customIds);
  }
}

/** Changes an incident: only what the body names; its id. */
export async function updateIncident(ctx: Ctx, id: string, body: Body): Promise<number> {
  if (Object.keys(body).length === 0)
    throw validationError([{ field: 'body', message: 'send at least one field to change' }]);
  let customIds = new Map<string, string>();
  try {
    // Read and written in the update's transaction, the todo locked: a category
    // another request adds meanwhile is kept, not overwritten by a stale list.
    const todo = await updateTodo(
      ctx,
      id,
      async (trx, before, extensionData) => {
        const input: Record<string, unknown> = {};
        let category: string | undefined;
        if (typeof body.categoryName === 'string' && body.categoryName.trim() !== '') {
          const beforeCategory = incidentDataOf(extensionData).categoryName;
          category = canonicalCategory(body.categoryName);
          input.todoType = todoTypeOf(category);
          // A named category is kept among the todo's categories, replacing the old one.
          const kept = before.category.filter(
            (c) => !(isCustomCategory(beforeCategory) && c === beforeCategory),
          );
          if (isCustomCategory(category) && !kept.includes(category)) kept.push(category);
          if (kept.join('\n') !== before.category.join('\n')) input.category = kept;
        }
        const todoType = (input.todoType as TodoType | undefined) ?? before.todoType;
        const m = await mapCommon(trx, body, todoType);
        customIds = m.customIds;
        if (m.problems.length > 0) throw validationError(m.problems);
        Object.assign(input, m.fields);
        if (m.customFields !== undefined) input.customFields = m.customFields;
        const incident = { ...m.incident };
        if (category !== undefined) incident.categoryName = category;
        return {
          input,
          locationId: m.locationId,
          extensions: { [itsmIncidents.name]: incident },
        };
      },
      {
        inTransaction: (trx, todo) => attachRefs(ctx, trx, todo, body.attachmentsRefNames),
      },
    );
    return todo.id;
  } catch (err) {
    throw renamed(err, customIds);
  }
}
