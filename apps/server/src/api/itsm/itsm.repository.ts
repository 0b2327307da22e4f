import { sql } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { ItsmIncidentTable } from '../../platform/db/tables.ts';

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

/** What the ITSM dialect keeps of an incident beside the todo (migration 007). */
export type IncidentData = Omit<ItsmIncidentTable, 'todoId' | 'spam'> & {
  /** 0 or 1. */
  spam: number;
};

const INCIDENT_COLUMNS = [
  'itsmStatus',
  'itsmImpact',
  'itsmPriority',
  'urgency',
  'requesterName',
  'categoryName',
  'spam',
] as const satisfies ReadonlyArray<keyof IncidentData>;

/** The incident data of some todos, by todo id; a todo with none is left out. */
export async function findIncidents(
  db: Executor,
  todoIds: number[],
): Promise<Map<number, IncidentData>> {
  if (todoIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('itsmIncidents')
    .select(['todoId', ...INCIDENT_COLUMNS])
    .where('todoId', 'in', todoIds)
    .execute();
  // PostgreSQL returns bigints as text.
  return new Map(
    rows.map(({ todoId, ...data }) => [Number(todoId), { ...data, spam: Number(data.spam) }]),
  );
}

/** Stores an incident's data, the row made if the todo has none yet. */
export async function upsertIncident(
  db: Executor,
  todoId: number,
  data: Partial<IncidentData>,
): Promise<void> {
  await db
    .insertInto('itsmIncidents')
    .values({ todoId, ...data })
    .onConflict((oc) => oc.column('todoId').doUpdateSet(data))
    .execute();
}

/**
 * What an incident shows beyond the todo: the dialect's own data, the location's name
 * and the requester's user name. Call it only for a todo the caller may see.
 */
export async function findIncidentExtras(db: Executor, todoId: number) {
  return db
    .selectFrom('todos as t')
    .leftJoin('itsmIncidents as i', 'i.todoId', 't.id')
    .leftJoin('locations as l', 'l.id', 't.locationId')
    .innerJoin('users as r', 'r.id', 't.reporterId')
    .select([
      'i.itsmStatus',
      'i.itsmImpact',
      'i.itsmPriority',
      'i.urgency',
      'i.requesterName',
      'i.categoryName',
      'i.spam',
      'l.name as locationName',
      'r.name as reporterName',
    ])
    .where('t.id', '=', todoId)
    .executeTakeFirstOrThrow();
}
