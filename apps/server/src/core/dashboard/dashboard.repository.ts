import {
  type AliasableExpression,
  type Expression,
  type ExpressionBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { Database } from '../../platform/db/tables.ts';

/**
 * The dashboard's figures, each one aggregate query over live todos (GROUP BY or a window
 * count), never a loop over todos. `workspaceIds` is the tenant, already narrowed to the
 * workspace the caller asked for: null means every workspace (an administrator).
 */

/** The statuses a todo is still being worked in. */
export const OPEN_STATUSES = ['TODO', 'INPROGRESS'];

type TodoEb = ExpressionBuilder<Database & { t: Database['todos'] }, 't'>;

/** Live todos of the tenant. */
function liveInScope(eb: TodoEb, workspaceIds: number[] | null): Expression<SqlBool> {
  return eb.and([
    eb('t.deletedAt', 'is', null),
    ...(workspaceIds ? [eb('t.workspaceId', 'in', workspaceIds)] : []),
  ]);
}

const isOpenIncident = (eb: TodoEb) =>
  eb.and([eb('t.todoType', '=', 'INCIDENT'), eb('t.status', 'in', OPEN_STATUSES)]);

export interface WorkspaceFigures {
  workspace: string;
  workspaceName: string;
  todo: number;
  inprogress: number;
  done: number;
  expired: number;
  /** Exact sum of the open incidents' financial impact in cents, as digits; null: none. */
  impactCents: string | null;
  incidentsWithImpact: number;
}

/**
 * Per workspace of the tenant (also those without todos), ordered by key: todos by status
 * and the open incidents' financial impact. The sum is taken in SQL over the stored
 * integer cents and read back as text, so no driver turns it into a float.
 */
export async function findWorkspaceFigures(
  db: Executor,
  workspaceIds: number[] | null,
): Promise<WorkspaceFigures[]> {
  let q = db
    .selectFrom('workspaces as w')
    .leftJoin('todos as t', (join) =>
      join.onRef('t.workspaceId', '=', 'w.id').on('t.deletedAt', 'is', null),
    )
    .select((eb) => {
      const withStatus = (status: string) =>
        eb.fn.sum<number | string>(eb.case().when('t.status', '=', status).then(1).else(0).end());
      const openImpact = eb
        .case()
        .when(eb.and([eb('t.todoType', '=', 'INCIDENT'), eb('t.status', 'in', OPEN_STATUSES)]))
        .then(eb.ref('t.financialImpactCents'))
        .end();
      return [
        'w.key as workspace',
        'w.name as workspaceName',
        withStatus('TODO').as('todo'),
        withStatus('INPROGRESS').as('inprogress'),
        withStatus('DONE').as('done'),
        withStatus('EXPIRED').as('expired'),
        sql<string | null>`cast(${eb.fn.sum(openImpact)} as text)`.as('impactCents'),
        eb.fn.count<number | string>(openImpact).as('incidentsWithImpact'),
      ];
    })
    .groupBy(['w.id', 'w.key', 'w.name'])
    .orderBy('w.key');
  if (workspaceIds) q = q.where('w.id', 'in', workspaceIds);
  const rows = await q.execute();
  return rows.map((r) => ({
    workspace: r.workspace,
    workspaceName: r.workspaceName,
    // SUM over no row (a workspace without todos) is NULL.
    todo: Number(r.todo ?? 0),
    inprogress: Number(r.inprogress ?? 0),
    done: Number(r.done ?? 0),
    expired: Number(r.expired ?? 0),
    impactCents: r.impactCents,
    incidentsWithImpact: Number(r.incidentsWithImpact),
  }));
}

/** Open incidents counted per (impact, likelihood), nulls included as their own groups. */
export async function countOpenIncidentsByRisk(
  db: Executor,
  workspaceIds: number[] | null,
): Promise<Array<{ impact: string | null; likelihood: string | null; count: number }>> {
  const rows = await db
    .selectFrom('todos as t')
    .select(['t.impact', 't.likelihood', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where((eb) => eb.and([liveInScope(eb, workspaceIds), isOpenIncident(eb)]))
    .groupBy(['t.impact', 't.likelihood'])
    .execute();
  return rows.map((r) => ({ impact: r.impact, likelihood: r.likelihood, count: Number(r.n) }));
}

export interface ListedTodo {
  key: string;
  title: string;
  todoType: string;
  status: string;
  date: string;
  dateField: 'dueDate' | 'reminderDate';
  workspace: string;
  workspaceName: string;
}

/** The first `limit` of a short list, earliest date first, and how many there are in all. */
async function findShortList(
  db: Executor,
  workspaceIds: number[] | null,
  limit: number,
  which: (eb: TodoEb) => Expression<SqlBool>,
  date: (eb: TodoEb) => AliasableExpression<string>,
  dateField: (eb: TodoEb) => AliasableExpression<string>,
): Promise<{ count: number; items: ListedTodo[] }> {
  const rows = await db
    .selectFrom('todos as t')
    .innerJoin('workspaces as w', 'w.id', 't.workspaceId')
    .select((eb) => [
      't.key',
      't.title',
      't.todoType',
      't.status',
      date(eb).as('date'),
      dateField(eb).as('dateField'),
      'w.key as workspace',
      'w.name as workspaceName',
      // The window count is taken before LIMIT: the whole list's size in the same query.
      eb.fn.countAll<number | string>().over().as('total'),
    ])
    .where((eb) =>
      eb.and([liveInScope(eb, workspaceIds), eb('t.status', 'in', OPEN_STATUSES), which(eb)]),
    )
    .orderBy((eb) => date(eb))
    .orderBy('t.id')
    .limit(limit)
    .execute();
  return {
    count: Number(rows[0]?.total ?? 0),
    items: rows.map(({ total: _total, ...r }) => ({
      ...r,
      dateField: r.dateField as ListedTodo['dateField'],
    })),
  };
}

/**
 * Open todos whose `dateField` is before `today`. By the due date they are overdue (until
 * the expiry job marks them EXPIRED); by the reminder date, past their reminder, due or
 * not. A passed reminder date never makes a todo overdue.
 */
export function findTodosPast(
  db: Executor,
  workspaceIds: number[] | null,
  dateField: 'dueDate' | 'reminderDate',
  today: string,
  limit: number,
) {
  const column = `t.${dateField}` as const;
  return findShortList(
    db,
    workspaceIds,
    limit,
    (eb) => eb(column, '<', today),
    (eb) => eb.ref(column) as AliasableExpression<string>,
    () => sql.lit(dateField),
  );
}

/** Open todos due from `from` to `to` inclusive: the ones the expiry job will take next. */
export function findTodosDueBetween(
  db: Executor,
  workspaceIds: number[] | null,
  from: string,
  to: string,
  limit: number,
) {
  return findShortList(
    db,
    workspaceIds,
    limit,
    (eb) => eb.and([eb('t.dueDate', '>=', from), eb('t.dueDate', '<=', to)]),
    (eb) => eb.ref('t.dueDate') as AliasableExpression<string>,
    () => sql.lit('dueDate'),
  );
}
