import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { afterPendingWrites, type Db, openDatabase } from './database.ts';

// Scratch tables of this test only; the queries are raw SQL.
type Scratch = Kysely<Record<string, never>>;

describe('group commit on SQLite', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let k: Scratch;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bzctrl-group-commit-'));
    file = join(dir, 'db.sqlite');
    db = openDatabase(`sqlite:${file}`);
    k = db.kysely as unknown as Scratch;
    await sql`create table items (id integer primary key, name text not null unique)`.execute(k);
  });

  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const names = async () =>
    (await sql<{ name: string }>`select name from items order by name`.execute(k)).rows.map(
      (r) => r.name,
    );

  const insert = (trx: Scratch, name: string) =>
    sql`insert into items (name) values (${name})`.execute(trx);

  it('commits transactions that arrive together with one COMMIT, a failing one alone rolled back', async () => {
    const before = { ...(db.writeBatches ?? { commits: 0, transactions: 0 }) };
    const results = await Promise.allSettled(
      ['a', 'b', 'boom', 'c', 'd'].map((name) =>
        db.kysely.transaction().execute(async (trx) => {
          await insert(trx as unknown as Scratch, name);
          if (name === 'boom') throw new Error('refused');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await names()).toEqual(['a', 'b', 'c', 'd']);
    const stats = db.writeBatches;
    expect(stats).not.toBeNull();
    // Four transactions, fewer COMMITs: they shared.
    expect((stats?.transactions ?? 0) - before.transactions).toBe(4);
    expect((stats?.commits ?? 0) - before.commits).toBeLessThan(4);
    expect(stats?.largest).toBeGreaterThan(1);
  });

  it('commits a lone transaction at once, without waiting for company', async () => {
    await db.kysely.transaction().execute((trx) => insert(trx as unknown as Scratch, 'alone'));
    // Committed when the transaction returned: another connection sees it.
    const other = new SqliteDatabase(file, { readonly: true });
    try {
      expect(other.prepare('select count(*) as n from items').get()).toEqual({ n: 1 });
    } finally {
      other.close();
    }
  });

  it('shows no uncommitted write to reads outside the transaction', async () => {
    let seenInside: string[] = [];
    let seenOutside: string[] = [];
    await db.kysely.transaction().execute(async (trx) => {
      await insert(trx as unknown as Scratch, 'pending');
      seenInside = (await sql<{ name: string }>`select name from items`.execute(trx)).rows.map(
        (r) => r.name,
      );
      seenOutside = await names();
    });
    expect(seenInside).toEqual(['pending']);
    expect(seenOutside).toEqual([]);
    expect(await names()).toEqual(['pending']);
  });

  it('lets the loser of a unique race read the winner once it is committed', async () => {
    const winner = db.kysely.transaction().execute((trx) => insert(trx as unknown as Scratch, 'x'));
    const loser = db.kysely
      .transaction()
      .execute((trx) => insert(trx as unknown as Scratch, 'x'))
      .then(
        () => 'stored twice',
        async () => {
          await afterPendingWrites(db);
          return (await names()).join();
        },
      );
    await winner;
    expect(await loser).toBe('x');
  });

  it('runs a write outside a transaction as a transaction of its own', async () => {
    await Promise.all([insert(k, 'p'), insert(k, 'q')]);
    expect(await names()).toEqual(['p', 'q']);
    await expect(insert(k, 'p')).rejects.toThrow(/UNIQUE/);
    expect(await names()).toEqual(['p', 'q']);
  });

  it('tells every member of a batch whose COMMIT fails, and stores none of it', async () => {
    // A deferred foreign key is checked at COMMIT only: one bad member fails the COMMIT.
    // (BzCtrl's schema has no deferred constraints; this makes a COMMIT fail on purpose.)
    await sql`create table owners (id integer primary key)`.execute(k);
    await sql`create table pets (id integer primary key, owner_id integer references owners(id) deferrable initially deferred)`.execute(
      k,
    );
    const results = await Promise.allSettled([
      db.kysely.transaction().execute((trx) => insert(trx as unknown as Scratch, 'innocent')),
      db.kysely
        .transaction()
        .execute((trx) => sql`insert into pets (owner_id) values (42)`.execute(trx)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await names()).toEqual([]);
    // The next batch works.
    await db.kysely.transaction().execute((trx) => insert(trx as unknown as Scratch, 'after'));
    expect(await names()).toEqual(['after']);
  });

  it('commits the open batch when the database closes', async () => {
    const pending = db.kysely
      .transaction()
      .execute((trx) => insert(trx as unknown as Scratch, 'last'));
    await db.close();
    await pending;
    db = openDatabase(`sqlite:${file}`);
    k = db.kysely as unknown as Scratch;
    expect(await names()).toEqual(['last']);
  });
});
