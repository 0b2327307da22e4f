import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * What only the ITSM incident dialect keeps (migration 003: its status string, impact,
 * priority and urgency scales, requester name, category name and spam flag) moves out of
 * the core `todos` table into a table of the dialect's own, one row per incident, with
 * the data. The location stays a column of todos: the native Todo shows it.
 */
const TEXT_COLUMNS = [
  'itsm_status',
  'itsm_impact',
  'itsm_priority',
  'urgency',
  'requester_name',
  'category_name',
] as const;
const COLUMNS = [...TEXT_COLUMNS, 'spam'] as const;

const list = (names: readonly string[]) => sql.raw(names.join(', '));

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, _engine: Engine): Promise<void> {
  let table = db.schema
    .createTable('itsm_incidents')
    .addColumn('todo_id', 'bigint', (c) =>
      c.primaryKey().references('todos.id').onDelete('cascade'),
    );
  for (const name of TEXT_COLUMNS) table = table.addColumn(name, 'text');
  await table.addColumn('spam', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // Only todos with something to keep: no row reads as nothing set.
  await sql`INSERT INTO itsm_incidents (todo_id, ${list(COLUMNS)})
    SELECT id, ${list(COLUMNS)} FROM todos
    WHERE ${sql.join(
      TEXT_COLUMNS.map((c) => sql`${sql.ref(c)} IS NOT NULL`),
      sql` OR `,
    )} OR spam <> 0`.execute(db);
  // ALTER TABLE … DROP COLUMN, as migrations 002 and 003 undo theirs (SQLite 3.35+).
  for (const name of COLUMNS) await db.schema.alterTable('todos').dropColumn(name).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>, _engine: Engine): Promise<void> {
  for (const name of COLUMNS) {
    const spam = name === 'spam';
    await db.schema
      .alterTable('todos')
      .addColumn(name, spam ? 'integer' : 'text', (c) => (spam ? c.notNull().defaultTo(0) : c))
      .execute();
    await sql`UPDATE todos SET ${sql.ref(name)} = (
      SELECT i.${sql.ref(name)} FROM itsm_incidents i WHERE i.todo_id = todos.id)
      WHERE id IN (SELECT todo_id FROM itsm_incidents)`.execute(db);
  }
  await db.schema.dropTable('itsm_incidents').execute();
}
