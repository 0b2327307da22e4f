import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDashboard } from '../src/core/dashboard/dashboard.service.ts';
import { listTodos } from '../src/core/todos/todo-list.service.ts';
import { readConfig } from '../src/platform/config.ts';
import type { Actor, Ctx, Logger } from '../src/platform/context.ts';
import type { Db } from '../src/platform/db/database.ts';
import { openReadPool, READ_NICE, READ_WORKERS, readPoolOf } from '../src/platform/db/read-pool.ts';
import { AppError } from '../src/platform/errors.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const ADD = `${API}/task/add-task`;
const LIST = `${API}/todos`;
const SWA = 'IMP-NLD-EXA-SWA';
const FIN = 'VTT-NLD-TML-FIN';

/** A read that keeps a worker busy for a while (about 0.15 s per million rows here). */
const heavyRead = (db: Db, rows: number) =>
  sql<{
    n: number;
  }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < ${rows}) select count(*) as n from c`.execute(
    db.reader,
  );

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

const admin: Actor = {
  kind: 'user',
  userId: null,
  userEmail: null,
  apiClientId: null,
  clientId: null,
  isAdmin: true,
  workspaceIds: null,
  defaultWorkspaceId: null,
  scopes: new Set(['todo:read']),
  tokenId: '',
};

describe.each(dialects)('reads off the event loop on %s', (dialect) => {
  let t: TestServer;
  let token: string;

  const create = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: SWA,
        description: 'Read pool',
        reporter: 'example@example.com',
        ...body,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.key as string;
  };
  /** The service called directly, with the reader given (the workers, or the main instance). */
  const ctxWith = (reader: Db['reader'], now: Date): Ctx => ({
    db: { ...t.server.db, reader },
    config: readConfig({ BZCTRL_PUBLIC_URL: 'https://bzctrl.test' }),
    actor: admin,
    now,
    log: quiet,
    requestId: 'read-pool-test',
    via: 'native',
  });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    token = await t.login('example@example.com');
    const words = ['container seal', 'customs hold', 'seal broken', 'late vessel'];
    for (let i = 0; i < 12; i++) {
      await create({
        title: `${words[i % words.length]} ${i}`,
        domainWorkSpace: i % 3 === 0 ? FIN : SWA,
        priority: ['LOW', 'MEDIUM', 'HIGH'][i % 3],
        status: ['TODO', 'INPROGRESS'][Math.floor(i / 2) % 2],
        todoType: i % 2 ? 'INCIDENT' : 'TASK',
        impact: 'HIGH',
        likelihood: ['LOW', 'HIGH'][i % 2],
        financialImpact: `${100 + i}.50`,
        category: ['ops', `c${i % 4}`],
      });
    }
  });
  afterAll(() => t?.close());

  it('uses worker threads only on a SQLite file; on PostgreSQL the reader is the main instance', () => {
    const pool = readPoolOf(t.server.db.reader);
    if (dialect === 'sqlite') {
      expect(t.server.db.reader).not.toBe(t.server.db.kysely);
      expect(pool).toBeDefined();
    } else {
      expect(t.server.db.reader).toBe(t.server.db.kysely);
      expect(pool).toBeUndefined();
    }
  });

  it('lists, searches, counts and the dashboard answer exactly as on the main connection', async () => {
    const now = new Date();
    const viaReader = ctxWith(t.server.db.reader, now);
    const viaMain = ctxWith(t.server.db.kysely, now);
    const queries: Array<Record<string, unknown>> = [
      {},
      { total: true },
      { q: 'seal', total: true },
      { q: 'cont seal' },
      { status: ['TODO'], priority: ['HIGH', 'LOW'], sort: 'createdAt', limit: 5, total: true },
      { workspace: [FIN], type: ['INCIDENT'] },
      { category: ['c1'], sort: '-updatedAt' },
      { limit: 4 },
    ];
    const pool = readPoolOf(t.server.db.reader);
    for (const query of queries) {
      const before = pool?.stats().answered ?? 0;
      const fromReader = await listTodos(viaReader, query);
      if (pool) expect(pool.stats().answered).toBeGreaterThan(before);
      expect(fromReader).toEqual(await listTodos(viaMain, query));
      expect(fromReader.items.length, JSON.stringify(query)).toBeGreaterThan(0);
      if (fromReader.nextCursor) {
        const next = { ...query, cursor: fromReader.nextCursor };
        expect(await listTodos(viaReader, next)).toEqual(await listTodos(viaMain, next));
      }
    }
    for (const query of [{}, { workspace: SWA }]) {
      const before = pool?.stats().answered ?? 0;
      const fromReader = await getDashboard(viaReader, query);
      if (pool) expect(pool.stats().answered).toBeGreaterThan(before);
      expect(fromReader).toEqual(await getDashboard(viaMain, query));
      expect(fromReader.riskMatrix.total).toBeGreaterThan(0);
    }
  });

  it('shows a todo in the list, the search and the count as soon as its create has answered', async () => {
    const before = await t.request('GET', `${LIST}?total=true&limit=1`, { token });
    expect(before.status).toBe(200);
    let total = before.body.total as number;
    for (let i = 0; i < 10; i++) {
      const word = `quokka${i}x${dialect}`;
      const key = await create({ title: `Freshly stored ${word}` });
      total += 1;
      const [newest, found] = await Promise.all([
        t.request('GET', `${LIST}?limit=1&total=true`, { token }),
        t.request('GET', `${LIST}?q=${word}&total=true`, { token }),
      ]);
      expect(newest.status, newest.text).toBe(200);
      expect(newest.body.items[0].key).toBe(key);
      expect(newest.body.total).toBe(total);
      expect(found.body.items.map((x: { key: string }) => x.key)).toEqual([key]);
      expect(found.body.total).toBe(1);
    }
  });
});

describe('the read pool on a SQLite file', () => {
  let t: TestServer;
  let token: string;
  let key: string;
  const pool = () => {
    const p = readPoolOf(t.server.db.reader);
    if (!p) throw new Error('the SQLite server has no read pool');
    return p;
  };
  const list = (query = '') => t.request('GET', `${LIST}?${query}`, { token });

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    token = await t.login('example@example.com');
    const res = await t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: SWA,
        title: 'Container seal mismatch',
        description: 'Read pool',
        reporter: 'example@example.com',
      },
    });
    expect(res.status, res.text).toBe(201);
    key = res.body.key;
  });
  afterAll(() => t?.close());

  it('runs the list, the search and the dashboard in a worker thread, not the main one', async () => {
    const before = pool().stats().answered;
    for (const path of [`${LIST}`, `${LIST}?q=seal&total=true`, `${API}/dashboard`]) {
      const res = await t.request('GET', path, { token });
      expect(res.status, res.text).toBe(200);
    }
    const stats = pool().stats();
    // A list is a page (and a count) then one query for its details; the dashboard four.
    expect(stats.answered - before).toBeGreaterThanOrEqual(2 + 3 + 4);
    expect(stats.lastThreadId).not.toBe(threadId);
    expect(stats.lastThreadId).toBeGreaterThan(0);
    expect(stats.threadIds).toContain(stats.lastThreadId);
    expect(stats.threadIds.length).toBeLessThanOrEqual(READ_WORKERS);
  });

  it('refuses writes and transactions on the reader', async () => {
    await expect(
      sql`insert into locations (name) values ('Nowhere')`.execute(t.server.db.reader),
    ).rejects.toThrow(/only statements that return rows/);
    await expect(sql`delete from todos returning id`.execute(t.server.db.reader)).rejects.toThrow(
      /readonly/i,
    );
    await expect(t.server.db.reader.transaction().execute(async () => 1)).rejects.toThrow(
      /single reads/,
    );
    // A statement SQLite refuses is that query's error alone; the next one runs.
    await expect(sql`select * from no_such_table`.execute(t.server.db.reader)).rejects.toThrow(
      /no such table/,
    );
    expect((await list()).status).toBe(200);
  });

  it('replaces a worker that was stopped, and the next list answers', async () => {
    expect((await list()).status).toBe(200);
    const before = pool().stats();
    expect(before.threadIds.length).toBeGreaterThan(0);
    for (let i = before.threadIds.length - 1; i >= 0; i--) await pool().terminateWorker(i);
    expect(pool().stats().threadIds).toEqual([]);
    const res = await list('q=seal');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.map((x: { key: string }) => x.key)).toEqual([key]);
    const after = pool().stats();
    expect(after.started).toBeGreaterThan(before.started);
    expect(after.threadIds.length).toBeGreaterThan(0);
    for (const id of after.threadIds) expect(before.threadIds).not.toContain(id);
    expect(before.threadIds).not.toContain(after.lastThreadId);
  });

  it('answers a GET by key and a list while a heavy read runs in a worker', async () => {
    const order: string[] = [];
    const heavy = heavyRead(t.server.db, 8_000_000).then((r) => {
      order.push('heavy read');
      return r;
    });
    const byKey = await t.request('GET', `${API}/tasks/${key}`, { token });
    order.push('get by key');
    expect(byKey.status, byKey.text).toBe(200);
    if (READ_WORKERS > 1) {
      // The other worker is free: a list does not wait for the heavy read either.
      const page = await list('q=container');
      order.push('list');
      expect(page.body.items.map((x: { key: string }) => x.key)).toEqual([key]);
    }
    expect((await heavy).rows).toEqual([{ n: 8_000_000 }]);
    expect(order).toEqual(
      READ_WORKERS > 1 ? ['get by key', 'list', 'heavy read'] : ['get by key', 'heavy read'],
    );
  });

  it('keeps answering cheap requests while every worker is busy and a search waits for one', async () => {
    const order: string[] = [];
    const heavies = Array.from({ length: READ_WORKERS }, () => heavyRead(t.server.db, 6_000_000));
    const search = list('q=seal&total=true').then((r) => {
      order.push('search');
      return r;
    });
    const byKey = await t.request('GET', `${API}/tasks/${key}`, { token });
    order.push('get by key');
    expect(byKey.status).toBe(200);
    const found = await search;
    await Promise.all(heavies);
    expect(order).toEqual(['get by key', 'search']);
    expect(found.status, found.text).toBe(200);
    expect(found.body.total).toBe(1);
  });
});

describe('a read pool on its own', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { provision: null });
  });
  afterAll(() => t?.close());

  it('fails a read that takes too long with a 503, and answers the next one on a fresh worker', async () => {
    const pool = openReadPool(t.server.db.sqliteFile as string, { workers: 1, timeoutMs: 200 });
    try {
      const slow = pool.run(
        'with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000000) select count(*) as n from c',
        [],
      );
      const err = await slow.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
      expect((err as AppError).message).toMatch(/did not finish within 200 ms/);
      expect(await pool.run('select ? as answer', [42])).toEqual([{ answer: 42 }]);
      expect(pool.stats().started).toBe(2);
    } finally {
      await pool.close();
    }
    await expect(pool.run('select 1', [])).rejects.toThrow(/closed/);
  });

  it.runIf(process.platform === 'linux')(
    'runs its workers at a lower CPU priority than the event loop (nice), and only lowers it',
    async () => {
      // /proc/…/stat: the nice value is the 19th field, the 17th after the name's ")"
      const niceOf = (tid: number) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const own = niceOf(Number(readlinkSync('/proc/thread-self').split('/').pop()));
      for (const [nice, expected] of [
        [undefined, Math.max(own, READ_NICE)],
        [0, own],
      ] as const) {
        const pool = openReadPool(t.server.db.sqliteFile as string, { workers: 2, nice });
        try {
          await Promise.all([pool.run('select 1 as a', []), pool.run('select 2 as a', [])]);
          // both workers were started; the second may say it is ready after the first answered
          for (let i = 0; i < 100 && pool.stats().osThreadIds.length < 2; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          const tids = pool.stats().osThreadIds;
          expect(tids).toHaveLength(2);
          for (const tid of tids) {
            expect(tid).toBeGreaterThan(0);
            expect(niceOf(tid)).toBe(expected);
          }
        } finally {
          await pool.close();
        }
      }
    },
  );

  it('gives blobs back as Buffers and binds Buffers, as the main connection does', async () => {
    const pool = openReadPool(t.server.db.sqliteFile as string, { workers: 1 });
    try {
      const rows = await pool.run("select ? as b, x'0a0b' as c", [Buffer.from([1, 2, 3])]);
      expect(Buffer.isBuffer(rows[0]?.b)).toBe(true);
      expect(rows).toEqual([{ b: Buffer.from([1, 2, 3]), c: Buffer.from([10, 11]) }]);
    } finally {
      await pool.close();
    }
  });

  it('answers a read that finds the database locked with a 503 to retry, and reads once it is free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-read-pool-'));
    const file = join(dir, 'locked.db');
    const writer = new SqliteDatabase(file);
    const pool = openReadPool(file, { workers: 1, busyTimeoutMs: 50 });
    try {
      writer.pragma('journal_mode = WAL');
      writer.exec('create table t (n integer); insert into t values (1)');
      // Exclusive locking mode keeps every other connection out, readers too.
      writer.pragma('locking_mode = EXCLUSIVE');
      writer.exec('begin exclusive; insert into t values (2)');
      const err = await pool.run('select count(*) as n from t', []).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
      expect((err as AppError).headers).toEqual({ 'Retry-After': '1' });
      writer.exec('commit');
      writer.close();
      expect(await pool.run('select count(*) as n from t', [])).toEqual([{ n: 2 }]);
    } finally {
      await pool.close();
      if (writer.open) writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a query of a worker that cannot open the file, and not forever', async () => {
    const pool = openReadPool(`${t.server.db.sqliteFile}.missing`, { workers: 1 });
    try {
      await expect(pool.run('select 1', [])).rejects.toThrow(/stopped before it could read/);
      await expect(pool.run('select 1', [])).rejects.toThrow(/stopped before it could read/);
    } finally {
      await pool.close();
    }
  });
});
