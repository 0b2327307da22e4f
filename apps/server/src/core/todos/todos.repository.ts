import { type RawBuilder, sql } from 'kysely';
import type { Engine } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedForCount, preparedInsert, preparedQuery } from '../../platform/db/prepared.ts';
import type { NewTodo, TodoTable, TodoUpdate } from '../../platform/db/tables.ts';
import { nextTodoSeq } from '../tenancy/workspaces.repository.ts';
import type { CustomValue } from './custom-values.ts';
import { formatTodoKey } from './todo-fields.ts';
import { LIST_LIMIT } from './todo-list.model.ts';

// The inserts of every create, compiled once (database.ts, `preparedInsert`).
const insertTagRows = preparedInsert('todoTags', ['todoId', 'position', 'tag']);
const insertCategoryRows = preparedInsert('todoCategories', [
  'todoId',
  'kind',
  'position',
  'value',
]);

export async function insertTodo(db: Executor, values: NewTodo): Promise<number> {
  const [row] = await insertTodoRow(db, [values]);
  return Number(row?.id);
}

export async function insertTodoTags(db: Executor, todoId: number, tags: string[]): Promise<void> {
  await insertTagRows(
    db,
    tags.map((tag, position) => ({ todoId, position, tag })),
  );
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
  await insertCategoryRows(db, rows);
}

/**
 * A live todo by key or id, only within the workspaces the caller may see (`allowed`,
 * null for all), with the names the API shows instead of ids, inside a transaction that
 * is about to change the todo. On PostgreSQL the todo's row is locked (only that row:
 * not the joined workspace, whose sequence creates update) so concurrent changes queue
 * instead of overwriting each other; SQLite runs one write transaction at a time anyway.
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
  let q = liveTodosWithNames(db)
    .select(ALL_TODO_COLUMNS.map((c) => `t.${c}` as const))
    .where((eb) => ('key' in where ? eb('t.key', '=', where.key) : eb('t.id', '=', where.id)));
  if (allowed !== null) q = q.where('t.workspaceId', 'in', allowed.size > 0 ? [...allowed] : [-1]);
  return q;
}

/**
 * A live todo by key or id, only within the workspaces the caller may see (`allowed`,
 * null for all), with the names the API shows instead of ids, and its tags, categories
 * and custom values, in one query: each comes as a JSON array (text) aggregated in a
 * subselect, in the order the API shows. Prepared once per database (reading a todo is
 * the hottest path), so the workspace filter cannot be an `in (…)` list of varying
 * length: the row's workspace is checked here instead, before anything is returned.
 */
export async function findTodoWithRelations(
  db: Executor,
  where: { key: string } | { id: number },
  allowed: ReadonlySet<number> | null,
) {
  const rows = 'key' in where ? await todoByKey(db, where.key) : await todoById(db, where.id);
  const row = rows[0];
  if (!row || (allowed !== null && !allowed.has(Number(row.workspaceId)))) return undefined;
  return withParsedRelations(row);
}

/** A row of `selectTodoWithRelations` with its three JSON columns parsed. */
export type TodoWithRelations = ReturnType<typeof withParsedRelations>;

function withParsedRelations(row: Awaited<ReturnType<typeof todoById>>[number]) {
  // The row keeps its three JSON columns: copying 40 fields to drop them costs more.
  const byFirst = <T extends [number | string, ...unknown[]]>(items: T[]) =>
    items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const categories = byFirst(JSON.parse(row.categoriesJson) as Array<[number, string, string]>);
  const ofKind = (k: string) => categories.filter(([, kind]) => kind === k).map(([, , v]) => v);
  return {
    row,
    tags: byFirst(JSON.parse(row.tagsJson) as Array<[number, string]>).map(([, tag]) => tag),
    category: ofKind('category'),
    subCategory: ofKind('subCategory'),
    /** Field name → value, by name. */
    customFields: Object.fromEntries(
      byFirst(JSON.parse(row.customJson) as Array<[string, CustomValue]>),
    ),
  };
}

/**
 * Live todos by id (a list page), each with everything it shows as
 * `findTodoWithRelations` reads one: one query for the page instead of one for the rows
 * and one each for tags, categories and custom values, compiled once per page size. In
 * no particular order; the caller has checked the workspaces.
 */
export async function findTodosWithRelations(
  db: Executor,
  ids: readonly number[],
): Promise<TodoWithRelations[]> {
  if (ids.length === 0) return [];
  return (await todosByIds(db, ids)).map(withParsedRelations);
}

