import {
  type Expression,
  type ExpressionBuilder,
  type OrderByItemBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import type { Engine } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { Database, TodoTable } from '../../platform/db/tables.ts';

/** A column a list can be sorted or ranged on, by its API name. */
export type ListColumn = 'createdAt' | 'updatedAt' | 'dueDate' | 'reminderDate';

/** Columns that may be NULL sort last in both directions. */
const NULLABLE: ReadonlySet<ListColumn> = new Set(['dueDate', 'reminderDate']);

/** The filters of a list, already checked and normalized by the service. */
export interface TodoListFilter {
  /** Narrower than the tenant: the workspaces the caller named (already checked). */
  workspaceIds: number[] | null;
  todoTypes: string[] | null;
  statuses: string[] | null;
  priorities: string[] | null;
  impacts: string[] | null;
  likelihoods: string[] | null;
  /** Lower-cased e-mail addresses. */
  assignees: string[] | null;
  reporters: string[] | null;
  tags: string[] | null;
  categories: string[] | null;
  /** Full-text words, each matched as a word prefix; all must occur. */
  words: string[] | null;
  ranges: Array<{ column: ListColumn; op: '>=' | '<=' | '<'; value: string }>;
  externalRef: { system: string; id: string } | null;
}

export interface TodoListPage {
  column: ListColumn;
  descending: boolean;
  limit: number;
  /** The sort value and id of the last todo of the previous page. */
  after: { value: string | null; id: number } | null;
}

type Eb = ExpressionBuilder<Database & { t: TodoTable }, 't'>;

/**
 * The workspaces a list may draw from: the caller's (null: all), narrowed to the ones it
 * named. An empty list means nothing can match.
 */
function workspacesOf(allowed: ReadonlySet<number> | null, f: TodoListFilter): number[] | null {
  if (f.workspaceIds)
    return allowed ? f.workspaceIds.filter((id) => allowed.has(id)) : f.workspaceIds;
  return allowed ? [...allowed] : null;
}

/** Live todos matching every filter but the workspace one (the caller adds that). */
function filtersOf(eb: Eb, f: TodoListFilter, engine: Engine): Expression<SqlBool>[] {
  const and: Expression<SqlBool>[] = [eb('t.deletedAt', 'is', null)];
  if (f.todoTypes) and.push(eb('t.todoType', 'in', f.todoTypes));
  if (f.statuses) and.push(eb('t.status', 'in', f.statuses));
  if (f.priorities) and.push(eb('t.priority', 'in', f.priorities));
  if (f.impacts) and.push(eb('t.impact', 'in', f.impacts));
  if (f.likelihoods) and.push(eb('t.likelihood', 'in', f.likelihoods));
  // People and labels through their indexed tables, not by joining every row.
  const usersWithEmail = (emails: string[]) =>
    eb.selectFrom('users').select('users.id').where('users.email', 'in', emails);
  if (f.assignees) and.push(eb('t.assigneeId', 'in', usersWithEmail(f.assignees)));
  if (f.reporters) and.push(eb('t.reporterId', 'in', usersWithEmail(f.reporters)));
  if (f.tags) {
    const tagged = eb
      .selectFrom('todoTags')
      .select('todoTags.todoId')
      .where('todoTags.tag', 'in', f.tags);
    and.push(eb('t.id', 'in', tagged));
  }
  if (f.categories) {
    const categorized = eb
      .selectFrom('todoCategories')
      .select('todoCategories.todoId')
      .where('todoCategories.kind', '=', 'category')
      .where('todoCategories.value', 'in', f.categories);
    and.push(eb('t.id', 'in', categorized));
  }
  if (f.words) and.push(fullText(f.words, engine));
  for (const r of f.ranges) and.push(eb(`t.${r.column}`, r.op, r.value));
  if (f.externalRef) {
    and.push(eb('t.externalSystem', '=', f.externalRef.system));
    and.push(eb('t.externalId', '=', f.externalRef.id));
  }
  return and;
}

/**
 * Every word as a prefix term, AND-ed. The words hold only letters, digits and marks
 * (the service splits on everything else), and are quoted besides, so no input can
 * reach the FTS5 or tsquery syntax. No words at all matches nothing.
 */
function fullText(words: string[], engine: Engine): Expression<SqlBool> {
  if (words.length === 0) return sql<SqlBool>`1 = 0`;
  if (engine === 'postgres') {
    const query = words.map((w) => `'${w.replaceAll("'", "''")}':*`).join(' & ');
    return sql<SqlBool>`t.search @@ to_tsquery('simple', ${query})`;
  }
  const query = matchQuery(words);
  // `+t.id`: the matches are collected once into a lookup set and the rows are walked
  // in sort order, instead of fetching every match (thousands for a common word) and
  // sorting them all.
  return sql<SqlBool>`+t.id in (select rowid from todos_fts where todos_fts match ${query})`;
}

/** The FTS5 query of `words`: each a quoted prefix term, all required. */
function matchQuery(words: string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' AND ');
}

