import { type Insertable, sql } from 'kysely';
import type { Db, Engine } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { AuditEventTable, EventRow } from '../../platform/db/tables.ts';
import { AUDIT_COLUMNS, type AuditEntry } from '../audit/audit.repository.ts';
import type { EventActorColumns, EventType } from './events.model.ts';

/**
 * The event outbox (migration 009). Events are written in the transaction of the change
 * they report; readers see them in `position` order: the id itself on SQLite, a number
 * the sequencer gives committed events on PostgreSQL (see the migration for why).
 */

export interface NewEvent extends EventActorColumns {
  type: EventType;
  occurredAt: string;
  todoId: number;
  changes: Record<string, [unknown, unknown]>;
  dialect: string;
  requestId: string | null;
}

/** What an event copies from its todo and workspace, in EVENT_COLUMNS' order (both inserts). */
const TODO_COLUMNS = [
  't.workspaceId',
  'w.key',
  't.id',
  't.key',
  't.todoType',
  't.title',
  't.status',
] as const;

/** The columns an event is written with, in the order both event inserts select them. */
const EVENT_COLUMNS = [
  'type',
  'occurredAt',
  'workspaceId',
  'workspaceKey',
  'todoId',
  'todoKey',
  'todoType',
  'todoTitle',
  'todoStatus',
  'changes',
  'actorType',
  'actorName',
  'actorUserId',
  'actorClientId',
  'actorClientKey',
  'actorEndpointId',
  'dialect',
  'requestId',
] as const;

/**
 * One statement, compiled once: the todo's key, type, title and status right after the
 * change, and its workspace's key, come from the rows the transaction sees.
 */
const insertEventRow = preparedQuery((db, arg, engine) => {
  const pg = engine === 'postgres';
  const bigint = (i: number) =>
    pg ? sql<number>`cast(${arg(i)} as bigint)` : sql<number>`${arg(i)}`;
  const text = (i: number) => (pg ? sql<string>`cast(${arg(i)} as text)` : sql<string>`${arg(i)}`);
  const at = pg ? sql<string>`cast(${arg(1)} as timestamptz)` : sql<string>`${arg(1)}`;
  return db
    .insertInto('events')
    .columns(EVENT_COLUMNS)
    .expression(
      db
        .selectFrom('todos as t')
        .innerJoin('workspaces as w', 'w.id', 't.workspaceId')
        .select([
          text(0).as('type'),
          at.as('occurredAt'),
          ...TODO_COLUMNS,
          text(2).as('changes'),
          text(3).as('actorType'),
          text(4).as('actorName'),
          bigint(5).as('actorUserId'),
          bigint(6).as('actorClientId'),
          text(7).as('actorClientKey'),
          bigint(8).as('actorEndpointId'),
          text(9).as('dialect'),
          text(10).as('requestId'),
        ])
        .where('t.id', '=', bigint(11)),
    );
});

/** Writes one event in the caller's transaction. */
export async function insertEvent(trx: Executor, e: NewEvent): Promise<void> {
  await insertEventRow(
    trx,
    e.type,
    e.occurredAt,
    JSON.stringify(e.changes),
    e.actorType,
    e.actorName,
    e.actorUserId,
    e.actorClientId,
    e.actorClientKey,
    e.actorEndpointId,
    e.dialect,
    e.requestId,
    e.todoId,
  );
}

/**
 * PostgreSQL: a todo change's audit row and its events in one statement, compiled once.
 * A create holds its workspace's key lock until commit (`insertNewTodo`), so each round
 * trip saved here is one less under that lock. The events take their columns as
 * `insertEventRow` does; `types` and `changes` are parallel arrays, one entry per event
 * (none: the audit row alone).
 */
const insertAuditAndEventRows = preparedQuery((db, arg) => {
  const audit = Object.fromEntries(AUDIT_COLUMNS.map((c, i) => [c, arg(i)]));
  const k = AUDIT_COLUMNS.length;
  const at = (c: (typeof AUDIT_COLUMNS)[number]) => AUDIT_COLUMNS.indexOf(c);
  const bigint = (i: number) => sql<number>`cast(${arg(i)} as bigint)`;
  const text = (i: number) => sql<string>`cast(${arg(i)} as text)`;
  return db
    .with('a', (q) =>
      q.insertInto('auditEvents').values(audit as unknown as Insertable<AuditEventTable>),
    )
    .insertInto('events')
    .columns(EVENT_COLUMNS)
    .expression(
      db
        .selectFrom('todos as t')
        .innerJoin('workspaces as w', 'w.id', 't.workspaceId')
        .crossJoin(
          sql<{ type: string; changes: string }>`(select * from unnest(
            cast(${arg(k)} as text[]), cast(${arg(k + 1)} as text[])) as u(type, changes))`.as('x'),
        )
        .select([
          'x.type',
          sql<string>`cast(${arg(at('occurredAt'))} as timestamptz)`.as('occurredAt'),
          ...TODO_COLUMNS,
          'x.changes',
          text(k + 2).as('actorType'),
          text(k + 3).as('actorName'),
          bigint(k + 4).as('actorUserId'),
          bigint(k + 5).as('actorClientId'),
          text(k + 6).as('actorClientKey'),
          bigint(k + 7).as('actorEndpointId'),
          text(at('dialect')).as('dialect'),
          text(at('requestId')).as('requestId'),
        ])
        .where('t.id', '=', bigint(at('entityId'))),
    );
});