const todosByIds = preparedForCount(
  (db, ids, engine) => selectTodoWithRelations(db, engine).where('t.id', 'in', ids as number[]),
  LIST_LIMIT.max,
);

const todoByKey = preparedQuery((db, arg, engine) =>
  selectTodoWithRelations(db, engine).where('t.key', '=', arg<string>(0)),
);
const todoById = preparedQuery((db, arg, engine) =>
  selectTodoWithRelations(db, engine).where('t.id', '=', arg<number>(0)),
);

/**
 * Live todos joined to the names a Todo shows instead of ids (workspace, domain, people,
 * location): each join is a primary-key lookup per row. Callers choose the todo columns.
 */
function liveTodosWithNames(db: Executor) {
  return db
    .selectFrom('todos as t')
    .innerJoin('workspaces as w', 'w.id', 't.workspaceId')
    .innerJoin('domains as d', 'd.id', 'w.domainId')
    .innerJoin('users as a', 'a.id', 't.assigneeId')
    .innerJoin('users as r', 'r.id', 't.reporterId')
    .leftJoin('locations as l', 'l.id', 't.locationId')
    .select([
      'w.key as workspaceKey',
      'w.name as workspaceName',
      'd.code as domainCode',
      'a.email as assigneeEmail',
      'r.email as reporterEmail',
      'l.name as locationName',
    ])
    .where('t.deletedAt', 'is', null);
}

/** Live todos with what a Todo shows (and the workspace, to check it): each column costs. */
function selectShownTodos(db: Executor) {
  return liveTodosWithNames(db).select(SHOWN_TODO_COLUMNS);
}

/**
 * Every column of TodoTable, named: `t.*` would ship PostgreSQL's `search` tsvector
 * along. A column added to TodoTable and missing here fails the type check.
 */
const ALL_TODO_COLUMNS = [
  'id',
  'workspaceId',
  'seq',
  'key',
  'todoType',
  'title',
  'description',
  'result',
  'financialImpactCents',
  'impact',
  'likelihood',
  'priority',
  'status',
  'assigneeId',
  'reporterId',
  'orderId',
  'lrn',
  'reminderDate',
  'dueDate',
  'createdVia',
  'createdByUserId',
  'createdByClientId',
  'createdByEndpointId',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'externalSystem',
  'externalId',
  'tagsText',
  'reminderSentFor',
  'locationId',
  'dueDateByDone',
  'dueDateBeforeDone',
] as const satisfies ReadonlyArray<keyof TodoTable>;
const allColumnsListed: Exclude<keyof TodoTable, (typeof ALL_TODO_COLUMNS)[number]> extends never
  ? true
  : false = true;
void allColumnsListed;

/** Compiled once (`preparedInsert`): every create inserts its todo with every column. */
const insertTodoRow = preparedInsert(
  'todos',
  ALL_TODO_COLUMNS.filter((c) => c !== 'id'),
  { returning: 'id' },
);

/** The columns a new todo's caller gives; its key and sequence number come with it. */
const NEW_TODO_COLUMNS = ALL_TODO_COLUMNS.filter((c) => c !== 'id' && c !== 'seq' && c !== 'key');
type NewTodoValues = Omit<NewTodo, 'seq' | 'key'>;

/**
 * PostgreSQL: a create's writes up to its history in one statement, compiled once. The
 * next key's row lock on the workspace serializes creates in that workspace until they
 * commit, so every round trip made while holding it lowers the workspace's create rate
 * and, with several processes, queues creates behind a holder waiting for a core. Taking
 * the key, inserting the todo, its tags and its categories in one statement holds it for
 * three round trips fewer. The key's format is `formatTodoKey`'s (two digits at least).
 */
