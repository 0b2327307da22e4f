import type { Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/**
 * Browser sessions of the web app (issue 5 item 1). A row per signed-in browser, keyed
 * by the SHA-256 of the cookie value: the cookie itself is never stored.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .execute();
  // Revocation on disable or password change ends every session of one user.
  await db.schema.createIndex('sessions_user_ix').on('sessions').column('user_id').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sessions').ifExists().execute();
}
