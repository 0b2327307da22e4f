import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * SQLite only: the todos whose `created_at` is older than that of a todo with a lower id
 * (`todo_order_breaks`), kept by triggers in the same transaction as the write.
 *
 * A full-text search sorted newest first (the default) can then walk the FTS5 index in
 * id order, which FTS5 does lazily, and stop after one page, instead of collecting every
 * match of a common word first (findTodoPage in core/todos/todo-list.repository.ts).
 * Ids and creation times almost always rise together; where they do not (a request that
 * took its time stamp before another but was stored after it, a clock set back), this
 * table says so and the search takes the exact, slower way. A stale row here only costs
 * that slower way, never a wrong order.
 *
 * A todo is recorded when, at the time it is stored (or its `created_at` changes), a
 * todo with a lower id is newer; a todo stored below existing ids (an explicit id) also
 * records every higher todo it is newer than.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`CREATE TABLE todo_order_breaks (id INTEGER PRIMARY KEY)`.execute(db);
  await sql`INSERT INTO todo_order_breaks (id)
    SELECT id FROM (
      SELECT id, created_at, max(created_at) OVER (
        ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newest_before
      FROM todos)
    WHERE created_at < newest_before`.execute(db);
  // `max(created_at) … WHERE id < new.id` reads the end of todos_created_ix: a few µs.
  await sql`CREATE TRIGGER todos_order_ai AFTER INSERT ON todos
    WHEN new.created_at < (SELECT max(created_at) FROM todos WHERE id < new.id)
    BEGIN
      INSERT OR IGNORE INTO todo_order_breaks (id) VALUES (new.id);
    END`.execute(db);
  await sql`CREATE TRIGGER todos_order_ai_below AFTER INSERT ON todos
    WHEN EXISTS (SELECT 1 FROM todos WHERE id > new.id)
    BEGIN
      INSERT OR IGNORE INTO todo_order_breaks (id)
        SELECT id FROM todos WHERE id > new.id AND created_at < new.created_at;
    END`.execute(db);
  await sql`CREATE TRIGGER todos_order_au AFTER UPDATE OF created_at ON todos
    BEGIN
      INSERT OR IGNORE INTO todo_order_breaks (id)
        SELECT new.id WHERE new.created_at < (SELECT max(created_at) FROM todos WHERE id < new.id);
      INSERT OR IGNORE INTO todo_order_breaks (id)
        SELECT id FROM todos WHERE id > new.id AND created_at < new.created_at;
    END`.execute(db);
  await sql`CREATE TRIGGER todos_order_ad AFTER DELETE ON todos
    BEGIN
      DELETE FROM todo_order_breaks WHERE id = old.id;
    END`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  for (const t of ['todos_order_ai', 'todos_order_ai_below', 'todos_order_au', 'todos_order_ad'])
    await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
  await sql`DROP TABLE IF EXISTS todo_order_breaks`.execute(db);
}