const insertNewTodoStatement = preparedQuery((db, arg) => {
  const n = NEW_TODO_COLUMNS.length;
  const values = Object.fromEntries(NEW_TODO_COLUMNS.map((c, i) => [c, arg(i + 2)]));
  return db
    .with('s', (q) =>
      q
        .updateTable('workspaces')
        .set((eb) => ({ todoSeq: eb('todoSeq', '+', 1) }))
        .where('id', '=', arg<number>(0))
        .returning('todoSeq'),
    )
    .with('t', (q) =>
      q
        .insertInto('todos')
        .values({
          ...(values as unknown as NewTodoValues),
          seq: sql<number>`(select todo_seq from s)`,
          key: sql<string>`${arg(1)} || '-' || (select case when todo_seq < 10 then '0' else '' end || todo_seq from s)`,
        })
        .returning(['id', 'key']),
    )
    .with('g', (q) =>
      q
        .insertInto('todoTags')
        .columns(['todoId', 'position', 'tag'])
        .expression(sql`
          select t.id, x.ord - 1, x.tag
          from t, unnest(${arg(n + 2)}::text[]) with ordinality as x(tag, ord)`),
    )
    .with('c', (q) =>
      q
        .insertInto('todoCategories')
        .columns(['todoId', 'kind', 'position', 'value'])
        .expression(sql`
          select t.id, x.kind, x.position, x.value
          from t, unnest(${arg(n + 3)}::text[], ${arg(n + 4)}::int[], ${arg(n + 5)}::text[])
            as x(kind, position, value)`),
    )
    .selectFrom('t')
    .select(['id', 'key']);
});

/**
 * A new todo with the next key of its workspace, its tags and its categories, inside the
 * create's transaction. PostgreSQL: one statement (`insertNewTodoStatement`); SQLite,
 * where a write batch holds the only write lock anyway: one statement each.
 */
export async function insertNewTodo(
  db: Executor,
  engine: Engine,
  workspace: { id: number; key: string },
  values: NewTodoValues,
  tags: string[],
  categories: { category: string[]; subCategory: string[] },
): Promise<{ id: number; key: string }> {
  if (engine === 'postgres') {
    const kinds = [
      ...categories.category.map(() => 'category'),
      ...categories.subCategory.map(() => 'subCategory'),
    ];
    const positions = [...categories.category.keys(), ...categories.subCategory.keys()];
    const [row] = await insertNewTodoStatement(
      db,
      workspace.id,
      workspace.key,
      ...NEW_TODO_COLUMNS.map((c) => values[c as keyof NewTodoValues]),
      tags,
      kinds,
      positions,
      [...categories.category, ...categories.subCategory],
    );
    if (!row) throw new Error(`workspace ${workspace.id} does not exist`);
    return { id: Number(row.id), key: row.key };
  }
  const seq = await nextTodoSeq(db, workspace.id);
  const key = formatTodoKey(workspace.key, seq);
  const id = await insertTodo(db, { ...values, seq, key });
  await insertTodoTags(db, id, tags);
  await insertTodoCategories(db, id, categories);
  return { id, key };
}

const SHOWN_TODO_COLUMNS = [
  't.id',
  't.workspaceId',
  't.key',
  't.todoType',
  't.title',
  't.description',
  't.result',
  't.financialImpactCents',
  't.impact',
  't.likelihood',
  't.priority',
  't.status',
  't.orderId',
  't.lrn',
  't.reminderDate',
  't.dueDate',
  't.externalSystem',
  't.externalId',
  't.createdVia',
  't.createdAt',
  't.updatedAt',
] as const;

function selectTodoWithRelations(db: Executor, engine: Engine) {
  // A JSON array text of `item` over the rows of `from`; '[]' when none. Each item
  // carries its sort key and `withParsedRelations` orders them: on SQLite an ORDER BY
  // inside the aggregate sorts through a temporary b-tree per todo, which cost more than
  // the rest of the query (82 -> 42 µs for one todo with two tags and a category).
  const agg = (item: RawBuilder<unknown>, from: RawBuilder<unknown>) =>
    engine === 'postgres'
      ? sql<string>`coalesce((select json_agg(${item}) ${from})::text, '[]')`
      : sql<string>`(select json_group_array(${item}) ${from})`;
  const array = (...items: RawBuilder<unknown>[]) =>
    engine === 'postgres'
      ? sql`json_build_array(${sql.join(items)})`
      : sql`json_array(${sql.join(items)})`;
  // Custom values are stored as JSON text; embedded as JSON, not as a string.
  const storedJson = engine === 'postgres' ? sql`cv.value::json` : sql`json(cv.value)`;
  return selectShownTodos(db).select([
    agg(array(sql`tg."position"`, sql`tg.tag`), sql`from todo_tags tg where tg.todo_id = t.id`).as(
      'tagsJson',
    ),
    agg(
      array(sql`tc."position"`, sql`tc.kind`, sql`tc."value"`),
      sql`from todo_categories tc where tc.todo_id = t.id`,
    ).as('categoriesJson'),
    agg(
      array(sql`cf.name`, storedJson),
      sql`from todo_custom_values cv join custom_fields cf on cf.id = cv.field_id where cv.todo_id = t.id`,
    ).as('customJson'),
  ]);
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