/**
 * PostgreSQL only (`insertAuditAndEventRows`): the audit row of a todo change and its
 * events, which take their time, dialect, request and todo from the audit row.
 */
export async function insertAuditAndEvents(
  trx: Executor,
  entry: AuditEntry,
  actor: EventActorColumns,
  events: ReadonlyArray<{ type: EventType; changes: Record<string, [unknown, unknown]> }>,
): Promise<void> {
  const row: Record<string, unknown> = { ...entry, changes: JSON.stringify(entry.changes) };
  await insertAuditAndEventRows(
    trx,
    ...AUDIT_COLUMNS.map((c) => row[c] ?? null),
    events.map((e) => e.type),
    events.map((e) => JSON.stringify(e.changes)),
    actor.actorType,
    actor.actorName,
    actor.actorUserId,
    actor.actorClientId,
    actor.actorClientKey,
    actor.actorEndpointId,
  );
}

/** The advisory lock that makes one sequencer at a time (a constant of BzCtrl's own). */
const SEQUENCER_LOCK = 0x627a_6576; // "bzev"

/**
 * PostgreSQL: gives every committed event without a position the next positions, in id
 * order, one sequencer at a time. An event whose transaction commits later is numbered by
 * a later run, after everything numbered before it, so a reader that has passed position
 * p has seen every event that will ever have a position ≤ p. SQLite: nothing to do.
 */
export async function sequenceEvents(db: Db): Promise<void> {
  if (db.engine !== 'postgres') return;
  const pending = await sql<{ one: number }>`
    select 1 as one from events where position is null limit 1`.execute(db.kysely);
  if (pending.rows.length === 0) return;
  await db.kysely.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(trx);
    await sql`
      with pending as (
        select id, row_number() over (order by id) as n from events where position is null
      ), top as (
        select coalesce(max(position), 0) as p from events
      )
      update events e set position = top.p + pending.n
      from pending, top where e.id = pending.id`.execute(trx);
  });
}

/** The column that orders the feed on this engine. */
const positionOf = (engine: Engine) => (engine === 'postgres' ? 'position' : 'id') as 'id';

/** The highest position given so far (0 without events). */
export async function headPosition(db: Db): Promise<number> {
  const col = positionOf(db.engine);
  const row = await db.reader
    .selectFrom('events')
    .select((eb) => eb.fn.max(col).as('head'))
    .executeTakeFirst();
  return Number(row?.head ?? 0);
}

/** The highest position the retention sweep has deleted: cursors behind it are gone. */
export async function sweptThrough(db: Db): Promise<number> {
  const row = await db.reader
    .selectFrom('eventFeedState')
    .select('sweptThrough')
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(row?.sweptThrough ?? 0);
}

export interface EventFilter {
  /** Positions after this one. */
  after: number;
  /** Up to this one (the head read before: everything up to it is numbered). */
  through: number;
  limit: number;
  /** Only these workspaces; null for all. */
  workspaceIds: readonly number[] | null;
  /** Leave out what this API client caused itself. */
  excludeClientId: number | null;
}

/** Events in (after, through] that pass the filter, oldest first, with their positions. */
export async function readEvents(
  db: Db,
  f: EventFilter,
): Promise<Array<EventRow & { at: number }>> {
  const col = positionOf(db.engine);
  if (f.workspaceIds !== null && f.workspaceIds.length === 0) return [];
  const rows = await db.reader
    .selectFrom('events')
    .selectAll()
    .select(`${col} as at` as 'id')
    .where(col, '>', f.after)
    .where(col, '<=', f.through)
    .$if(f.workspaceIds !== null, (q) => q.where('workspaceId', 'in', f.workspaceIds ?? []))
    .$if(f.excludeClientId !== null, (q) =>
      q.where((eb) =>
        eb.or([eb('actorClientId', 'is', null), eb('actorClientId', '!=', f.excludeClientId)]),
      ),
    )
    .orderBy(col)
    .limit(f.limit)
    .execute();
  return rows.map((r) => ({ ...r, at: Number((r as unknown as { at: number }).at) }));
}

/**
 * Deletes the events older than `before`, oldest positions first and without holes (a
 * cursor either still finds every event after it or is told it is gone), at most
 * `batch` per call. Returns how many it deleted.
 */
export async function sweepEvents(db: Db, before: string, batch = 5000): Promise<number> {
  await sequenceEvents(db);
  const col = positionOf(db.engine);
  return db.kysely.transaction().execute(async (trx) => {
    const oldest = await trx
      .selectFrom('events')
      .select(col)
      .where('occurredAt', '<', before)
      .where(col, 'is not', null)
      .orderBy(col)
      .limit(batch)
      .execute();
    const last = oldest.at(-1);
    if (!last) return 0;
    const through = Number(last[col]);
    const gone = await trx.deleteFrom('events').where(col, '<=', through).executeTakeFirst();
    await trx
      .updateTable('eventFeedState')
      .set((eb) => ({
        sweptThrough: eb.fn<number>(db.engine === 'postgres' ? 'greatest' : 'max', [
          'sweptThrough',
          eb.val(through),
        ]),
      }))
      .where('id', '=', 1)
      .execute();
    return Number(gone.numDeletedRows);
  });
}
