import type { Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Rate-limit counters shared by every server process on one PostgreSQL database
 * (platform/http/shared-counters.ts): per key (a caller, a client address, an exposed
 * endpoint), the minute window it counts and how many requests the processes counted in
 * it. A process adds its requests about every 250 ms; the upsert starts a new window in
 * place, and rows whose window ended a minute ago are deleted. On SQLite (one process)
 * the table exists but stays empty: the limits are counted in memory there.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, _engine: Engine): Promise<void> {
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    // Milliseconds since the epoch at which the window began (a whole minute).
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rate_limit_counters_window_start')
    .on('rate_limit_counters')
    .column('window_start')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limit_counters').ifExists().execute();
}
