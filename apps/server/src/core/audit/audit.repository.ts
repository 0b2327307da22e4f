import type { Insertable } from 'kysely';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedInsert } from '../../platform/db/prepared.ts';
import type { AuditEventTable } from '../../platform/db/tables.ts';
import { actorLabel } from '../access/actor.ts';

/** An audit event to record; `changes` maps each field to `[old, new]`. */
export type AuditEntry = Omit<Insertable<AuditEventTable>, 'changes'> & {
  changes: Record<string, [unknown, unknown]>;
};

/** Who did it, when and through which dialect: the part of every entry a request supplies. */
export function auditedBy(ctx: Ctx, occurredAt = ctx.now.toISOString()) {
  return {
    occurredAt,
    actorUserId: ctx.actor.userId,
    actorClientId: ctx.actor.apiClientId,
    actorEndpointId: ctx.actor.endpointId ?? null,
    actorLabel: actorLabel(ctx.actor),
    dialect: ctx.via,
    requestId: ctx.requestId,
  };
}

/** The columns of an audit row, every one given by the writer. */
export const AUDIT_COLUMNS = [
  'occurredAt',
  'actorUserId',
  'actorClientId',
  'actorEndpointId',
  'actorLabel',
  'dialect',
  'requestId',
  'entityType',
  'entityId',
  'workspaceId',
  'action',
  'changes',
] as const satisfies ReadonlyArray<keyof AuditEventTable>;

/** Compiled once: every change of every todo writes one (database.ts, `preparedInsert`). */
const insertAuditRow = preparedInsert('auditEvents', AUDIT_COLUMNS);

export async function insertAuditEvent(db: Executor, entry: AuditEntry): Promise<void> {
  await insertAuditRow(db, [{ ...entry, changes: JSON.stringify(entry.changes) }]);
}

/**
 * The audit trail of one entity, oldest first, with the e-mail of the acting user and the
 * client id of the acting API client as they are now (the label keeps the original).
 */
export async function listAuditEvents(db: Executor, entityType: string, entityId: number) {
  const rows = await db
    .selectFrom('auditEvents as e')
    .leftJoin('users as u', 'u.id', 'e.actorUserId')
    .leftJoin('apiClients as k', 'k.id', 'e.actorClientId')
    .leftJoin('exposedEndpoints as x', 'x.id', 'e.actorEndpointId')
    .selectAll('e')
    .select([
      'u.email as actorEmail',
      'u.name as actorUserName',
      'k.clientId as actorClientKey',
      'k.name as actorClientName',
      'x.name as actorEndpointName',
    ])
    .where('e.entityType', '=', entityType)
    .where('e.entityId', '=', entityId)
    .orderBy('e.id')
    .execute();
  return rows.map((r) => ({
    ...r,
    changes: JSON.parse(r.changes) as Record<string, [unknown, unknown]>,
  }));
}
