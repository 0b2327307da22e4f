import type { Ctx } from '../../platform/context.ts';
import { formatCents } from '../../platform/values/rules.ts';
import { type AuditEntry, listAuditEvents } from '../audit/audit.repository.ts';
import { getTodo } from './todo-load.ts';

export type HistoryActorType = 'user' | 'client' | 'endpoint' | 'system';

export interface HistoryEvent {
  id: number;
  at: string;
  action: string;
  actor: {
    type: HistoryActorType;
    label: string;
    name?: string;
    email?: string;
    clientId?: string;
    /** The API client a user acted through, by its name as it is now. */
    clientName?: string;
    endpointId?: number;
  };
  dialect: string;
  requestId: string | null;
  changes: { field: string; old: unknown; new: unknown }[];
}

/** Every recorded change of a todo, oldest first, with who or which system made it. */
export async function getTodoHistory(ctx: Ctx, ref: string): Promise<{ items: HistoryEvent[] }> {
  const todo = await getTodo(ctx, ref);
  const rows = await listAuditEvents(ctx.db.kysely, 'todo', todo.id);
  return {
    items: rows.map((r) => {
      const actor: HistoryEvent['actor'] = { type: 'system', label: r.actorLabel };
      // A user acting through a client is the user; the client is named beside it.
      if (r.actorUserId !== null) actor.type = 'user';
      else if (r.actorClientId !== null) actor.type = 'client';
      else if (r.actorEndpointId !== null) actor.type = 'endpoint';
      // The name as it is now (the label keeps what was recorded at the time).
      const name =
        actor.type === 'user'
          ? r.actorUserName
          : actor.type === 'client'
            ? r.actorClientName
            : actor.type === 'endpoint'
              ? r.actorEndpointName
              : null;
      if (name) actor.name = name;
      if (r.actorEmail) actor.email = r.actorEmail;
      if (r.actorClientKey) actor.clientId = r.actorClientKey;
      if (actor.type === 'user' && r.actorClientName) actor.clientName = r.actorClientName;
      if (r.actorEndpointId !== null) actor.endpointId = Number(r.actorEndpointId);
      return {
        id: Number(r.id),
        at: r.occurredAt,
        action: r.action,
        actor,
        dialect: r.dialect,
        requestId: r.requestId,
        changes: apiChanges(r.changes),
      };
    }),
  };
}

/** Recorded for the audit, said by the event's actor already. */
const ACTOR_FIELDS = new Set(['createdByUserId', 'createdByClientId']);

/**
 * The audit trail keeps what was stored (amounts in exact cents, column names); the
 * history speaks the API's language: `financialImpact` as the EUR string a Todo shows,
 * and no creator ids beside the actor that names the creator (each wire format names
 * the fields its own way: api/native/activity.routes.ts).
 */
function apiChanges(changes: AuditEntry['changes']): HistoryEvent['changes'] {
  const out: HistoryEvent['changes'] = [];
  for (const [field, [old, now]] of Object.entries(changes)) {
    if (ACTOR_FIELDS.has(field)) continue;
    if (field === 'financialImpactCents') {
      const eur = (v: unknown) => (typeof v === 'number' ? formatCents(v) : (v ?? null));
      out.push({ field: 'financialImpact', old: eur(old), new: eur(now) });
      continue;
    }
    out.push({ field, old: old ?? null, new: now ?? null });
  }
  return out;
}
