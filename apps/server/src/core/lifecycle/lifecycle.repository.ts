import { type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Engine } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type { Database } from '../../platform/db/tables.ts';

/**
 * The lifecycle jobs' queries. They run for the system, across all workspaces (a
 * job acts on every tenant's todos by design, never on a caller's behalf). Each
 * "lock" query takes row locks on PostgreSQL with SKIP LOCKED so that jobs in several
 * processes split the work, and each "mark" update re-checks the state in its WHERE, so
 * an item is handled exactly once even if two processes reach it.
 */

type TodoEb = ExpressionBuilder<Database, 'todos'>;

/**
 * Live and not finished or expired (the statuses the jobs leave alone). Written out, with
 * its values in the text, because it is also the condition of the partial indexes the
 * jobs read (migration 015): a planner uses such an index only for a query that states
 * the index's condition, and cannot see a bound parameter's value.
 */
const OPEN_LIVE = [
  sql<SqlBool>`todos.deleted_at IS NULL`,
  sql<SqlBool>`todos.status NOT IN ('DONE', 'EXPIRED')`,
];

/** No reminder gone out for the current reminder date (todos_reminder_pending_ix). */
const REMINDER_PENDING = sql<SqlBool>`(todos.reminder_sent_for IS NULL OR todos.reminder_sent_for != todos.reminder_date)`;

/** Open, live, reminder date reached and no reminder sent yet for that date. */
const needsReminder = (today: string) => (eb: TodoEb) =>
  eb.and([...OPEN_LIVE, REMINDER_PENDING, eb('todos.reminderDate', '<=', today)]);

/**
 * Open, live, due before today, and not waiting for its reminder: a todo whose reminder
 * is due expires only once the reminder is queued. One process runs reminders before
 * expiry anyway; this keeps the order when another process's expiry runs first.
 */
const isOverdue = (today: string) => (eb: TodoEb) =>
  eb.and([
    ...OPEN_LIVE,
    eb('todos.dueDate', '<', today),
    eb.or([
      eb('todos.reminderDate', 'is', null),
      eb('todos.reminderDate', '>', today),
      eb('todos.reminderSentFor', '=', eb.ref('todos.reminderDate')),
    ]),
  ]);

export interface ReminderCandidate {
  id: number;
  key: string;
  title: string;
  status: string;
  dueDate: string | null;
  reminderDate: string;
  reminderSentFor: string | null;
  workspaceId: number;
  workspaceKey: string;
  workspaceName: string;
  assigneeEmail: string;
  assigneeName: string;
  assigneeDisabled: boolean;
}

/** Up to `limit` todos that need a reminder today, locked for this transaction. */
export async function lockTodosNeedingReminder(
  trx: Executor,
  engine: Engine,
  today: string,
  limit: number,
): Promise<ReminderCandidate[]> {
  const rows = await reminderCandidates(trx, engine, today, limit).execute();
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    workspaceId: Number(r.workspaceId),
    reminderDate: r.reminderDate as string,
    assigneeDisabled: Number(r.assigneeDisabled) !== 0,
  }));
}

/** The query of `lockTodosNeedingReminder`: oldest reminder date first, as its index is. */
export function reminderCandidates(trx: Executor, engine: Engine, today: string, limit: number) {
  return trx
    .selectFrom('todos')
    .innerJoin('workspaces', 'workspaces.id', 'todos.workspaceId')
    .innerJoin('users', 'users.id', 'todos.assigneeId')
    .select([
      'todos.id',
      'todos.key',
      'todos.title',
      'todos.status',
      'todos.dueDate',
      'todos.reminderDate',
      'todos.reminderSentFor',
      'todos.workspaceId',
      'workspaces.key as workspaceKey',
      'workspaces.name as workspaceName',
      'users.email as assigneeEmail',
      'users.name as assigneeName',
      'users.disabled as assigneeDisabled',
    ])
    .where(needsReminder(today))
    .orderBy('todos.reminderDate')
    .orderBy('todos.id')
    .limit(limit)
    .$if(engine === 'postgres', (q) => q.forUpdate('todos').skipLocked());
}

/**
 * Records that the reminder for the current reminder date went out, for those of `ids`
 * that still need it; returns their ids.
 */
export async function markRemindersSent(
  trx: Executor,
  ids: number[],
  today: string,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .updateTable('todos')
    .set((eb) => ({ reminderSentFor: eb.ref('todos.reminderDate') }))
    .where('todos.id', 'in', ids)
    .where(needsReminder(today))
    .returning('todos.id')
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

export interface OverdueTodo {
  id: number;
  status: string;
  workspaceId: number;
}

/** Up to `limit` open todos due before `today`, locked for this transaction. */
export async function lockOverdueTodos(
  trx: Executor,
  engine: Engine,
  today: string,
  limit: number,
): Promise<OverdueTodo[]> {
  const rows = await overdueCandidates(trx, engine, today, limit).execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), workspaceId: Number(r.workspaceId) }));
}

/** The query of `lockOverdueTodos`: earliest due date first, as its index is. */
export function overdueCandidates(trx: Executor, engine: Engine, today: string, limit: number) {
  return trx
    .selectFrom('todos')
    .select(['todos.id', 'todos.status', 'todos.workspaceId'])
    .where(isOverdue(today))
    .orderBy('todos.dueDate')
    .orderBy('todos.id')
    .limit(limit)
    .$if(engine === 'postgres', (q) => q.forUpdate().skipLocked());
}

/** Sets EXPIRED on those of `ids` that are still overdue; returns their ids. */
export async function markTodosExpired(
  trx: Executor,
  ids: number[],
  today: string,
  now: string,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .updateTable('todos')
    .set({ status: 'EXPIRED', updatedAt: now })
    .where('todos.id', 'in', ids)
    .where(isOverdue(today))
    .returning('todos.id')
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}
