// How `bzctrl migrate-to` compares the copy with its source: counts and sha256 per table.
import { createHash, type Hash } from 'node:crypto';
import type pg from 'pg';
import { type Column, ident, type Kind, orderBy, type TableShape } from './migrate-to.schema.ts';
import type { CopiedTable } from './migrate-to.tables.ts';

/** Rows per INSERT (one array parameter per column) and per FETCH when verifying. */
export const BATCH = 2000;

export interface TableResult {
  table: CopiedTable;
  source: number;
  target: number;
  checksumsMatch: boolean;
}

/** A value as both engines' drivers give it, in one form: what the checksums hash. */
export function normalise(kind: Kind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'int' && typeof value === 'number' && Number.isInteger(value)) {
    return BigInt(value).toString();
  }
  if (kind === 'timestamptz') {
    const d = value instanceof Date ? value : new Date(String(value));
    return Number.isNaN(d.getTime()) ? `invalid ${String(value)}` : d.toISOString();
  }
  return String(value);
}

export function hashRow(hash: Hash, columns: Column[], row: unknown[]): void {
  hash.update(`${JSON.stringify(columns.map((c, i) => normalise(c.kind, row[i])))}\n`);
}

/** The target's rows of one table, read back in primary-key order and hashed. */
export async function targetSum(
  client: pg.Client,
  shape: TableShape,
): Promise<{ count: number; sha256: string }> {
  const hash = createHash('sha256');
  let count = 0;
  await client.query(
    `declare migrate_to_check no scroll cursor for select ${shape.columns
      .map((c) => ident(c.name))
      .join(', ')} from ${ident(shape.name)} order by ${orderBy(shape, 'postgres')}`,
  );
  for (;;) {
    const { rows } = await client.query<unknown[]>({
      text: `fetch ${BATCH} from migrate_to_check`,
      rowMode: 'array',
    });
    for (const row of rows) hashRow(hash, shape.columns, row);
    count += rows.length;
    if (rows.length < BATCH) break;
  }
  await client.query('close migrate_to_check');
  return { count, sha256: hash.digest('hex') };
}

/** The table of counts: one line per table, SQLite's count, PostgreSQL's, and the checksum. */
export function formatCounts(results: TableResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.table.length));
  const head = `${'table'.padEnd(width)}  ${'sqlite'.padStart(9)}  ${'postgres'.padStart(9)}  checksum`;
  const lines = results.map(
    (r) =>
      `${r.table.padEnd(width)}  ${String(r.source).padStart(9)}  ${String(r.target).padStart(9)}  ` +
      (r.source === r.target && r.checksumsMatch ? 'ok' : 'MISMATCH'),
  );
  return [head, ...lines].join('\n');
}
