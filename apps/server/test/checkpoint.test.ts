import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/platform/context.ts';
import { walCheckpointer } from '../src/platform/db/checkpointer.ts';
import { startTestServer, type TestServer } from './support/harness.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

describe('the WAL checkpointer on SQLite', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(() => t?.close());

  it('leaves checkpoints out of every COMMIT: the server connection never checkpoints by itself', async () => {
    const { rows } = await sql<{ walAutocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
      t.server.db.kysely,
    );
    // The plugin that maps column names spells the pragma's column in camel case.
    expect(rows).toEqual([{ walAutocheckpoint: 0 }]);
  });

  it('keeps the WAL below 8 MB plus about one second of writes while 48 MB are written', async () => {
    const k = t.server.db.kysely;
    const file = t.server.db.sqliteFile;
    expect(file).not.toBeNull();
    await sql`create table wal_load (b blob)`.execute(k);
    const megabyte = Array.from({ length: 16 }, () => ({ b: Buffer.alloc(64 * 1024, 7) }));
    let largest = 0;
    const started = Date.now();
    for (let i = 0; i < 48; i++) {
      await k.transaction().execute(async (trx) => {
        // biome-ignore lint/suspicious/noExplicitAny: a scratch table outside the schema
        await (trx as any).insertInto('wal_load').values(megabyte).execute();
      });
      largest = Math.max(largest, statSync(`${file}-wal`).size);
      await sleep(150);
    }
    const seconds = (Date.now() - started) / 1000;
    // 48 MB in about 7 s: with no checkpoint at all the WAL would hold all of it.
    expect(seconds).toBeGreaterThan(6);
    expect(largest).toBeLessThan(32 * 1024 * 1024);
    await sql`drop table wal_load`.execute(k);
  });

  it('checkpoints from a worker on request, reporting every frame copied', async () => {
    const k = t.server.db.kysely;
    await sql`create table wal_more (n integer)`.execute(k);
    await sql`insert into wal_more values (1), (2), (3)`.execute(k);
    const checkpointer = walCheckpointer(t.server.db, quiet);
    expect(checkpointer).not.toBeNull();
    try {
      // The server's own checkpointer runs every second; one that meets it reports busy
      // (SQLite runs one checkpoint at a time) and the next one goes through.
      let r = await checkpointer?.checkpointNow();
      for (let i = 0; i < 20 && r?.busy; i++) {
        await sleep(50);
        r = await checkpointer?.checkpointNow();
      }
      expect(r?.busy).toBe(0);
      expect(r?.checkpointed).toBe(r?.log);
    } finally {
      await checkpointer?.close?.();
    }
    await sql`drop table wal_more`.execute(k);
  });
});
