/**
 * What `bzctrl migrate-to` copies, in one place: every table the migrations create, and
 * the few it deliberately leaves out. migrate-to.test.ts compares this list with the
 * tables a freshly migrated database has, on both engines, so a new table cannot be
 * added to the schema and forgotten here.
 */
export const COPIED_TABLES = [
  'domains',
  'workspaces',
  'users',
  'workspace_members',
  'api_clients',
  'api_client_workspaces',
  'locations',
  'custom_fields',
  'oauth_tokens',
  'login_throttle',
  'todos',
  'todo_tags',
  'todo_categories',
  'audit_events',
  'todo_comments',
  'todo_watchers',
  'todo_custom_values',
  'idempotency_keys',
  'exposed_endpoints',
  'mail_outbox',
  'attachments',
  'sessions',
  'itsm_incidents',
  'auth_generation',
  'events',
  'event_feed_state',
  'server_secrets',
  'todo_link_generations',
  'webhook_subscriptions',
  'webhook_deliveries',
] as const;

export type CopiedTable = (typeof COPIED_TABLES)[number];

/**
 * Tables that exist but are not copied, and why: the migrator's own bookkeeping (the
 * target runs its migrations itself), and SQLite's full-text index and its shadow tables
 * (PostgreSQL computes its `search` column from the todo itself).
 */
export const NOT_COPIED: ReadonlyArray<{ name: RegExp; why: string }> = [
  { name: /^kysely_migration(_lock)?$/, why: 'the target runs its own migrations' },
  { name: /^todos_fts(_.*)?$/, why: "SQLite's full-text index; PostgreSQL's is a column" },
  { name: /^sqlite_/, why: "SQLite's own tables" },
  {
    name: /^todo_order_breaks$/,
    why: "SQLite's shortcut for newest-first searches, derived from the todos",
  },
  {
    name: /^attachment_chunks$/,
    why: "PostgreSQL's attachment bytes; SQLite keeps files, moved by `bzctrl attachments migrate`",
  },
  {
    name: /^rate_limit_counters$/,
    why: 'rate-limit counts of the current minute, kept in memory on SQLite: a moved server starts them afresh',
  },
];

/** Rows the migrations themselves insert: an "empty" target may hold these, and the copy replaces them. */
export const MIGRATION_ROWS: Partial<Record<CopiedTable, number>> = {
  auth_generation: 1,
  event_feed_state: 1,
};

/**
 * Columns whose PostgreSQL value is derived from the SQLite row. An event's feed
 * position is its id on SQLite, where the column stays null; on PostgreSQL the sequencer
 * numbers events by `position` (migration 009), so the copy writes the id there and a
 * feed cursor a client holds from the SQLite server goes on where it was.
 */
export const DERIVED_COLUMNS: Partial<
  Record<CopiedTable, Record<string, (get: (column: string) => unknown) => unknown>>
> = {
  events: { position: (get) => get('position') ?? get('id') },
};

/** Whether a table of a migrated database is left out on purpose (NOT_COPIED). */
export function isNotCopied(table: string): boolean {
  return NOT_COPIED.some((n) => n.name.test(table));
}
