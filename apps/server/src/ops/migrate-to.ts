import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { MIGRATION_NAMES, migrateToLatest } from '../platform/db/migrate.ts';
import {
  BATCH,
  formatCounts,
  hashRow,
  normalise,
  type TableResult,
  targetSum,
} from './migrate-to.checksum.ts';
import { describeTables, ident, orderBy, type TableShape } from './migrate-to.schema.ts';
import {
  COPIED_TABLES,
  type CopiedTable,
  DERIVED_COLUMNS,
  isNotCopied,
  MIGRATION_ROWS,
} from './migrate-to.tables.ts';
import { OpsError } from './ops.errors.ts';
import { appliedMigrations, message, openSqliteFile, sqliteFileOf } from './sqlite-files.ts';

export interface MigrateToOptions {
  /** Progress, the table of counts and the summary, one line each. */
  say: (line: string) => void;
}

const PROGRESS_EVERY_MS = 1000;
const PG_DATE = 1082;

/** A database URL as it may be printed: the password left out. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the URL given)';
  }
}

/**
 * `bzctrl migrate-to <postgres-url>`: copies the SQLite database BZCTRL_DATABASE_URL names
 * into an empty PostgreSQL database, then checks the copy.
 *
 * The source is read inside one read transaction (a WAL snapshot), so the copy is the
 * database as of one moment even while a server keeps writing to it; writes after that
 * moment are not in it (stop the server, or send it no traffic, for the final move). The
 * target gets its migrations first, then every table of COPIED_TABLES in one transaction,
 * parents before children: rows in batches, each row also hashed. Before COMMIT the
 * target's identity sequences are moved past the copied ids, and every table is read back
 * in primary-key order and its count and sha256 compared with the source's; a difference,
 * or any error, rolls everything back, so the target is never half filled.
 *
 * @example
 *   await migrateTo(config, 'postgres://bzctrl@db.internal/bzctrl', { say: console.log });
 */
export async function migrateTo(
  config: Config,
  targetUrl: string,
  options: MigrateToOptions,
): Promise<TableResult[]> {
  const started = Date.now();
  if (!/^postgres(ql)?:\/\//.test(targetUrl)) {
    throw new OpsError(
      'bzctrl migrate-to: name the PostgreSQL database to copy into, as postgres://user:password@host:5432/name',
    );
  }
  const sourceFile = resolve(sqliteFileOf(config, 'migrate-to'));
  const shown = redactUrl(targetUrl);
  const source = openSqliteFile(sourceFile, `bzctrl migrate-to: the database ${sourceFile}`);
  let client: pg.Client | undefined;
  try {
    checkSourceSchema(source);
    client = await connect(targetUrl, shown);
    await refuseUnlessEmpty(client, shown);
    options.say(`Migrating ${shown}`);
    const db = openDatabase(targetUrl, { poolSize: 1 });
    try {
      await migrateToLatest(db);
    } finally {
      await db.close();
    }
    const results = await copyAll(source, client, shown, options.say);
    options.say(formatCounts(results));
    const rows = results.reduce((n, r) => n + r.source, 0);
    options.say(
      `Copied ${results.length} tables (${rows} rows) from ${sourceFile} to ${shown} in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s: counts and checksums match.`,
    );
    return results;
  } catch (err) {
    throw err instanceof OpsError
      ? err
      : new OpsError(`bzctrl migrate-to failed, nothing was copied: ${message(err)}`);
  } finally {
    await client?.end().catch(() => undefined);
    source.close();
  }
}

function checkSourceSchema(source: SqliteDatabase.Database): void {
  const applied = appliedMigrations(source);
  if (!applied) {
    throw new OpsError('bzctrl migrate-to: the SQLite database holds no BzCtrl schema');
  }
  const unknown = applied.filter((m) => !MIGRATION_NAMES.includes(m));
  if (unknown.length) {
    throw new OpsError(
      `bzctrl migrate-to: the SQLite database is from a newer BzCtrl (migration ${unknown.join(', ')}); ` +
        'run migrate-to with that version',
    );
  }
  const missing = MIGRATION_NAMES.filter((m) => !applied.includes(m));
  if (missing.length) {
    throw new OpsError(
      `bzctrl migrate-to: the SQLite database lacks migration ${missing.join(', ')}; ` +
        'run `bzctrl migrate` on it first',
    );
  }
}

