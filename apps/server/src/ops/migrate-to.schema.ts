// How `bzctrl migrate-to` reads the target's schema: columns, types, keys, order.
import type pg from 'pg';
import { COPIED_TABLES, type CopiedTable } from './migrate-to.tables.ts';
import { OpsError } from './ops.errors.ts';

/** The column types the schema uses; another one makes the copy refuse rather than guess. */
export type Kind = 'int' | 'text' | 'timestamptz' | 'date';
const KINDS: Record<string, Kind> = {
  bigint: 'int',
  integer: 'int',
  smallint: 'int',
  text: 'text',
  'timestamp with time zone': 'timestamptz',
  date: 'date',
};

export interface Column {
  name: string;
  type: string;
  kind: Kind;
  /** The sequence behind an identity column, to move past the copied ids. */
  sequence: string | null;
}

export interface TableShape {
  name: CopiedTable;
  /** The columns written (generated ones, such as todos.search, are computed by PostgreSQL). */
  columns: Column[];
  primaryKey: string[];
}

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function describeTables(client: pg.Client): Promise<TableShape[]> {
  const shapes: TableShape[] = [];
  for (const name of COPIED_TABLES) {
    const cols = await client.query<{
      name: string;
      type: string;
      generated: string;
      sequence: string | null;
    }>(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
              a.attgenerated as generated,
              pg_get_serial_sequence(quote_ident($1), a.attname) as sequence
         from pg_attribute a
        where a.attrelid = quote_ident($1)::regclass and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [name],
    );
    const columns = cols.rows
      .filter((c) => c.generated === '')
      .map((c) => {
        const kind = KINDS[c.type];
        if (!kind) {
          throw new OpsError(
            `bzctrl migrate-to: ${name}.${c.name} has the type ${c.type}, which this version cannot copy`,
          );
        }
        return { name: c.name, type: c.type, kind, sequence: c.sequence };
      });
    const pk = await client.query<{ name: string }>(
      `select a.attname as name
         from pg_index i
         join unnest(i.indkey) with ordinality as k(attnum, n) on true
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = quote_ident($1)::regclass and i.indisprimary
        order by k.n`,
      [name],
    );
    // A table without a primary key is ordered by all its columns.
    const primaryKey = pk.rows.length ? pk.rows.map((r) => r.name) : columns.map((c) => c.name);
    shapes.push({ name, columns, primaryKey });
  }
  return inDependencyOrder(client, shapes);
}

/** Parents before the tables whose foreign keys point at them. */
async function inDependencyOrder(client: pg.Client, shapes: TableShape[]): Promise<TableShape[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `select c.relname as child, p.relname as parent
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_class p on p.oid = k.confrelid
      where k.contype = 'f' and c.relnamespace = current_schema()::regnamespace`,
  );
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  let left = shapes;
  while (left.length) {
    const ready = left.filter((s) =>
      rows.every((r) => r.child !== s.name || r.parent === s.name || placed.has(r.parent)),
    );
    if (!ready.length) {
      throw new OpsError(
        `bzctrl migrate-to: the foreign keys of ${left.map((s) => s.name).join(', ')} form a cycle`,
      );
    }
    for (const s of ready) {
      ordered.push(s);
      placed.add(s.name);
    }
    left = left.filter((s) => !placed.has(s.name));
  }
  return ordered;
}

/** ORDER BY the primary key, text compared byte by byte as SQLite's BINARY collation does. */
export function orderBy(shape: TableShape, engine: 'sqlite' | 'postgres'): string {
  return shape.primaryKey
    .map((name) => {
      const col = shape.columns.find((c) => c.name === name);
      return engine === 'postgres' && col?.kind === 'text'
        ? `${ident(name)} collate "C"`
        : ident(name);
    })
    .join(', ');
}
