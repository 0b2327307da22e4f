import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isForeignKeyViolation, isUniqueViolation } from './violations.ts';

const refUq = { name: 'things_ref_uq', column: 'ref_system' };

/** The error a statement throws, or a failure if it throws none. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

describe('constraint violations from SQLite', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE parents (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
    CREATE TABLE things (
      id INTEGER PRIMARY KEY,
      parent_id INTEGER REFERENCES parents(id),
      ref_system TEXT, ref_id TEXT,
      CONSTRAINT things_ref_uq UNIQUE (ref_system, ref_id));
    INSERT INTO parents (id, code) VALUES (1, 'A');
    INSERT INTO things (parent_id, ref_system, ref_id) VALUES (1, 'crm', '7');`);

  it('recognises a unique violation, and which constraint by its column', () => {
    const dupCode = thrownBy(() => db.exec(`INSERT INTO parents (code) VALUES ('A')`));
    const dupRef = thrownBy(() =>
      db.exec(`INSERT INTO things (ref_system, ref_id) VALUES ('crm', '7')`),
    );
    expect(isUniqueViolation(dupCode)).toBe(true);
    expect(isUniqueViolation(dupCode, refUq)).toBe(false);
    expect(isUniqueViolation(dupRef, refUq)).toBe(true);
    expect(isForeignKeyViolation(dupRef)).toBe(false);
  });

  it('recognises a foreign-key violation either way round', () => {
    const missing = thrownBy(() => db.exec('INSERT INTO things (parent_id) VALUES (99)'));
    const inUse = thrownBy(() => db.exec('DELETE FROM parents WHERE id = 1'));
    expect(isForeignKeyViolation(missing)).toBe(true);
    expect(isForeignKeyViolation(inUse)).toBe(true);
    expect(isUniqueViolation(inUse)).toBe(false);
  });
});

describe('constraint violations as PostgreSQL reports them', () => {
  // node-postgres' DatabaseError carries the SQLSTATE and the constraint's name.
  const unique = Object.assign(new Error('duplicate key'), {
    code: '23505',
    constraint: 'things_ref_uq',
  });

  it('matches the SQLSTATE, and the constraint by name', () => {
    expect(isUniqueViolation(unique)).toBe(true);
    expect(isUniqueViolation(unique, refUq)).toBe(true);
    expect(isUniqueViolation(unique, { name: 'other_uq', column: 'ref_system' })).toBe(false);
    expect(isForeignKeyViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBe(true);
  });

  it('is not fooled by other errors', () => {
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
    expect(isForeignKeyViolation(undefined)).toBe(false);
  });
});
