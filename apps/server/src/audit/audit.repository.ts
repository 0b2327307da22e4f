import type { Insertable } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { AuditEventTable } from '../db/tables.ts';

/** An audit event to record; `changes` maps each field to `[old, new]`. */
export type AuditEntry = Omit<Insertable<AuditEventTable>, 'changes'> & {
  changes: Record<string, [unknown, unknown]>;
};

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
