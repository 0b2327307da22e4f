import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * One row counting the changes that can end or alter a token's or session's access
 * (revocations, users, clients, memberships, workspaces). Every such change adds one in
 * its own transaction; each server process caches resolved tokens and sessions and reads
 * this row at most every 250 ms, clearing its cache when the value moved, so a change
 * made through one process binds every other within a second (core/access/actor-cache.ts).
 * `database_id` tells a process's caches which database a change it made belongs to.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, _engine: Engine): Promise<void> {
  await db.schema
    .createTable('auth_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addColumn('database_id', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('auth_generation')
    .values({ id: 1, value: 0, database_id: randomUUID() })
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_generation').ifExists().execute();
}
