import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError } from '../../platform/errors.ts';
import { normalizeKey } from '../../platform/values/rules.ts';
import { customFieldsObject, findCustomValues } from './custom-values.ts';
import { type Todo, type TodoTarget, toTodo } from './todo.model.ts';
import { todoETag } from './todo-etag.ts';
import {
  findTodoCategories,
  findTodoForUpdate,
  findTodoTags,
  findTodoWithRelations,
  type TodoWithRelations,
} from './todos.repository.ts';

/**
 * A todo by key (`IMP-NLD-EXA-SWA-03`) or numeric id, if the caller may see it; "missing"
 * and "not yours" are the same 404.
 */
export async function getTodo(ctx: Ctx, ref: string | number): Promise<Todo> {
  return (await getTodoTarget(ctx, ref)).todo;
}

/** `getTodo` plus the todo's workspace id, from the same query. */
export async function getTodoTarget(ctx: Ctx, ref: string | number): Promise<TodoTarget> {
  const target = await loadTodo(ctx, ctx.db.kysely, whereOf(ref));
  if (!target) throw notFound(ref);
  return target;
}

/** A reference to a todo: a numeric id, or a key, compared as keys are. */
function whereOf(ref: string | number): { id: number } | { key: string } {
  const text = String(ref).trim();
  return /^\d{1,15}$/.test(text) ? { id: Number(text) } : { key: normalizeKey(text) };
}

function notFound(ref: string | number): AppError {
  return new AppError('not_found', `No todo ${String(ref).trim()}`);
}

export type FoundTodo = NonNullable<Awaited<ReturnType<typeof findTodoForUpdate>>>;

/** A found row with its tags, categories and custom values, as a Todo. */
export async function withRelations(ctx: Ctx, db: Executor, row: FoundTodo): Promise<Todo> {
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
export async function loadTodo(
  ctx: Ctx,
  db: Executor,
  where: { id: number } | { key: string },
): Promise<TodoTarget | undefined> {
  const found = await findTodoWithRelations(db, where, ctx.actor.workspaceIds);
  if (!found) return undefined;
  return { todo: todoOf(found, ctx.config.publicUrl), workspaceId: Number(found.row.workspaceId) };
}

/** A todo read with its relations (`findTodoWithRelations`, `findTodosWithRelations`). */
export function todoOf(found: TodoWithRelations, publicUrl: string): Todo {
  const { row } = found;
  return toTodo(
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
    publicUrl,
  );
}

/** The caller's todo, locked for the rest of the transaction; 404 otherwise. */
export async function lockTodo(ctx: Ctx, trx: Executor, ref: string | number): Promise<FoundTodo> {
  const lock = ctx.db.engine === 'postgres';
  const row = await findTodoForUpdate(trx, whereOf(ref), ctx.actor.workspaceIds, lock);
  if (!row) throw notFound(ref);
  return row;
}

export function checkPrecondition(ifMatch: string | undefined, current: Todo): void {
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
