/**
 * Recognises constraint violations as either engine reports them, so services can turn
 * a lost race into a domain error without sniffing driver codes themselves.
 */

type DriverError = { code?: unknown; constraint?: unknown; message?: unknown } | null | undefined;

/**
 * One unique constraint, named as PostgreSQL reports it (`name`) and by a column of it
 * as SQLite does ("UNIQUE constraint failed: todos.external_system, …").
 */
export interface UniqueConstraint {
  name: string;
  column: string;
}

/** A unique violation; with `constraint`, only a violation of that constraint. */
export function isUniqueViolation(err: unknown, constraint?: UniqueConstraint): boolean {
  const e = err as DriverError;
  if (e?.code === '23505') return constraint === undefined || e.constraint === constraint.name;
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE') return false;
  return (
    constraint === undefined ||
    (typeof e.message === 'string' && e.message.includes(constraint.column))
  );
}

/** A foreign-key violation: a row still referenced, or a reference to no row. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as DriverError)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
