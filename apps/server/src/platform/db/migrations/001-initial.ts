import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Engine } from '../database.ts';

/** The first schema: tenancy, identities, tokens, todos and the audit trail. */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's types
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';
  const id = (c: ColumnDefinitionBuilder) =>
    pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  const idType = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('domains')
    .addColumn('id', idType, id)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', idType, id)
    .addColumn('domain_id', 'bigint', (c) => c.notNull().references('domains.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('todo_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('workspaces_domain_code_uq', ['domain_id', 'code'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', idType, id)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workspace_members')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('workspace_id', 'bigint', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('workspace_members_pk', ['user_id', 'workspace_id'])
    .execute();

  await db.schema
    .createTable('api_clients')
    .addColumn('id', idType, id)
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('default_workspace_id', 'bigint', (c) => c.references('workspaces.id'))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_client_workspaces')
    .addColumn('api_client_id', 'bigint', (c) =>
      c.notNull().references('api_clients.id').onDelete('cascade'),
    )
    .addColumn('workspace_id', 'bigint', (c) =>
      c.notNull().references('workspaces.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('api_client_workspaces_pk', ['api_client_id', 'workspace_id'])
    .execute();

  await db.schema
    .createTable('locations')
    .addColumn('id', idType, id)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('custom_fields')
    .addColumn('id', idType, id)
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('options', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('custom_fields_module_name_uq', ['module', 'name'])
    .execute();

  await db.schema
    .createTable('oauth_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('api_client_id', 'bigint', (c) => c.references('api_clients.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('rotated_at', ts)
    .addColumn('revoked_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oauth_tokens_family_ix')
    .on('oauth_tokens')
    .column('family_id')
    .execute();
  await db.schema
    .createIndex('oauth_tokens_user_ix')
    .on('oauth_tokens')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('oauth_tokens_client_ix')
    .on('oauth_tokens')
    .column('api_client_id')
    .execute();
  await db.schema
    .createIndex('oauth_tokens_expires_ix')
    .on('oauth_tokens')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', ts, (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('todos')
    .addColumn('id', idType, id)
    .addColumn('workspace_id', 'bigint', (c) => c.notNull().references('workspaces.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('todo_type', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('financial_impact_cents', 'bigint')
    .addColumn('impact', 'text')
    .addColumn('likelihood', 'text')
    .addColumn('priority', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('reporter_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('order_id', 'text')
    .addColumn('lrn', 'text')
    .addColumn('reminder_date', date)
    .addColumn('due_date', date)
    .addColumn('created_via', 'text', (c) => c.notNull())
    .addColumn('created_by_user_id', 'bigint', (c) => c.references('users.id'))
    .addColumn('created_by_client_id', 'bigint', (c) => c.references('api_clients.id'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('deleted_at', ts)
    .addUniqueConstraint('todos_workspace_seq_uq', ['workspace_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('todos_workspace_created_ix')
    .on('todos')
    .columns(['workspace_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('todo_tags')
    .addColumn('todo_id', 'bigint', (c) => c.notNull().references('todos.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('todo_tags_pk', ['todo_id', 'position'])
    .execute();
  await db.schema.createIndex('todo_tags_tag_ix').on('todo_tags').column('tag').execute();

  await db.schema
    .createTable('todo_categories')
    .addColumn('todo_id', 'bigint', (c) => c.notNull().references('todos.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('todo_categories_pk', ['todo_id', 'kind', 'position'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', idType, id)
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('actor_user_id', 'bigint')
    .addColumn('actor_client_id', 'bigint')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'bigint', (c) => c.notNull())
    .addColumn('workspace_id', 'bigint')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_events_entity_ix')
    .on('audit_events')
    .columns(['entity_type', 'entity_id', 'id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_events',
    'todo_categories',
    'todo_tags',
    'todos',
    'login_throttle',
    'oauth_tokens',
    'custom_fields',
    'locations',
    'api_client_workspaces',
    'api_clients',
    'workspace_members',
    'users',
    'workspaces',
    'domains',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
