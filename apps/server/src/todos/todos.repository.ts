import type { Executor } from '../db/executor.ts';
import type { NewTodo, TodoUpdate } from '../db/tables.ts';

export async function insertTodo(db: Executor, values: NewTodo): Promise<number> {
  const row = await db.insertInto('todos').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function insertTodoTags(db: Executor, todoId: number, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  await db
    .insertInto('todoTags')
    .values(tags.map((tag, position) => ({ todoId, position, tag })))
    .execute();
}

export async function insertTodoCategories(
  db: Executor,
  todoId: number,
  categories: { category: string[]; subCategory: string[] },
): Promise<void> {
  const rows = [
    ...categories.category.map((value, position) => ({
      todoId,
      kind: 'category' as const,
      position,
      value,
    })),
    ...categories.subCategory.map((value, position) => ({
      todoId,
      kind: 'subCategory' as const,
      position,
      value,
    })),
  ];
  if (rows.length > 0) await db.insertInto('todoCategories').values(rows).execute();
}

/**
 * A live todo by key or id, only within the workspaces the caller may see (`allowed`,
 * null for all), with the names the API shows instead of ids.
 */
export async function findTodo(
  db: Executor,
  where: { key: string } | { id: number },
  allowed: ReadonlySet<number> | null,
) {
  return selectTodo(db, where, allowed).executeTakeFirst();
}

/**
 * As findTodo, inside a transaction that is about to change the todo. On PostgreSQL the
 * todo's row is locked (only that row: not the joined workspace, whose sequence creates
 * update) so concurrent changes queue instead of overwriting each other; SQLite runs one
 * write transaction at a time anyway.
 */
export async function findTodoForUpdate(
  db: Executor,
  where: { key: string } | { id: number },
  allowed: ReadonlySet<number> | null,
  lock: boolean,
) {
  const q = selectTodo(db, where, allowed);
  return (lock ? q.forUpdate('t') : q).executeTakeFirst();
}

function selectTodo(
  db: Executor,
  where: { key: string } | { id: number },
  allowed: ReadonlySet<number> | null,
) {
  let q = db
    .selectFrom('todos as t')
    .innerJoin('workspaces as w', 'w.id', 't.workspaceId')
    .innerJoin('domains as d', 'd.id', 'w.domainId')
    .innerJoin('users as a', 'a.id', 't.assigneeId')
    .innerJoin('users as r', 'r.id', 't.reporterId')
    .selectAll('t')
    .select([
      'w.key as workspaceKey',
      'w.name as workspaceName',
      'd.code as domainCode',
      'a.email as assigneeEmail',
      'r.email as reporterEmail',
    ])
    .where((eb) => ('key' in where ? eb('t.key', '=', where.key) : eb('t.id', '=', where.id)))
    .where('t.deletedAt', 'is', null);
  if (allowed !== null) q = q.where('t.workspaceId', 'in', allowed.size > 0 ? [...allowed] : [-1]);
  return q;
}

/** The todo holding an external reference in a workspace (deleting a todo frees it). */
export async function findTodoIdByExternalRef(
  db: Executor,
  workspaceId: number,
  ref: { system: string; id: string },
): Promise<number | undefined> {
  const row = await db
    .selectFrom('todos')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('externalSystem', '=', ref.system)
    .where('externalId', '=', ref.id)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

export async function updateTodoRow(db: Executor, id: number, values: TodoUpdate): Promise<void> {
  await db.updateTable('todos').set(values).where('id', '=', id).execute();
}

export async function replaceTodoTags(db: Executor, todoId: number, tags: string[]) {
  await db.deleteFrom('todoTags').where('todoId', '=', todoId).execute();
  await insertTodoTags(db, todoId, tags);
}

export async function replaceTodoCategories(
  db: Executor,
  todoId: number,
  categories: { category: string[]; subCategory: string[] },
) {
  await db.deleteFrom('todoCategories').where('todoId', '=', todoId).execute();
  await insertTodoCategories(db, todoId, categories);
}

export async function findTodoTags(db: Executor, todoId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('todoTags')
    .select('tag')
    .where('todoId', '=', todoId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.tag);
}

export async function findTodoCategories(db: Executor, todoId: number) {
  const rows = await db
    .selectFrom('todoCategories')
    .select(['kind', 'value'])
    .where('todoId', '=', todoId)
    .orderBy('kind')
    .orderBy('position')
    .execute();
  return {
    category: rows.filter((r) => r.kind === 'category').map((r) => r.value),
    subCategory: rows.filter((r) => r.kind === 'subCategory').map((r) => r.value),
  };
}