async function connect(url: string, shown: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    // Dates as the 'YYYY-MM-DD' text SQLite stores, not a local midnight.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_DATE
          ? (v: string) => v
          : // biome-ignore lint/suspicious/noExplicitAny: pg's own signature is overloaded
            pg.types.getTypeParser(oid as any, format as any)) as typeof pg.types.getTypeParser,
    },
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new OpsError(`bzctrl migrate-to: cannot connect to ${shown}: ${message(err)}`);
  }
  return client;
}

/** Row counts of the target's tables that hold more than the migrations put there. */
async function tablesWithData(client: pg.Client): Promise<string[]> {
  const found: string[] = [];
  for (const table of COPIED_TABLES) {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${ident(table)}`);
    const n = Number(rows[0]?.n ?? 0);
    if (n > (MIGRATION_ROWS[table] ?? 0)) found.push(`${table} (${n} rows)`);
  }
  return found;
}

/** Refuses a target with data, or with tables BzCtrl did not make; writes nothing. */
async function refuseUnlessEmpty(client: pg.Client, shown: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select table_name as name from information_schema.tables
      where table_schema = current_schema() order by table_name`,
  );
  const names = rows.map((r) => r.name);
  const foreign = names.filter(
    (n) => !(COPIED_TABLES as readonly string[]).includes(n) && !isNotCopied(n),
  );
  if (foreign.length) {
    throw new OpsError(
      `bzctrl migrate-to: ${shown} is not empty: it holds tables BzCtrl did not make ` +
        `(${foreign.slice(0, 5).join(', ')}). Copy into a new, empty database; nothing was written.`,
    );
  }
  if (!names.includes('kysely_migration')) return;
  const present = COPIED_TABLES.filter((t) => names.includes(t));
  if (present.length < COPIED_TABLES.length) {
    throw new OpsError(
      `bzctrl migrate-to: ${shown} holds a BzCtrl schema from an older version; ` +
        'copy into a new, empty database. Nothing was written.',
    );
  }
  const withData = await tablesWithData(client);
  if (withData.length) throw notEmpty(shown, withData);
}

function notEmpty(shown: string, withData: string[]): OpsError {
  return new OpsError(
    `bzctrl migrate-to: ${shown} already holds data: ${withData.slice(0, 5).join(', ')}` +
      `${withData.length > 5 ? ` and ${withData.length - 5} more tables` : ''}. ` +
      'migrate-to copies into an empty database only; nothing was written.',
  );
}

async function copyAll(
  source: SqliteDatabase.Database,
  client: pg.Client,
  shown: string,
  say: (line: string) => void,
): Promise<TableResult[]> {
  const shapes = await describeTables(client);
  await client.query('begin');
  // The snapshot starts at the first read, here, not at BEGIN.
  source.exec('BEGIN');
  try {
    source.prepare('select count(*) from sqlite_master').get();
    // Nobody writes to the target while it is filled; checked again under the lock, in
    // case a server was started on it since the check before the migrations.
    await client.query(
      `lock table ${COPIED_TABLES.map(ident).join(', ')} in share row exclusive mode`,
    );
    const withData = await tablesWithData(client);
    if (withData.length) throw notEmpty(shown, withData);
    const sourceSums = new Map<CopiedTable, { count: number; sha256: string }>();
    // Children first, so the rows the migrations made can go without breaking a key.
    for (const shape of [...shapes].reverse()) {
      if (MIGRATION_ROWS[shape.name]) await client.query(`delete from ${ident(shape.name)}`);
    }
    for (const shape of shapes) {
      sourceSums.set(shape.name, await copyTable(source, client, shape, say));
    }
    await moveSequences(client, shapes);
    const results: TableResult[] = [];
    // Told in the list's order, which readers know, not the order of the foreign keys.
    const listed = [...shapes].sort(
      (a, b) => COPIED_TABLES.indexOf(a.name) - COPIED_TABLES.indexOf(b.name),
    );
    for (const shape of listed) {
      const sum = await targetSum(client, shape);
      const src = sourceSums.get(shape.name) ?? { count: -1, sha256: '' };
      results.push({
        table: shape.name,
        source: src.count,
        target: sum.count,
        checksumsMatch: src.sha256 === sum.sha256,
      });
    }
    const bad = results.filter((r) => r.source !== r.target || !r.checksumsMatch);
    if (bad.length) {
      say(formatCounts(results));
      throw new OpsError(
        `bzctrl migrate-to: the copy differs from the SQLite database in ${bad.map((r) => r.table).join(', ')}; ` +
          'it was rolled back, nothing was copied.',
      );
    }
    await client.query('commit');
    return results;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    source.exec('COMMIT');
  }
}

