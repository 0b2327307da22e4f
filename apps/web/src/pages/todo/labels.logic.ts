// How the todo page words what the API records: field, action and API names, who acted,
// recorded values and file sizes.

import type { TodoHistory } from '@bzctrl/sdk';
import {
  formatDate,
  formatEur,
  LEVEL_LABEL,
  type Level,
  STATUS_LABEL,
  type Status,
  type TodoType,
  TYPE_LABEL,
} from '../../ui/format.ts';

export type HistoryEvent = TodoHistory['items'][number];

/** How the fields read to users (the history names fields by their API names). */
export const FIELD_LABEL: Record<string, string> = {
  key: 'Key',
  todoType: 'Type',
  title: 'Title',
  description: 'Description',
  result: 'Result',
  financialImpact: 'Financial impact',
  impact: 'Impact',
  likelihood: 'Likelihood',
  priority: 'Priority',
  status: 'Status',
  assignee: 'Assignee',
  reporter: 'Reporter',
  category: 'Categories',
  subCategory: 'Sub-categories',
  orderID: 'Order ID',
  lrn: 'LRN',
  tags: 'Tags',
  reminderDate: 'Reminder date',
  dueDate: 'Due date',
  externalRef: 'External reference',
  externalSystem: 'External system',
  externalId: 'External ID',
  createdVia: 'Created via',
  watchers: 'Watchers',
  comment: 'Comment',
  attachment: 'File',
  workspace: 'Workspace',
  // Columns only the ITSM dialect shows, audited like any field.
  itsmStatus: 'ITSM status',
  itsmImpact: 'ITSM impact',
  itsmPriority: 'ITSM priority',
  urgency: 'Urgency',
  requesterName: 'Requester',
  categoryName: 'ITSM category',
  spam: 'Spam',
  locationId: 'Location',
};

/**
 * Recorded with a creation but meaningless to users (internal ids); the history leaves
 * them out.
 */
export const HIDDEN_FIELDS = new Set(['id', 'seq']);

export function fieldLabel(field: string): string {
  if (field.startsWith('customFields.')) return field.slice('customFields.'.length);
  return FIELD_LABEL[field] ?? field;
}

/** The system a change came through, in plain words. */
export const DIALECT_LABEL: Record<string, string> = {
  bzctrl: 'BzCtrl API',
  native: 'native API',
  short: 'short API',
  itsm: 'ITSM API',
  exposed: 'exposed endpoint',
  web: 'web app',
  system: 'scheduled job',
};

export function dialectLabel(dialect: string): string {
  return DIALECT_LABEL[dialect] ?? dialect;
}

/** Who made a change: a user, an API client on its own, an exposed endpoint, the system. */
export function actorText(actor: HistoryEvent['actor']): string {
  switch (actor.type) {
    case 'user':
      return actor.name ?? actor.email ?? actor.label.replace(/^user:/, '').split(' via ')[0] ?? '';
    case 'client':
      return `${actor.name ?? actor.clientId ?? actor.label.replace(/^client:/, '')} (API client)`;
    case 'endpoint':
      return actor.name ?? actor.label.replace(/^endpoint:/, '');
    default:
      return 'BzCtrl';
  }
}

/**
 * The source system of a change: the API client a user signed in through, named, with the
 * API in plain words ("ERP connector (BzCtrl API)"); else the API alone ("web app").
 */
export function sourceText(actor: HistoryEvent['actor'], dialect: string): string {
  const through = actor.type === 'user' ? (actor.clientName ?? actor.clientId) : undefined;
  return through ? `${through} (${dialectLabel(dialect)})` : dialectLabel(dialect);
}

/** One wording for who made a change and where: "Ann de Vries via web app". */
export function byText(actor: HistoryEvent['actor'], dialect: string): string {
  return `${actorText(actor)} via ${sourceText(actor, dialect)}`;
}

/** What an event did, as a sentence start. */
export const ACTION_LABEL: Record<string, string> = {
  create: 'Created',
  update: 'Changed',
  delete: 'Deleted',
  comment: 'Commented',
  attach: 'Attached a file',
  detach: 'Removed a file',
  watch: 'Added a watcher',
  unwatch: 'Removed a watcher',
  expire: 'Expired',
  remind: 'Sent a reminder',
};

export function actionLabel(action: string): string {
  return ACTION_LABEL[action] ?? action.charAt(0).toUpperCase() + action.slice(1);
}

const DATE_FIELDS = new Set(['reminderDate', 'dueDate']);
const LEVEL_FIELDS = new Set(['impact', 'likelihood', 'priority']);

/** A recorded value as users read it: labels for codes, EUR, dates, lists joined; "—" for none. */
export function valueText(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map((v) => String(v)).join(', ') : '—';
  if (field === 'status' && typeof value === 'string')
    return STATUS_LABEL[value as Status] ?? value;
  if (field === 'todoType' && typeof value === 'string')
    return TYPE_LABEL[value as TodoType] ?? value;
  if (LEVEL_FIELDS.has(field) && typeof value === 'string')
    return LEVEL_LABEL[value as Level] ?? value;
  if (field === 'financialImpact') return formatEur(value as string);
  if (field === 'createdVia' && typeof value === 'string') return dialectLabel(value);
  if (DATE_FIELDS.has(field) && typeof value === 'string') return formatDate(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (field === 'externalRef' && 'system' in o) return `${o.system} ${o.id}`;
    return JSON.stringify(value);
  }
  return String(value);
}

/** File sizes in the units people use. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
