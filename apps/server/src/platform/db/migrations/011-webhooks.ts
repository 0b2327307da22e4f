import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Webhooks (SPEC §8): subscriptions, and the deliveries the fan-out makes from events.
 *
 * A subscription's `position` is the last event position its fan-out considered, so each
 * event is looked at once per subscription however many processes run the fan-out (they
 * take the subscription's row lock first). A delivery row is written before its first
 * attempt, so a crash loses none: an unfinished claim's lease runs out and it is tried
 * again (at least once). The unique index keeps the fan-out from making one event's
 * delivery twice; replays are rows of their own.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
      pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('workspace_ids', 'text')
    .addColumn('include_own', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('owner_user_id', 'bigint')
    .addColumn('owner_client_id', 'bigint')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', ts)
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('disabled_at', ts)
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', ts)
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
      pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('subscription_id', 'bigint', (c) =>
      c.notNull().references('webhook_subscriptions.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'bigint')
    .addColumn('todo_id', 'bigint')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('replay_of', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, (c) => c.notNull())
    .addColumn('locked_until', ts)
    .addColumn('last_attempt_at', ts)
    .addColumn('last_status', 'integer')
    .addColumn('last_body', 'text')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_event_ux')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'event_id'])
    .unique()
    .where(sql.ref('replay_of'), 'is', null)
    .execute();
  // The worker's claim: pending deliveries by due time; the order check by todo.
  await db.schema
    .createIndex('webhook_deliveries_due_ix')
    .on('webhook_deliveries')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_todo_ix')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'todo_id', 'id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhook_subscriptions').ifExists().execute();
}
