import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Attachments (issue 4 item 4): an uploaded file is a row here from the moment it is
 * stored; it belongs to its uploader until attached to a todo (todo_id set), and is
 * removed with its file after 24 hours if it never is.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const id = (c: ColumnDefinitionBuilder) =>
    pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();

  await db.schema
    .createTable('attachments')
    .addColumn('id', pg ? 'bigint' : 'integer', id)
    // The upload reference handed to the uploader: 128 random bits, base64url.
    .addColumn('ref', 'text', (c) => c.notNull().unique())
    // callerKey() of the uploader: only they may attach it while it is unattached.
    .addColumn('uploader', 'text', (c) => c.notNull())
    // Shown as uploadedBy: the user's e-mail, or the acting client or endpoint.
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    // The client's file name, cleaned; metadata only, never part of a path.
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    // Sniffed from the first bytes, never the client's claim.
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    // Relative to the data directory: attachments/<yyyy>/<random name>.
    .addColumn('storage_path', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('todo_id', 'bigint', (c) => c.references('todos.id').onDelete('cascade'))
    .addColumn('workspace_id', 'bigint', (c) => c.references('workspaces.id'))
    .addColumn('attached_at', ts)
    .execute();
  await db.schema
    .createIndex('attachments_todo_ix')
    .on('attachments')
    .columns(['todo_id', 'id'])
    .execute();
  // The stale-upload sweep only ever looks at unattached rows.
  await db.schema
    .createIndex('attachments_unattached_ix')
    .on('attachments')
    .column('created_at')
    .where(sql.ref('todo_id'), 'is', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attachments').ifExists().execute();
}
