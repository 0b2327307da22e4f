import type { Todo } from '@bzctrl/sdk';

export type Status = Todo['status'];
export type Level = NonNullable<Todo['priority']>;
export type TodoType = Todo['todoType'];

/** How the API's enumerations read in the app (the seed's UI/UX table's words). */
export const STATUS_LABEL: Record<Status, string> = {
  TODO: 'To do',
  INPROGRESS: 'In Progress',
  DONE: 'Done',
  EXPIRED: 'Expired',
};
export const LEVEL_LABEL: Record<Level, string> = { HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low' };
export const TYPE_LABEL: Record<TodoType, string> = { INCIDENT: 'Incident', TASK: 'Task' };
export const LEVELS: Level[] = ['HIGH', 'MEDIUM', 'LOW'];
/** What a user may set; EXPIRED is the system's. */
export const SETTABLE_STATUSES: Status[] = ['TODO', 'INPROGRESS', 'DONE'];

const eur = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

/** A financial impact (a decimal string from the API) as EUR, e.g. `€12,500.00`. */
export function formatEur(amount: string | number | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = typeof amount === 'number' ? amount : Number(amount);
  return Number.isFinite(n) ? eur.format(n) : `€ ${amount}`;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** A date (`YYYY-MM-DD`) or a timestamp as the user's calendar reads it. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateFormat.format(d);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateTimeFormat.format(d);
}

/** Today as `YYYY-MM-DD` in the user's time zone (for date inputs and overdue checks). */
export function today(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
