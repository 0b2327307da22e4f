import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * The product API: external references, full-text search, comments, watchers,
 * idempotency keys, exposed endpoints, custom-field values and the mail outbox.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';
  const id = (c: ColumnDefinitionBuilder) =>
    pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  const idType = pg ? 'bigint' : 'integer';

  // External reference (an ERP order or document), unique per workspace; tags as one
  // text for the full-text index; who created it through an exposed endpoint; and the
  // reminder date for which a reminder was already sent (a changed date re-arms it).
  for (const [name, type] of [
    ['external_system', 'text'],
    ['external_id', 'text'],
    ['tags_text', 'text'],
    ['created_by_endpoint_id', 'bigint'],
    ['reminder_sent_for', date],
  ] as const) {
    await db.schema.alterTable('todos').addColumn(name, type).execute();
  }
  await db.schema
    .createIndex('todos_external_ref_uq')
    .on('todos')
    .columns(['workspace_id', 'external_system', 'external_id'])
    .unique()
    .execute();
  // Keyset pagination and the lifecycle jobs' scans.
  await db.schema
    .createIndex('todos_created_ix')
    .on('todos')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('todos_updated_ix')
    .on('todos')
    .columns(['updated_at', 'id'])
    .execute();
  await db.schema.createIndex('todos_due_ix').on('todos').columns(['due_date']).execute();
  await db.schema.createIndex('todos_reminder_ix').on('todos').columns(['reminder_date']).execute();
  await db.schema.createIndex('todos_assignee_ix').on('todos').columns(['assignee_id']).execute();
  await db.schema.createIndex('todos_reporter_ix').on('todos').columns(['reporter_id']).execute();

  if (pg) {
    // Language-neutral ('simple'): titles mix Dutch, English and codes such as LRNs.
    await sql`ALTER TABLE todos ADD COLUMN search tsvector GENERATED ALWAYS AS (
      to_tsvector('simple', title || ' ' || description || ' ' || coalesce(result, '') || ' ' ||
        coalesce(tags_text, ''))) STORED`.execute(db);
    await sql`CREATE INDEX todos_search_ix ON todos USING gin (search)`.execute(db);
  } else {
    // An external-content FTS5 index kept in step by triggers, inside the same
    // transaction as the write: a todo is findable the moment its create returns.
    await sql`CREATE VIRTUAL TABLE todos_fts USING fts5(
      title, description, result, tags_text,
      content='todos', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(db);
    await sql`CREATE TRIGGER todos_fts_ai AFTER INSERT ON todos BEGIN
      INSERT INTO todos_fts(rowid, title, description, result, tags_text)
      VALUES (new.id, new.title, new.description, new.result, new.tags_text);
    END`.execute(db);
    await sql`CREATE TRIGGER todos_fts_ad AFTER DELETE ON todos BEGIN
      INSERT INTO todos_fts(todos_fts, rowid, title, description, result, tags_text)
      VALUES ('delete', old.id, old.title, old.description, old.result, old.tags_text);
    END`.execute(db);
    await sql`CREATE TRIGGER todos_fts_au AFTER UPDATE OF title, description, result, tags_text
      ON todos BEGIN
      INSERT INTO todos_fts(todos_fts, rowid, title, description, result, tags_text)
      VALUES ('delete', old.id, old.title, old.description, old.result, old.tags_text);
      INSERT INTO todos_fts(rowid, title, description, result, tags_text)
      VALUES (new.id, new.title, new.description, new.result, new.tags_text);
    END`.execute(db);
  }

  await db.schema.alterTable('audit_events').addColumn('actor_endpoint_id', 'bigint').execute();

  await db.schema
    .createTable('todo_comments')
    .addColumn('id', idType, id)
    .addColumn('todo_id', 'bigint', (c) => c.notNull().references('todos.id').onDelete('cascade'))
    .addColumn('author_user_id', 'bigint', (c) => c.references('users.id'))
    .addColumn('author_client_id', 'bigint', (c) => c.references('api_clients.id'))
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('todo_comments_todo_ix')
    .on('todo_comments')
    .columns(['todo_id', 'id'])
    .execute();

  await db.schema
    .createTable('todo_watchers')
    .addColumn('todo_id', 'bigint', (c) => c.notNull().references('todos.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('todo_watchers_pk', ['todo_id', 'user_id'])
    .execute();

  // Values of custom fields on a todo: one row per field, the value as JSON text.
  await db.schema
    .createTable('todo_custom_values')
    .addColumn('todo_id', 'bigint', (c) => c.notNull().references('todos.id').onDelete('cascade'))
    .addColumn('field_id', 'bigint', (c) =>
      c.notNull().references('custom_fields.id').onDelete('cascade'),
    )
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('todo_custom_values_pk', ['todo_id', 'field_id'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    // `user:<id>`, `client:<id>`, `user:<id>/client:<id>` or `endpoint:<id>`.
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    /** SHA-256 of method, path and body: a different request under the same key is 422. */
    .addColumn('request_hash', 'text', (c) => c.notNull())
    /** Null while the first request is in flight. */
    .addColumn('status_code', 'integer')
    .addColumn('response_headers', 'text')
    .addColumn('response_body', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['caller', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires_ix')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('exposed_endpoints')
    .addColumn('id', idType, id)
    .addColumn('workspace_id', 'bigint', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    /** SHA-256 of the UUID, base64url: the UUID itself is shown once and never stored. */
    .addColumn('uuid_hash', 'text', (c) => c.notNull().unique())
    /** The UUID's last four characters, so an admin can tell endpoints apart. */
    .addColumn('uuid_hint', 'text', (c) => c.notNull())
    /** JSON: `{ todoType, reporter, status, tags, … }` applied under the body's fields. */
    .addColumn('defaults', 'text', (c) => c.notNull())
    /** JSON array of origins allowed to call from a browser. */
    .addColumn('allowed_origins', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by_user_id', 'bigint', (c) => c.references('users.id'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // Mails are queued in the transaction that causes them and sent by a job, so a
  // crash never loses one and a rolled-back change never sends one.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', idType, id)
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('todo_id', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, (c) => c.notNull())
    /** A sender claims a row by setting this lease; others skip it until it passes. */
    .addColumn('locked_until', ts)
    .addColumn('sent_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mail_outbox_pending_ix')
    .on('mail_outbox')
    .columns(['sent_at', 'next_attempt_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>, engine: Engine): Promise<void> {
  for (const table of [
    'mail_outbox',
    'exposed_endpoints',
    'idempotency_keys',
    'todo_custom_values',
    'todo_watchers',
    'todo_comments',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  if (engine === 'sqlite') {
    for (const t of ['todos_fts_ai', 'todos_fts_ad', 'todos_fts_au'])
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(t)}`.execute(db);
    await sql`DROP TABLE IF EXISTS todos_fts`.execute(db);
  } else {
    await sql`ALTER TABLE todos DROP COLUMN IF EXISTS search`.execute(db);
  }
  for (const ix of [
    'todos_external_ref_uq',
    'todos_created_ix',
    'todos_updated_ix',
    'todos_due_ix',
    'todos_reminder_ix',
    'todos_assignee_ix',
    'todos_reporter_ix',
  ]) {
    await db.schema.dropIndex(ix).ifExists().execute();
  }
  await db.schema.alterTable('audit_events').dropColumn('actor_endpoint_id').execute();
  for (const c of [
    'external_system',
    'external_id',
    'tags_text',
    'created_by_endpoint_id',
    'reminder_sent_for',
  ]) {
    await db.schema.alterTable('todos').dropColumn(c).execute();
  }
}