/**
 * Keyset condition: strictly after the previous page's last (value, id) in the sort
 * order, where NULL values come after every date in both directions.
 */
function afterCursor(eb: Eb, page: TodoListPage): Expression<SqlBool>[] {
  if (!page.after) return [];
  const col = `t.${page.column}` as const;
  const cmp = page.descending ? '<' : '>';
  const { value, id } = page.after;
  if (value === null) return [eb(col, 'is', null), eb('t.id', cmp, id)];
  const after = eb.or([eb(col, cmp, value), eb.and([eb(col, '=', value), eb('t.id', cmp, id)])]);
  return [NULLABLE.has(page.column) ? eb.or([after, eb(col, 'is', null)]) : after];
}

/** Up to this many workspaces, a newest-first page is read workspace by workspace. */
const MAX_WORKSPACE_BRANCHES = 16;

/**
 * The ids and sort values of one page (one more than `limit`, so the caller knows
 * whether another page follows). Only narrow rows are sorted; the full todos are
 * loaded for the page afterwards (`findTodosWithRelations`).
 *
 * Newest first over a few workspaces, without full text, each workspace's rows are
 * read in order from `todos_workspace_created_ix` and the branches merged: a page
 * touches about `limit` index entries per workspace, whatever the sizes of the
 * workspaces, and the plan does not depend on statistics SQLite does not keep by
 * default. Otherwise one query walks the sort column's index; on SQLite the workspace
 * condition is written `+workspace_id` so the planner does not prefer the workspace
 * index and sort every visible row (a full-text query materializes its matches once,
 * which is cheaper in one query than in one per workspace).
 */
export async function findTodoPage(
  db: Executor,
  allowed: ReadonlySet<number> | null,
  filter: TodoListFilter,
  page: TodoListPage,
  engine: Engine,
): Promise<Array<{ id: number; sortValue: string | null }>> {
  const workspaces = workspacesOf(allowed, filter);
  if (workspaces?.length === 0) return [];
  let rows: PageRow[];
  if (filter.words) {
    // Full text: the words make one derived value (the match expression), so the query
    // is built each time; its cost is the search itself.
    const newest =
      engine === 'sqlite' && page.column === 'createdAt' && page.descending && filter.words.length
        ? await newestMatches(db, workspaces, filter, page)
        : null;
    rows =
      newest ?? (await pageQuery(db, workspaces, filter, page, page.limit + 1, engine).execute());
  } else {
    // Everything else is compiled once per shape (which filters, how many values, the
    // cursor, the order) and then only run: building and compiling it with Kysely was
    // the largest part of a list page's event-loop time (~0.2 ms).
    const values: unknown[] = [];
    const shape = JSON.stringify(
      leavesOf(workspaces, filter, page, page.limit + 1, <T>(v: T): T => {
        values.push(v);
        return 0 as T;
      }),
    );
    let statement = pageStatements.get(shape);
    if (!statement) {
      statement = preparedQuery((d, arg, e) => {
        let i = 0;
        const q = leavesOf(workspaces, filter, page, page.limit + 1, <T>(_: T) => arg<T>(i++));
        return pageQuery(d, q.workspaces, q.filter, q.page, q.limit, e);
      });
      if (pageStatements.size >= MAX_PAGE_SHAPES) pageStatements.clear();
      pageStatements.set(shape, statement);
    }
    rows = await statement(db, ...values);
  }
  return rows.map((r) => ({ id: Number(r.id), sortValue: r.sortValue }));
}

