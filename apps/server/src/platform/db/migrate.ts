import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './database.ts';
import * as initial from './migrations/001-initial.ts';
import * as productApi from './migrations/002-product-api.ts';
import * as itsm from './migrations/003-itsm.ts';
import * as attachments from './migrations/004-attachments.ts';
import * as sessions from './migrations/005-sessions.ts';
import * as dueDateByDone from './migrations/006-due-date-by-done.ts';
import * as itsmIncidents from './migrations/007-itsm-incidents.ts';
import * as authGeneration from './migrations/008-auth-generation.ts';
import * as events from './migrations/009-events.ts';
import * as sharedLinks from './migrations/010-shared-links.ts';
import * as webhooks from './migrations/011-webhooks.ts';
import * as attachmentChunks from './migrations/012-attachment-chunks.ts';
import * as rateLimits from './migrations/013-rate-limits.ts';
import * as todoOrder from './migrations/014-todo-order.ts';
import * as openTodoDates from './migrations/015-open-todo-dates.ts';

/** Migrations in order; each receives the engine so DDL can differ where it must. */
const migrations = {
  '001-initial': initial,
  '002-product-api': productApi,
  '003-itsm': itsm,
  '004-attachments': attachments,
  '005-sessions': sessions,
  '006-due-date-by-done': dueDateByDone,
  '007-itsm-incidents': itsmIncidents,
  '008-auth-generation': authGeneration,
  '009-events': events,
  '010-shared-links': sharedLinks,
  '011-webhooks': webhooks,
  '012-attachment-chunks': attachmentChunks,
  '013-rate-limits': rateLimits,
  '014-todo-order': todoOrder,
  '015-open-todo-dates': openTodoDates,
};

/** The migrations this version knows, in order: a database with others is from a newer one. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations);

class StaticProvider implements MigrationProvider {
  constructor(private readonly db: Db) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(migrations)) {
      out[name] = { up: (k) => m.up(k, this.db.engine), down: (k) => m.down(k, this.db.engine) };
    }
    return out;
  }
}

/**
 * Brings the schema up to date. Safe to run from several processes at once: Kysely's
 * migrator takes a lock in the database.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Brings the schema to the migration named (up or down): for tests that make data the
 * way an older version stored it and check that a migration keeps it.
 */
export async function migrateTo(db: Db, name: keyof typeof migrations): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider(db) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