/** One table: read in primary-key order, hashed, written in batches of array parameters. */
async function copyTable(
  source: SqliteDatabase.Database,
  client: pg.Client,
  shape: TableShape,
  say: (line: string) => void,
): Promise<{ count: number; sha256: string }> {
  const { columns } = shape;
  const sourceColumns = (
    source.prepare(`pragma table_info(${ident(shape.name)})`).all() as { name: string }[]
  ).map((c) => c.name);
  const lacking = columns.filter((c) => !sourceColumns.includes(c.name)).map((c) => c.name);
  const extra = sourceColumns.filter((n) => !columns.some((c) => c.name === n));
  if (lacking.length || extra.length) {
    throw new OpsError(
      `bzctrl migrate-to: ${shape.name} differs between the engines' schemas ` +
        `(SQLite lacks: ${lacking.join(', ') || 'none'}; PostgreSQL lacks: ${extra.join(', ') || 'none'})`,
    );
  }
  const total = (
    source.prepare(`select count(*) as n from ${ident(shape.name)}`).get() as { n: number }
  ).n;
  const derived = DERIVED_COLUMNS[shape.name] ?? {};
  const derive = columns.map((c) => derived[c.name]);
  const position = new Map(columns.map((c, i) => [c.name, i]));
  const insert =
    `insert into ${ident(shape.name)} (${columns.map((c) => ident(c.name)).join(', ')}) ` +
    `select ${columns.map((c, i) => `c${i}::${c.type}`).join(', ')} ` +
    `from unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) ` +
    `as u(${columns.map((_, i) => `c${i}`).join(', ')})`;
  const select = source
    .prepare(
      `select ${columns.map((c) => ident(c.name)).join(', ')} from ${ident(shape.name)} ` +
        `order by ${orderBy(shape, 'sqlite')}`,
    )
    .raw(true);
  const hash = createHash('sha256');
  let batch: unknown[][] = [];
  let copied = 0;
  let lastSaid = Date.now();
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    await client.query(
      insert,
      columns.map((c, i) =>
        rows.map((r) => {
          const v = r[i];
          if (v === null || v === undefined) return null;
          return c.kind === 'timestamptz' ? normalise('timestamptz', v) : String(v);
        }),
      ),
    );
    copied += rows.length;
    if (Date.now() - lastSaid >= PROGRESS_EVERY_MS) {
      lastSaid = Date.now();
      say(`copying ${shape.name}: ${copied} of ${total} rows`);
    }
  };
  const anyDerived = derive.some(Boolean);
  for (const raw of select.iterate() as IterableIterator<unknown[]>) {
    const row = anyDerived
      ? raw.map((v, i) => {
          const fn = derive[i];
          return fn ? fn((name) => raw[position.get(name) ?? -1]) : v;
        })
      : raw;
    hashRow(hash, columns, row);
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { count: copied, sha256: hash.digest('hex') };
}

/** Identity sequences continue after the copied ids, so new rows do not collide. */
async function moveSequences(client: pg.Client, shapes: TableShape[]): Promise<void> {
  for (const shape of shapes) {
    for (const col of shape.columns) {
      if (!col.sequence) continue;
      await client.query(
        `select setval($1, coalesce(max(${ident(col.name)}), 0) + 1, false) from ${ident(shape.name)}`,
        [col.sequence],
      );
    }
  }
}
