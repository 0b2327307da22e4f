// The dashboard's pure logic: the list links every figure opens, the risk matrix's
// levels and shades, and how counts and dates read.

import type { components } from '@bzctrl/sdk';
import { href } from '../../router.ts';
import { formatEur, type Level, type Status } from '../../ui/format.ts';

export type Dashboard = components['schemas']['Dashboard'];
export type DashboardTodo = components['schemas']['DashboardTodo'];
export type Risk = 'low' | 'medium' | 'high';

/** The list page reads the API's own parameter names; a comma joins a filter's values. */
export const OPEN = 'TODO,INPROGRESS';
export const IMPACT_ROWS: Level[] = ['HIGH', 'MEDIUM', 'LOW'];
export const LIKELIHOOD_COLUMNS: Level[] = ['LOW', 'MEDIUM', 'HIGH'];
export const RISKS: Risk[] = ['low', 'medium', 'high'];
export const STATUS_COLUMNS: Status[] = ['TODO', 'INPROGRESS', 'DONE', 'EXPIRED'];
const SCORE: Record<Level, number> = { LOW: 1, MEDIUM: 2, HIGH: 3 };

/** The todo list filtered by the API's parameters (empty ones left out). */
export const todosHref = (query: Record<string, string | undefined>) => href('/todos', query);

/** "1 todo", "3 todos". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The scope's filter for every link: the workspace chosen, if any. */
export function scopeOf(data: Dashboard) {
  return { workspace: data.workspace ?? undefined };
}

/** The open incidents of the scope, as the list shows them. */
export function openIncidentsHref(data: Dashboard): string {
  return todosHref({ ...scopeOf(data), type: 'INCIDENT', status: OPEN });
}

export interface Tile {
  label: string;
  value: string;
  /** A list link, or `#dash-…`: a card further down the page. */
  to: string;
  tone?: 'danger' | 'warning' | undefined;
}

/** The summary's tiles: the headline figures, each opening what it counts. */
export function summaryTiles(data: Dashboard): Tile[] {
  const open = data.byStatus.reduce((n, w) => n + w.open, 0);
  return [
    {
      label: 'Open todos',
      value: String(open),
      to: todosHref({ ...scopeOf(data), status: OPEN }),
    },
    { label: 'Open incidents', value: String(data.riskMatrix.total), to: openIncidentsHref(data) },
    {
      label: 'Potential impact',
      value: formatEur(data.financialImpact.totalEur),
      to: openIncidentsHref(data),
    },
    {
      label: 'Overdue',
      value: String(data.overdue.count),
      to: '#dash-overdue',
      tone: data.overdue.count > 0 ? 'danger' : undefined,
    },
    {
      label: 'Reminder passed',
      value: String(data.remindersPassed.count),
      to: '#dash-reminders',
      tone: data.remindersPassed.count > 0 ? 'warning' : undefined,
    },
    {
      label: 'Expiring in 7 days',
      value: String(data.expiringSoon.count),
      to: '#dash-expiring',
      tone: data.expiringSoon.count > 0 ? 'warning' : undefined,
    },
  ];
}

/** The id of the card a tile jumps to, or undefined for a tile that opens the list. */
export function inPageTarget(to: string): string | undefined {
  return to.startsWith('#dash-') ? to.slice(1) : undefined;
}

/** Risk level of a cell, as a risk register reads impact × likelihood. */
export function riskLevel(impact: Level, likelihood: Level): Risk {
  const score = SCORE[impact] * SCORE[likelihood];
  return score >= 6 ? 'high' : score >= 3 ? 'medium' : 'low';
}

/**
 * 0 for an empty cell, then 1–4 by the cell's share of the fullest cell, one step deeper
 * for a high-risk cell so that risk, not only volume, stands out.
 */
export function intensity(count: number, max: number, level: Risk): number {
  if (count === 0 || max === 0) return 0;
  return Math.min(4, Math.ceil((count / max) * 4) + (level === 'high' ? 1 : 0));
}

type Cell = Dashboard['riskMatrix']['cells'][number];

/** A matrix cell's count; a combination the API leaves out counts 0. */
export function cellCount(cells: Cell[], impact: Level, likelihood: Level): number {
  return cells.find((c) => c.impact === impact && c.likelihood === likelihood)?.count ?? 0;
}

/** The largest of some figures, 0 for none. */
export function largest(values: number[]): number {
  return Math.max(0, ...values);
}

/** What a screen reader says of a matrix cell. */
export function cellLabel(n: number, impact: string, likelihood: string): string {
  return `${plural(n, 'open incident')}, impact ${impact}, likelihood ${likelihood}`;
}

/** The note under the matrix: the open incidents it cannot place. */
export function unratedNote(unrated: number): string {
  return unrated > 0
    ? `${plural(unrated, 'open incident')} without impact or likelihood ${unrated === 1 ? 'is' : 'are'} not in the matrix.`
    : 'Every open incident has an impact and a likelihood.';
}

/** A bar's length in per cent of the largest amount. */
export function barWidth(amount: string, max: number): string {
  return `${max > 0 ? (Number(amount) / max) * 100 : 0}%`;
}

/** Whether the scope has any todo at all, in any status. */
export function hasTodos(rows: Dashboard['byStatus']): boolean {
  return rows.some((w) => STATUS_COLUMNS.some((s) => w.counts[s] > 0));
}

/** What a screen reader says of a count, e.g. "3 todos in To do in Imports". */
export function countLabel(n: number, label: string, workspaceName: string): string {
  return `${plural(n, 'todo')} ${label} in ${workspaceName}`;
}

/** A `YYYY-MM-DD` date moved by whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "3 days ago", "today", "in 2 days": calendar days between two `YYYY-MM-DD` dates. */
export function relativeDays(date: string, today: string): string {
  const days = Math.round((Date.parse(date) - Date.parse(today)) / 86_400_000);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days < 0 ? `${-days} days ago` : `in ${days} days`;
}

/** The note under a list cut short, or undefined when all of it shows. */
export function shownNote(shown: number, count: number): string | undefined {
  return count > shown ? `The first ${shown} of ${count}, earliest first.` : undefined;
}

/** The lists of all open todos past their due date, and past their reminder date. */
export function overdueHrefs(data: Dashboard) {
  const yesterday = addDays(data.today, -1);
  const open = { ...scopeOf(data), status: OPEN };
  return {
    due: todosHref({ ...open, dueTo: yesterday, sort: 'dueDate' }),
    reminder: todosHref({ ...open, reminderTo: yesterday, sort: 'reminderDate' }),
  };
}

/** The list of all open todos due from today to the end of the expiring window. */
export function expiringHref(data: Dashboard): string {
  return todosHref({
    ...scopeOf(data),
    status: OPEN,
    dueFrom: data.today,
    dueTo: data.expiringSoon.until,
    sort: 'dueDate',
  });
}
