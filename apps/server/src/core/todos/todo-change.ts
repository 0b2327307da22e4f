import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { engineOf } from '../../platform/db/prepared.ts';
import { enqueueMails, type OutgoingMail } from '../../platform/mail/outbox.repository.ts';
import { type AuditEntry, auditedBy, insertAuditEvent } from '../audit/audit.repository.ts';
import {
  changesFor,
  eventActorOf,
  eventTypesFor,
  SYSTEM_EVENT_ACTOR,
} from '../events/events.model.ts';
import { insertAuditAndEvents, insertEvent } from '../events/events.repository.ts';

/** Everything that can happen to a todo, as its history names it. */
export type TodoAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'comment'
  | 'watch'
  | 'unwatch'
  | 'attach'
  | 'detach'
  | 'expire'
  | 'remind';

/** BzCtrl itself (a job), as the actor of a change. */
export const SYSTEM_ACTOR = {
  actorUserId: null,
  actorClientId: null,
  actorEndpointId: null,
  actorLabel: 'system',
  dialect: 'system',
  requestId: null,
} satisfies Partial<AuditEntry>;

export interface TodoChange {
  /** A caller's request, or the system at a moment (a job). */
  by: Ctx | { system: true; at: string };
  todo: { id: number; workspaceId: number };
  action: TodoAction;
  /** Each changed field, in the API's names, as `[old, new]`. */
  changes: AuditEntry['changes'];
  /** When, for a request whose change is dated otherwise than `ctx.now`. */
  at?: string;
  /** Mails the change sends (to watchers, to the assignee), queued with it. */
  mails?: OutgoingMail[];
}

/**
 * The one place where a change to a todo records itself, inside the change's own
 * transaction: its audit event, its events for the change feed and the webhooks (SPEC
 * §8), and the mails it sends. Every todo write (create, update, delete, comment, watch,
 * attach, the jobs' expire and remind) comes through here, so what a change leaves
 * behind cannot differ between the paths that make it.
 */
export async function recordTodoChange(trx: Executor, change: TodoChange): Promise<void> {
  const by =
    'system' in change.by
      ? { ...SYSTEM_ACTOR, occurredAt: change.by.at }
      : auditedBy(change.by, change.at);
  const entry: AuditEntry = {
    ...by,
    entityType: 'todo',
    entityId: change.todo.id,
    workspaceId: change.todo.workspaceId,
    action: change.action,
    changes: change.changes,
  };
  const actor = 'system' in change.by ? SYSTEM_EVENT_ACTOR : eventActorOf(change.by.actor);
  const events = eventTypesFor(change.action, change.changes).map((type) => ({
    type,
    changes: changesFor(type, change.changes),
  }));
  if (engineOf(trx) === 'postgres') {
    // One round trip (see insertAuditAndEvents).
    await insertAuditAndEvents(trx, entry, actor, events);
  } else {
    await insertAuditEvent(trx, entry);
    for (const e of events) {
      await insertEvent(trx, {
        ...actor,
        ...e,
        occurredAt: by.occurredAt,
        todoId: change.todo.id,
        dialect: by.dialect,
        requestId: by.requestId,
      });
    }
  }
  if (change.mails && change.mails.length > 0) {
    await enqueueMails(trx, change.mails, by.occurredAt);
  }
}
