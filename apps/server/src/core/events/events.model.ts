import type { Actor } from '../../platform/context.ts';
import type { EventRow } from '../../platform/db/tables.ts';
import { todoLink } from '../todos/todo.model.ts';

/** Every event type there is (SPEC §8), `todo.attachment_removed` being BzCtrl's own. */
export const EVENT_TYPES = [
  'todo.created',
  'todo.updated',
  'todo.status_changed',
  'todo.commented',
  'todo.attachment_added',
  'todo.attachment_removed',
  'todo.deleted',
  'todo.expired',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Who made a change, as an event names it. */
export interface EventActor {
  type: 'user' | 'client' | 'endpoint' | 'system';
  /** The user's e-mail, the client's id, the endpoint's name, or `system`. */
  name: string;
  /** The API client the change came through: a client's own token, or a user's via it. */
  clientId: string | null;
}

/** An event as the feed and the webhooks deliver it. */
export interface TodoEvent {
  id: number;
  type: EventType;
  occurredAt: string;
  workspace: string;
  todo: { key: string; id: number; type: string; title: string; status: string; taskLink: string };
  /** Each changed field, in the API's names, as `[old, new]`. */
  changes: Record<string, [unknown, unknown]>;
  actor: EventActor;
  dialect: string;
}

/** The actor columns of an event row. */
export interface EventActorColumns {
  actorType: EventActor['type'];
  actorName: string;
  actorUserId: number | null;
  actorClientId: number | null;
  actorClientKey: string | null;
  actorEndpointId: number | null;
}

export const SYSTEM_EVENT_ACTOR: EventActorColumns = {
  actorType: 'system',
  actorName: 'system',
  actorUserId: null,
  actorClientId: null,
  actorClientKey: null,
  actorEndpointId: null,
};

export function eventActorOf(actor: Actor): EventActorColumns {
  const through = { actorClientId: actor.apiClientId, actorClientKey: actor.clientId };
  if (actor.kind === 'endpoint') {
    return {
      ...SYSTEM_EVENT_ACTOR,
      actorType: 'endpoint',
      actorName: actor.endpointName ?? String(actor.endpointId),
      actorEndpointId: actor.endpointId ?? null,
    };
  }
  if (actor.kind === 'client') {
    return {
      ...SYSTEM_EVENT_ACTOR,
      ...through,
      actorType: 'client',
      actorName: actor.clientId ?? '',
    };
  }
  return {
    ...SYSTEM_EVENT_ACTOR,
    ...through,
    actorType: 'user',
    actorName: actor.userEmail ?? '',
    actorUserId: actor.userId,
  };
}

/**
 * The events one change of a todo makes, by the history's action: one, plus
 * `todo.status_changed` beside an update or an expiry that moved the status. Watching
 * and reminding change nothing an integration reads, so they make none.
 */
export function eventTypesFor(
  action: string,
  changes: Record<string, [unknown, unknown]>,
): EventType[] {
  const statusMoved = 'status' in changes;
  switch (action) {
    case 'create':
      return ['todo.created'];
    case 'update':
      return statusMoved ? ['todo.updated', 'todo.status_changed'] : ['todo.updated'];
    case 'expire':
      return ['todo.expired', 'todo.status_changed'];
    case 'comment':
      return ['todo.commented'];
    case 'attach':
      return ['todo.attachment_added'];
    case 'detach':
      return ['todo.attachment_removed'];
    case 'delete':
      return ['todo.deleted'];
    default:
      return [];
  }
}

/** The changes a `todo.status_changed` event carries: the status alone. */
export function changesFor(
  type: EventType,
  changes: Record<string, [unknown, unknown]>,
): Record<string, [unknown, unknown]> {
  return type === 'todo.status_changed' && changes.status ? { status: changes.status } : changes;
}

/** An event row as the feed and the webhooks send it. */
export function toTodoEvent(row: EventRow, publicUrl: string): TodoEvent {
  return {
    id: Number(row.id),
    type: row.type as EventType,
    occurredAt: row.occurredAt,
    workspace: row.workspaceKey,
    todo: {
      key: row.todoKey,
      id: Number(row.todoId),
      type: row.todoType,
      title: row.todoTitle,
      status: row.todoStatus,
      taskLink: todoLink(publicUrl, row.todoKey),
    },
    changes: JSON.parse(row.changes) as Record<string, [unknown, unknown]>,
    actor: {
      type: row.actorType as EventActor['type'],
      name: row.actorName,
      clientId: row.actorClientKey,
    },
    dialect: row.dialect,
  };
}
