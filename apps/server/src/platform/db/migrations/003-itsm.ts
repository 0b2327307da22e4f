import type { Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * The ITSM incident dialect (SPEC §5): what an incident shows that a todo has no field
 * for, kept as the client set it so it reads back the same (its status string, its
 * impact, priority and urgency scales, spam flag, requester name, category name) and
 * the admin-managed location it happened at.
 */
const COLUMNS = [
  'itsm_status',
  'itsm_impact',
  'itsm_priority',
  'urgency',
  'requester_name',
  'category_name',
] as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, _engine: Engine): Promise<void> {
  for (const name of COLUMNS) {
    await db.schema.alterTable('todos').addColumn(name, 'text').execute();
  }
  await db.schema
    .alterTable('todos')
    .addColumn('spam', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('todos')
    .addColumn('location_id', 'bigint', (c) => c.references('locations.id').onDelete('set null'))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>, _engine: Engine): Promise<void> {
  for (const name of [...COLUMNS, 'spam', 'location_id']) {
    await db.schema.alterTable('todos').dropColumn(name).execute();
  }
}
