import type { Ctx } from '../../platform/context.ts';
import { FieldErrors } from '../../platform/errors.ts';
import { dateInZone } from '../../platform/values/dates.ts';
import { formatCents } from '../../platform/values/rules.ts';
import { workspacesByKeys } from '../tenancy/workspace-ref.ts';
import { LEVELS } from '../todos/todo-fields.ts';
import {
  DASHBOARD_PARAMS,
  type Dashboard,
  type DashboardParams,
  type DashboardTodo,
} from './dashboard.model.ts';
import {
  countOpenIncidentsByRisk,
  findTodosDueBetween,
  findTodosPast,
  findWorkspaceFigures,
} from './dashboard.repository.ts';

/** How many days ahead "expiring soon" looks. */
export const EXPIRING_SOON_DAYS = 7;
const SHORT_LIST = 10;
const KNOWN_PARAMS = new Set<string>(DASHBOARD_PARAMS);

/**
 * The dashboard's figures over the caller's workspaces, or one of them. The five
 * aggregate queries run together (one round); a workspace the caller may not use is the
 * same 404 as one that does not exist, as in the list.
 */
export async function getDashboard(
  ctx: Ctx,
  params: DashboardParams & Record<string, unknown>,
): Promise<Dashboard> {
  const errors = new FieldErrors();
  for (const name of Object.keys(params)) {
    if (!KNOWN_PARAMS.has(name)) errors.add(name, 'is not a known parameter');
  }
  errors.throwIfAny();

  // Aggregates over every todo in scope: on the reader (worker threads on SQLite).
  const db = ctx.db.reader;
  const allowed = ctx.actor.workspaceIds;
  let workspaceIds: number[] | null = allowed ? [...allowed] : null;
  let workspaceKey: string | null = null;
  const named = params.workspace?.trim();
  if (named) {
    const [ws] = await workspacesByKeys(ctx, [named]);
    workspaceIds = ws ? [ws.id] : [];
    workspaceKey = ws?.key ?? null;
  }

  const today = dateInZone(ctx.now, ctx.config.timeZone);
  const until = addDays(today, EXPIRING_SOON_DAYS);
  // A caller with no workspace at all sees zeros; `in ()` is not valid SQL.
  const scope = workspaceIds?.length === 0 ? [-1] : workspaceIds;
  const [workspaces, risks, overdue, reminders, expiring] = await Promise.all([
    findWorkspaceFigures(db, scope),
    countOpenIncidentsByRisk(db, scope),
    findTodosPast(db, scope, 'dueDate', today, SHORT_LIST),
    findTodosPast(db, scope, 'reminderDate', today, SHORT_LIST),
    findTodosDueBetween(db, scope, today, until, SHORT_LIST),
  ]);

  const cells = [...LEVELS].reverse().flatMap((impact) =>
    LEVELS.map((likelihood) => ({
      impact,
      likelihood,
      count: risks
        .filter((r) => r.impact === impact && r.likelihood === likelihood)
        .reduce((n, r) => n + r.count, 0),
    })),
  );
  const total = risks.reduce((n, r) => n + r.count, 0);
  const rated = cells.reduce((n, c) => n + c.count, 0);

  const byWorkspace = workspaces.map((w) => ({
    workspace: w.workspace,
    workspaceName: w.workspaceName,
    cents: BigInt(w.impactCents ?? 0),
    incidents: w.incidentsWithImpact,
  }));
  const totalCents = byWorkspace.reduce((sum, w) => sum + w.cents, 0n);

  return {
    today,
    workspace: workspaceKey,
    riskMatrix: { cells, unrated: total - rated, total },
    byStatus: workspaces.map((w) => ({
      workspace: w.workspace,
      workspaceName: w.workspaceName,
      counts: { TODO: w.todo, INPROGRESS: w.inprogress, DONE: w.done, EXPIRED: w.expired },
      open: w.todo + w.inprogress,
    })),
    financialImpact: {
      totalEur: formatCents(totalCents),
      byWorkspace: byWorkspace.map(({ cents, ...w }) => ({ ...w, totalEur: formatCents(cents) })),
    },
    overdue: { count: overdue.count, items: overdue.items as DashboardTodo[] },
    remindersPassed: { count: reminders.count, items: reminders.items as DashboardTodo[] },
    expiringSoon: { count: expiring.count, until, items: expiring.items as DashboardTodo[] },
  };
}

/** A calendar date plus whole days (calendar arithmetic, no time zone involved). */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
