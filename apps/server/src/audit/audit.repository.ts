import type { Executor } from '../db/executor.ts';

export interface AuditEntry {
  occurredAt: string;
  actorUserId: number | null;
  actorClientId: number | null;
  actorLabel: string;
  dialect: string;
  requestId: string | null;
  entityType: string;
  entityId: number;
  workspaceId: number | null;
  action: string;
  /** `{ field: [old, new] }` */
  changes: Record<string, [unknown, unknown]>;
}

export async function insertAuditEvent(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('auditEvents')
    .values({ ...entry, changes: JSON.stringify(entry.changes) })
    .execute();
}

export async function listAuditEvents(db: Executor, entityType: string, entityId: number) {
  const rows = await db
    .selectFrom('auditEvents')
    .selectAll()
    .where('entityType', '=', entityType)
    .where('entityId', '=', entityId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    ...r,
    changes: JSON.parse(r.changes) as Record<string, [unknown, unknown]>,
  }));
}