type PageRow = { id: number; sortValue: string | null };

const pageStatements = new Map<string, (db: Executor, ...args: unknown[]) => Promise<PageRow[]>>();
const MAX_PAGE_SHAPES = 500;

/**
 * The inputs of a page query with every value that becomes a query parameter passed
 * through `leaf`, in one fixed order: with `leaf` recording and answering 0 it gives the
 * query's shape (and its values in order); with `leaf` answering argument slots, the
 * inputs of the statement compiled once for that shape. Whatever decides the SQL text
 * (which filters, how many values, a NULL cursor, the column and direction) is kept.
 */
function leavesOf(
  workspaces: number[] | null,
  f: TodoListFilter,
  p: TodoListPage,
  limit: number,
  leaf: <T>(value: T) => T,
) {
  const list = <T>(values: T[] | null) => (values === null ? null : values.map((v) => leaf(v)));
  return {
    workspaces: list(workspaces),
    filter: {
      workspaceIds: null, // already applied: `workspaces`
      todoTypes: list(f.todoTypes),
      statuses: list(f.statuses),
      priorities: list(f.priorities),
      impacts: list(f.impacts),
      likelihoods: list(f.likelihoods),
      assignees: list(f.assignees),
      reporters: list(f.reporters),
      tags: list(f.tags),
      categories: list(f.categories),
      words: null,
      ranges: f.ranges.map((r) => ({ column: r.column, op: r.op, value: leaf(r.value) })),
      externalRef: f.externalRef && {
        system: leaf(f.externalRef.system),
        id: leaf(f.externalRef.id),
      },
    } satisfies TodoListFilter,
    page: {
      column: p.column,
      descending: p.descending,
      limit: 0, // the query takes `limit` below
      after: p.after && {
        value: p.after.value === null ? null : leaf(p.after.value),
        id: leaf(p.after.id),
      },
    } satisfies TodoListPage,
    limit: leaf(limit),
  };
}

/**
 * How many of the newest matches `newestMatches` looks at before it gives up: a page of
 * 50 is found within them unless fewer than 1 in 40 matches pass the other filters (a
 * small workspace in a large database). Giving up costs what FTS5 spent gathering a
 * prefix's terms (~8 ms for a word in a fifth of a million todos) and ~1 ms more.
 */
const NEWEST_SCAN = 2_000;

/**
 * A newest-first full-text page on SQLite, found by walking the FTS5 index from the
 * highest id down, which FTS5 does lazily: a page of a word found in a fifth of a million
 * todos reads about as many index entries as the page needs, where the general query
 * collects every match first (~200,000 for such a word). Ids and `created_at` rise
 * together except for the todos listed in `todo_order_breaks` (migration 014), so the
 * first `limit` matches by id are the first by date unless the oldest of them is listed
 * there: a match outside them has a lower id, so it is newer than that oldest one only
 * if that one was stored after a newer todo. Then, and when fewer than `limit` matches
 * are among the newest `NEWEST_SCAN` entries (a deep page, rare matches, a narrow
 * filter), the answer is null and the caller runs the general query.
 */
