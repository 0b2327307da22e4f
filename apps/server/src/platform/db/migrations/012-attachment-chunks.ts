import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Attachment bytes in the database (issue 15 item 1): on PostgreSQL new uploads are
 * stored as 256 KB `bytea` chunks, so every node serves every file. Each attachment row
 * records where its bytes are (`storage`): rows from before stay 'file' until
 * `bzctrl attachments migrate` moves them, and are served from the data directory
 * meanwhile. SQLite keeps its files; it gets the column only.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  await db.schema
    .alterTable('attachments')
    .addColumn('storage', 'text', (c) => c.notNull().defaultTo('file'))
    .execute();
  if (engine !== 'postgres') return;
  await db.schema
    .createTable('attachment_chunks')
    // The attachment row's storage_path; no foreign key, since chunks are written before
    // their row (as the upload arrives).
    .addColumn('storage_path', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('attachment_chunks_pk', ['storage_path', 'seq'])
    .execute();
  // Already compressed files are the rule; pglz would only spend time on them.
  await sql`alter table attachment_chunks alter column data set storage external`.execute(db);
  // The sweep of chunks that no row points to (an upload whose process died).
  await db.schema
    .createIndex('attachment_chunks_first_ix')
    .on('attachment_chunks')
    .column('created_at')
    .where(sql.ref('seq'), '=', 0)
    .execute();
  await db.schema
    .createIndex('attachments_storage_path_ix')
    .on('attachments')
    .column('storage_path')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine === 'postgres') {
    await db.schema.dropIndex('attachments_storage_path_ix').ifExists().execute();
    await db.schema.dropTable('attachment_chunks').ifExists().execute();
  }
  await db.schema.alterTable('attachments').dropColumn('storage').execute();
}
