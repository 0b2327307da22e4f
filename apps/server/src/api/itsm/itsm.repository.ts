import { sql } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';

/** A location by name, matched case-insensitively (SPEC §5: it must exist). */
export async function findLocationByName(
  db: Executor,
  name: string,
): Promise<{ id: number; name: string } | undefined> {
  const row = await db
    .selectFrom('locations')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, '=', name.trim().toLowerCase())
    .executeTakeFirst();
  return row ? { id: Number(row.id), name: row.name } : undefined;
}

/**
 * What an incident shows beyond the todo: the dialect's own columns, the location's
 * name and the requester's user name. Call it only for a todo the caller may see.
 */
export async function findIncidentExtras(db: Executor, todoId: number) {
  return db
    .selectFrom('todos as t')
    .leftJoin('locations as l', 'l.id', 't.locationId')
    .innerJoin('users as r', 'r.id', 't.reporterId')
    .select([
      't.itsmStatus',
      't.itsmImpact',
      't.itsmPriority',
      't.urgency',
      't.requesterName',
      't.categoryName',
      't.spam',
      'l.name as locationName',
      'r.name as reporterName',
    ])
    .where('t.id', '=', todoId)
    .executeTakeFirstOrThrow();
}