async function newestMatches(
  db: Executor,
  workspaces: number[] | null,
  filter: TodoListFilter,
  page: TodoListPage,
): Promise<PageRow[] | null> {
  const limit = page.limit + 1;
  const workspace = workspaceCondition(workspaces, 'sqlite');
  const newestFirst = sql<{ rowid: number }>`(select rowid from todos_fts
    where todos_fts match ${matchQuery(filter.words ?? [])}
    order by rowid desc limit ${NEWEST_SCAN})`;
  const rows = await db
    .selectFrom(newestFirst.as('f'))
    .crossJoin('todos as t') // the FTS5 walk stays the outer loop
    .select([
      't.id',
      't.createdAt as sortValue',
      sql<number>`exists (select 1 from todo_order_breaks b where b.id = t.id)`.as('stoodOut'),
    ])
    .where((eb) =>
      eb.and([
        sql<SqlBool>`t.id = f.rowid`,
        ...filtersOf(eb, { ...filter, words: null }, 'sqlite'),
        ...(workspace ? [workspace] : []),
        ...afterCursor(eb, page),
      ]),
    )
    .orderBy(sql`f.rowid`, 'desc')
    .limit(limit)
    .execute();
  if (rows.length < limit) return null;
  const byDate = rows
    .map((r) => ({ id: Number(r.id), sortValue: r.sortValue, stoodOut: r.stoodOut }))
    .sort((a, b) =>
      a.sortValue === b.sortValue
        ? b.id - a.id
        : (a.sortValue ?? '') < (b.sortValue ?? '')
          ? 1
          : -1,
    );
  return byDate[byDate.length - 1]?.stoodOut ? null : byDate;
}

/** The query of one page: `limit` rows (one more than the page) of ids and sort values. */
function pageQuery(
  db: Executor,
  workspaces: number[] | null,
  filter: TodoListFilter,
  page: TodoListPage,
  limit: number,
  engine: Engine,
) {
  const col = `t.${page.column}` as const;
  const direction = page.descending ? 'desc' : 'asc';
  const order = (ob: OrderByItemBuilder) =>
    NULLABLE.has(page.column)
      ? page.descending
        ? ob.desc().nullsLast()
        : ob.asc().nullsLast()
      : page.descending
        ? ob.desc()
        : ob.asc();
  const branch = (workspace: Expression<SqlBool> | null) =>
    db
      .selectFrom('todos as t')
      .select(['t.id', `${col} as sortValue`])
      .where((eb) =>
        eb.and([
          ...filtersOf(eb, filter, engine),
          ...(workspace ? [workspace] : []),
          ...afterCursor(eb, page),
        ]),
      )
      .orderBy(col, order)
      .orderBy('t.id', direction)
      .limit(limit);

  if (
    workspaces !== null &&
    page.column === 'createdAt' &&
    !filter.words &&
    workspaces.length <= MAX_WORKSPACE_BRANCHES
  ) {
    // Each branch wrapped in a sub-select: SQLite allows no ORDER BY inside UNION ALL.
    const parts = workspaces.map((id) =>
      db.selectFrom(branch(sql<SqlBool>`t.workspace_id = ${id}`).as('b')).selectAll('b'),
    );
    let union = parts[0] as (typeof parts)[number];
    for (const part of parts.slice(1)) union = union.unionAll(part);
    return db
      .selectFrom(union.as('u'))
      .select(['u.id', 'u.sortValue'])
      .orderBy('u.sortValue', direction)
      .orderBy('u.id', direction)
      .limit(limit);
  }
  return branch(workspaceCondition(workspaces, engine));
}

/**
 * The caller's workspaces as one condition (null: all). On SQLite written
 * `+workspace_id` so the planner walks the sort column's index (or the full-text
 * matches) instead of preferring the workspace index and sorting every visible row.
 */
function workspaceCondition(workspaces: number[] | null, engine: Engine) {
  if (!workspaces) return null;
  const ids = sql.join(workspaces);
  return engine === 'sqlite'
    ? sql<SqlBool>`+t.workspace_id in (${ids})`
    : sql<SqlBool>`t.workspace_id in (${ids})`;
}

export async function countTodos(
  db: Executor,
  allowed: ReadonlySet<number> | null,
  filter: TodoListFilter,
  engine: Engine,
): Promise<number> {
  const workspaces = workspacesOf(allowed, filter);
  if (workspaces?.length === 0) return 0;
  const row = await db
    .selectFrom('todos as t')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where((eb) =>
      eb.and([
        ...filtersOf(eb, filter, engine),
        ...(workspaces ? [eb('t.workspaceId', 'in', workspaces)] : []),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
