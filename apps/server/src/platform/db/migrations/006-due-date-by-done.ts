import type { Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * A todo remembers whether its due date is the one moving to DONE set, and the due date
 * it had before, so that reopening it can undo that (docs/decisions.md, "Reopening a
 * todo"): without this a reopened todo kept the day it was done as its due date and
 * expired the next day.
 *
 * Todos that are DONE already got their due date from DONE (it replaced whatever was
 * there), so they are marked; the date before is not known for them.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  await db.schema
    .alterTable('todos')
    .addColumn('due_date_by_done', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('todos')
    .addColumn('due_date_before_done', engine === 'postgres' ? 'date' : 'text')
    .execute();
  await db
    .updateTable('todos')
    .set({ due_date_by_done: 1 })
    .where('status', '=', 'DONE')
    .where('due_date', 'is not', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['due_date_by_done', 'due_date_before_done']) {
    await db.schema.alterTable('todos').dropColumn(name).execute();
  }
}
