import { type Compilable, type CompiledQuery, PostgresAdapter, type UnknownRow } from 'kysely';
import type pg from 'pg';
import type { Engine, Executor } from './executor.ts';
import type { GroupCommitDriver } from './group-commit.ts';
import type { Database } from './tables.ts';

/**
 * The statements of the hot paths (a create, a token, a todo by key), built with Kysely
 * once per engine and then only run: the one place where they leave Kysely's usual
 * build-transform-compile per call.
 */

const ARG = '\u0000bzctrl-arg:';

/** Where argument `i` of a query built by `preparedQuery` goes. */
export type ArgSlot = <T>(i: number) => T;

/**
 * A statement for a hot path, built and compiled once per database engine and then run
 * with new argument values, on the database or inside a transaction. Building,
 * transforming (CamelCasePlugin) and compiling a query costs Kysely ~70 µs on SQLite,
 * more than SQLite takes to run a small one. `build` puts `arg(i)` wherever argument i
 * goes; every other value it uses stays as it was at the first call. The text is the
 * same on every call, so the SQLite statement cache and PostgreSQL's named statements
 * (`namedStatements`) always hit. Selects, and writes with or without `returning`.
 */
export function preparedQuery<Row>(
  build: (db: Executor, arg: ArgSlot, engine: Engine) => Compilable<Row>,
): (db: Executor, ...args: unknown[]) => Promise<Row[]> {
  // Every Kysely instance of one engine (the database, its transactions, its readers)
  // has the same plugins, so one compiled text serves them all.
  const compiled: Partial<Record<Engine, { query: CompiledQuery<Row>; slots: number[] }>> = {};
  const arg: ArgSlot = <T>(i: number) => `${ARG}${i}` as T;
  return async (db, ...args) => {
    const engine = engineOf(db);
    let c = compiled[engine];
    if (!c) {
      const query = build(db, arg, engine).compile();
      const slots = query.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(ARG) ? Number(p.slice(ARG.length)) : -1,
      );
      c = { query, slots };
      compiled[engine] = c;
      if (engine === 'postgres') hotStatements.add(query.sql);
    }
    const { query, slots } = c;
    const parameters = slots.map((slot, i) => (slot < 0 ? query.parameters[i] : args[slot]));
    const direct = directReaders.get(db);
    if (direct) {
      const stmt = direct.driver.readConnection().prepare(query.sql);
      if (stmt.readonly)
        return direct.plugin.mapRows(stmt.all(parameters) as UnknownRow[]) as Row[];
    }
    return (await db.executeQuery<Row>({ ...query, parameters })).rows;
  };
}

/**
 * A statement whose shape depends only on how many values it takes (an `in (…)` list, a
 * multi-row insert), compiled once per engine and count up to `maxCount`; `build` puts
 * `arg(i)` for value i. More values take Kysely's usual way (`build` with the values
 * themselves). For the reads of a list page: each of them costs Kysely 0.1–0.2 ms of
 * main-thread time to build and compile with 50 ids.
 */
export function preparedForCount<Row>(
  build: (db: Executor, values: readonly unknown[], engine: Engine) => Compilable<Row>,
  maxCount: number,
): (db: Executor, values: readonly unknown[]) => Promise<Row[]> {
  const byCount: Array<ReturnType<typeof preparedQuery<Row>>> = [];
  return async (db, values) => {
    if (values.length > maxCount) {
      return (await db.executeQuery<Row>(build(db, values, engineOf(db)).compile())).rows;
    }
    let statement = byCount[values.length];
    if (!statement) {
      const count = values.length;
      statement = preparedQuery((d, arg, engine) =>
        build(
          d,
          Array.from({ length: count }, (_, i) => arg(i)),
          engine,
        ),
      );
      byCount[count] = statement;
    }
    return statement(db, ...values);
  };
}

/**
 * An insert of rows with fixed columns, compiled once per engine and row count (up to
 * `maxRows`; more rows, or a row leaving a column undefined, take Kysely's usual way).
 * `returning` names columns to return. For the inserts every create makes.
 */
export function preparedInsert<Tb extends keyof Database & string>(
  table: Tb,
  columns: readonly (keyof Database[Tb] & string)[],
  options: { returning?: keyof Database[Tb] & string; maxRows?: number } = {},
): (db: Executor, rows: readonly Record<string, unknown>[]) => Promise<Record<string, unknown>[]> {
  const maxRows = options.maxRows ?? 16;
  // biome-ignore lint/suspicious/noExplicitAny: the row shape is the table's, checked by the callers' types
  const into = (d: Executor) => d.insertInto(table) as any;
  const insert = (d: Executor, rows: readonly Record<string, unknown>[]) => {
    const q = into(d).values(rows);
    return options.returning ? q.returning(options.returning) : q;
  };
  // The flat values, row after row, back into rows of the columns.
  const rowsOf = (values: readonly unknown[]) =>
    Array.from({ length: values.length / columns.length }, (_, r) =>
      Object.fromEntries(columns.map((c, i) => [c, values[r * columns.length + i]])),
    );
  const statement = preparedForCount<Record<string, unknown>>(
    (d, values) => insert(d, rowsOf(values)),
    maxRows * columns.length,
  );
  return async (db, rows) => {
    if (rows.length === 0) return [];
    const complete = rows.every((row) => columns.every((c) => row[c] !== undefined));
    if (!complete) return insert(db, rows).execute();
    return statement(
      db,
      rows.flatMap((row) => columns.map((c) => row[c])),
    );
  };
}

/** The texts of `preparedQuery` statements on PostgreSQL, which run as named statements. */
const hotStatements = new Set<string>();

/**
 * PostgreSQL parses and plans a statement each time it arrives as plain text; a named
 * (prepared) statement is parsed once per connection and then only bound and executed.
 * node-postgres prepares one when a query carries a name, so the hot statements get a
 * name per connection (the others stay unnamed: a table changed by a migration cannot
 * break a plan cached for them).
 */
export function nameHotStatements(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
    first: unknown,
    ...rest: unknown[]
  ) => {
    if (typeof first === 'string' && Array.isArray(rest[0]) && hotStatements.has(first)) {
      let name = names.get(first);
      if (name === undefined) {
        name = `bz_hot_${names.size + 1}`;
        names.set(first, name);
      }
      return query({ name, text: first, values: rest[0] }, ...rest.slice(1));
    }
    return query(first, ...rest);
  };
}

const engines = new WeakMap<Executor, Engine>();

/** The engine an executor (the database, a transaction, a reader) runs on. */
export function engineOf(db: Executor): Engine {
  let engine = engines.get(db);
  if (engine === undefined) {
    engine = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
    engines.set(db, engine);
  }
  return engine;
}

/**
 * SQLite only: prepared queries on the database itself (not a transaction) run straight
 * on the connection the write batch's driver names for reads now, skipping Kysely's
 * promises and result plugin (~10 µs a query): it sees committed data only, so a read
 * neither waits for the write batch nor sees its uncommitted rows.
 */
interface DirectReader {
  driver: GroupCommitDriver;
  plugin: RowMapper;
}
const directReaders = new WeakMap<Executor, DirectReader>();

/** The database's row mapping (camel-cased keys), as Kysely applies it to every result. */
export interface RowMapper {
  mapRows(rows: UnknownRow[]): UnknownRow[];
}

/** SQLite files: `preparedQuery` reads on `db` go straight to the driver's read connection. */
export function readDirectly(db: Executor, driver: GroupCommitDriver, plugin: RowMapper): void {
  directReaders.set(db, { driver, plugin });
}
