import type { Executor } from '../../platform/db/executor.ts';

/** The generation a todo's shared links must carry now; 0 until they are first revoked. */
export async function findLinkGeneration(db: Executor, todoId: number): Promise<number> {
  const row = await db
    .selectFrom('todoLinkGenerations')
    .select('generation')
    .where('todoId', '=', todoId)
    .executeTakeFirst();
  return row ? Number(row.generation) : 0;
}

/** Moves a todo's link generation on, in one statement (two revokes at once both count). */
export async function bumpLinkGeneration(db: Executor, todoId: number, at: string): Promise<void> {
  await db
    .insertInto('todoLinkGenerations')
    .values({ todoId, generation: 1, revokedAt: at })
    .onConflict((oc) =>
      oc.column('todoId').doUpdateSet((eb) => ({
        generation: eb('todoLinkGenerations.generation', '+', 1),
        revokedAt: at,
      })),
    )
    .execute();
}

/**
 * The status changes in a todo's audit trail, oldest first: when, and the status before
 * and after (before is null at creation). Only the status is read, never who changed it.
 */
export async function findStatusChanges(db: Executor, todoId: number) {
  const rows = await db
    .selectFrom('auditEvents')
    .select(['occurredAt', 'changes'])
    .where('entityType', '=', 'todo')
    .where('entityId', '=', todoId)
    .orderBy('id')
    .execute();
  const out: { at: string; from: string | null; to: string }[] = [];
  for (const row of rows) {
    const status = (JSON.parse(row.changes) as Record<string, [unknown, unknown]>).status;
    if (!status || typeof status[1] !== 'string') continue;
    const from = typeof status[0] === 'string' ? status[0] : null;
    if (from !== status[1]) out.push({ at: row.occurredAt, from, to: status[1] });
  }
  return out;
}
