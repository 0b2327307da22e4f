import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * The event outbox of SPEC §8: one row per event, written in the transaction of the
 * todo change it reports (core/events/events.repository.ts), read by the change feed
 * and the webhook delivery.
 *
 * `position` is the feed's order. On SQLite, with one writer whose transactions commit
 * in the order of their ids, it is the id itself and the column stays null. On
 * PostgreSQL a transaction that took a lower id can commit after one that took a higher
 * id, so an id cursor could pass an event that was still uncommitted: there a sequencer
 * numbers committed events, in id order, under an advisory lock; an event that commits
 * late gets a later position, never one a reader has already passed.
 *
 * `event_feed_state` (one row) keeps the highest position the retention sweep deleted,
 * so a cursor behind it gets 410 rather than a silent gap.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema
    .createTable('events')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
      pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('position', 'bigint')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('workspace_id', 'bigint', (c) => c.notNull())
    .addColumn('workspace_key', 'text', (c) => c.notNull())
    .addColumn('todo_id', 'bigint', (c) => c.notNull())
    .addColumn('todo_key', 'text', (c) => c.notNull())
    .addColumn('todo_type', 'text', (c) => c.notNull())
    .addColumn('todo_title', 'text', (c) => c.notNull())
    .addColumn('todo_status', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'bigint')
    .addColumn('actor_client_id', 'bigint')
    .addColumn('actor_client_key', 'text')
    .addColumn('actor_endpoint_id', 'bigint')
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .execute();
  if (pg) {
    await db.schema
      .createIndex('events_position_ux')
      .on('events')
      .column('position')
      .unique()
      .execute();
    await db.schema
      .createIndex('events_unpositioned_ix')
      .on('events')
      .column('id')
      .where(sql.ref('position'), 'is', null)
      .execute();
  }
  // The retention sweep deletes by age.
  await db.schema.createIndex('events_occurred_ix').on('events').column('occurred_at').execute();
  await db.schema
    .createTable('event_feed_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('swept_through', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('event_feed_state').values({ id: 1, swept_through: 0 }).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_feed_state').ifExists().execute();
  await db.schema.dropTable('events').ifExists().execute();
}
