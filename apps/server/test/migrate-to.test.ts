import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seed } from '../../../bench/read-seed.ts';
import { COPIED_TABLES, isNotCopied } from '../src/ops/migrate-to.tables.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import {
  runBzctrl as bzctrl,
  type ServeProcess,
  serveEnv,
  spawnServe,
} from './support/serve-process.ts';

/**
 * `bzctrl migrate-to` as an operator runs it: an SQLite database with 10,000 todos and a
 * bit of everything else (history, comments, watchers, attachments, events, a webhook,
 * a shared link, API clients), copied by the real command in a child process while the
 * SQLite server still runs, into a fresh database on the test PostgreSQL; then a server
 * on PostgreSQL over the copy serves the seed flows as the SQLite one did, and a second
 * copy into the now filled database is refused without writing anything.
 */

const API = '/bzctrl-core-api/api/v1';
const WORKSPACE = 'IMP-NLD-EXA-SWA';
const SEEDED = 10_000;
const ERP_SECRET = 'erp-client-secret-0001';

/**
 * No job runs (the webhook's queued deliveries are copied, never sent); the webhook points
 * at loopback, so its address is checked without any lookup.
 */
const serveOn = (databaseUrl: string, dataDir: string) =>
  spawnServe({ ...serveEnv(databaseUrl, dataDir), BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true' });

/** Calls the API of the server at `base`; JSON in, JSON (or text) out. */
async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever came back
): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | URLSearchParams | FormData | undefined;
  if (opts.body instanceof URLSearchParams || opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, text };
}

async function tokenFor(base: string, form: Record<string, string>): Promise<string> {
  const res = await call(base, 'POST', '/bzctrl-core-api/oauth/token', {
    body: new URLSearchParams(form),
  });
  expect(res.status, res.text).toBe(200);
  return res.body.access_token as string;
}

const memberLogin = (base: string) =>
  tokenFor(base, { grant_type: 'password', username: 'example@example.com', password: 'Ex@mpl3!' });
const adminLogin = (base: string) =>
  tokenFor(base, {
    grant_type: 'password',
    username: 'admin@example.com',
    password: 'Admin@12345',
  });
const erpLogin = (base: string) =>
  tokenFor(base, { grant_type: 'client_credentials', client_id: 'erp', client_secret: ERP_SECRET });

/** The tables of a freshly migrated database, as the engine lists them. */
async function tablesOf(t: TestServer): Promise<string[]> {
  const query =
    t.dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema()`;
  return (await query.execute(t.server.db.kysely)).rows.map((r) => r.name).sort();
}

describe.each(dialects)('the tables bzctrl migrate-to copies, on %s', (dialect) => {
  it('are every table the migrations create, but the ones left out on purpose', async () => {
    const t = await startTestServer(dialect, { provision: null });
    try {
      const tables = await tablesOf(t);
      expect(tables.filter((n) => !isNotCopied(n))).toEqual([...COPIED_TABLES].sort());
      expect(tables).toContain('kysely_migration');
    } finally {
      await t.close();
    }
  });
});

describe.runIf(dialects.includes('postgres'))('bzctrl migrate-to from SQLite to PostgreSQL', () => {
  let dir: string;
  let dataDir: string;
  let fixture: TestServer;
  let sqliteUrl: string;
  let targetUrl: string;
  let targetName: string;
  const children: ServeProcess[] = [];
  const admin = inject('postgresUrl');

  const pgQuery = async <T extends pg.QueryResultRow>(url: string, text: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<T>(text)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bzctrl-migrate-to-'));
    dataDir = join(dir, 'data');
    // The fixture (domains, users, API clients), provisioned in this process, then the
    // 10,000 todos written straight into the file as the read benchmark seeds them.
    fixture = await startTestServer('sqlite', { env: { BZCTRL_DATA_DIR: dataDir } });
    sqliteUrl = fixture.databaseUrl;
    await fixture.server.close();
    await seed(sqliteUrl, SEEDED, ['example@example.com', 'username@example.com']);
    targetName = `bzctrl_mt_${process.pid}_${Date.now()}`;
    await pgQuery(admin, `create database ${targetName}`);
    const u = new URL(admin);
    u.pathname = `/${targetName}`;
    targetUrl = u.toString();
  }, 300_000);
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
    await fixture?.close();
    if (targetName) {
      await pgQuery(admin, `drop database if exists ${targetName} with (force)`).catch(
        () => undefined,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies everything, checks it, and the PostgreSQL server goes on where SQLite left off', async () => {
    // The rest of the world through the API of the SQLite server: history, events,
    // comments, watchers, attachments, a webhook (with its queued deliveries), a link.
    const before = serveOn(sqliteUrl, dataDir);
    children.push(before);
    const url1 = await before.listening;
    const member = await memberLogin(url1);
    const adminToken = await adminLogin(url1);
    const hook = await call(url1, 'POST', `${API}/webhooks`, {
      token: adminToken,
      body: { url: 'https://127.0.0.1:9/bzctrl', events: ['todo.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const hookPath = `${API}/webhooks/${hook.body.id}/deliveries`;
    const ping = await call(url1, 'POST', `${API}/webhooks/${hook.body.id}/test`, {
      token: adminToken,
    });
    expect(ping.status, ping.text).toBe(202);
    const erp = await erpLogin(url1);
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await call(url1, 'POST', `${API}/todos`, {
        token: erp,
        body: {
          title: `Seal check ${i}`,
          description: `Seal ${449120 + i} found, the manifest says otherwise`,
          todoType: 'INCIDENT',
          workspace: WORKSPACE,
          tags: ['seal', 'customs'],
          reporter: 'example@example.com',
        },
      });
      expect(made.status, made.text).toBe(201);
      keys.push(made.body.key);
    }
    const [key, second] = keys as [string, string];
    const steps = [
      () =>
        call(url1, 'POST', `${API}/todos/${key}/comments`, {
          token: member,
          body: { body: 'Photos of both seals are attached' },
        }),
      () =>
        call(url1, 'PUT', `${API}/todos/${key}/watchers/username@example.com`, { token: member }),
      () =>
        call(url1, 'PATCH', `${API}/todos/${second}`, { token: member, body: { status: 'DONE' } }),
    ];
    for (const step of steps) {
      const res = await step();
      expect(res.status, res.text).toBeLessThan(300);
    }
    for (const [name, content] of [
      ['seal-front.txt', 'front of the seal'],
      ['seal-back.txt', 'back of the seal'],
    ] as const) {
      const fd = new FormData();
      fd.append('file', new Blob([content], { type: 'text/plain' }), name);
      const up = await call(url1, 'POST', `${API}/uploads`, { token: member, body: fd });
      expect(up.status, up.text).toBe(201);
      const attached = await call(url1, 'POST', `${API}/todos/${key}/attachments`, {
        token: member,
        body: { upload: up.body.ref },
      });
      expect(attached.status, attached.text).toBe(201);
    }
    const link = await call(url1, 'POST', `${API}/todos/${key}/links`, { token: member, body: {} });
    expect(link.status, link.text).toBe(201);
    const linkToken = String(link.body.url).split('/shared/')[1] as string;
    const seen = {
      todo: await call(url1, 'GET', `${API}/todos/${key}`, { token: member }),
      comments: await call(url1, 'GET', `${API}/todos/${key}/comments`, { token: member }),
      watchers: await call(url1, 'GET', `${API}/todos/${key}/watchers`, { token: member }),
      attachments: await call(url1, 'GET', `${API}/todos/${key}/attachments`, { token: member }),
      list: await call(url1, 'GET', `${API}/todos?workspace=${WORKSPACE}&total=true&limit=5`, {
        token: member,
      }),
      shared: await call(url1, 'GET', `/bzctrl-core-api/api/v1/shared/${linkToken}`),
      deliveries: await call(url1, 'GET', hookPath, { token: adminToken }),
    };
    for (const [what, res] of Object.entries(seen))
      expect(res.status, `${what}: ${res.text}`).toBe(200);
    // A third of the seeded todos are in this workspace, less the few soft-deleted ones.
    expect(seen.list.body.total).toBeGreaterThan(SEEDED / 4);

    // The copy, while the SQLite server still runs (it reads one snapshot).
    const run = await bzctrl(['migrate-to', targetUrl], {
      BZCTRL_DATABASE_URL: sqliteUrl,
      BZCTRL_DATA_DIR: dataDir,
    });
    expect(run.code, run.out).toBe(0);
    await before.stop();

    // The printed table has every table, with the counts the SQLite file holds.
    const file = new SqliteDatabase(sqliteUrl.slice('sqlite:'.length), { readonly: true });
    const counts = Object.fromEntries(
      COPIED_TABLES.map((t) => [
        t,
        (file.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n,
      ]),
    );
    const seq = (
      file.prepare('select todo_seq as s from workspaces where key = ?').get(WORKSPACE) as {
        s: number;
      }
    ).s;
    file.close();
    for (const table of COPIED_TABLES) {
      const n = counts[table];
      expect(run.out).toMatch(new RegExp(`^${table} +${n} +${n} +ok$`, 'm'));
    }
    expect(counts.todos).toBe(SEEDED + 3);
    for (const table of ['events', 'audit_events', 'attachments', 'webhook_deliveries']) {
      expect(counts[table], table).toBeGreaterThan(0);
    }
    expect(run.out).toMatch(/counts and checksums match/);
    expect(run.out).not.toMatch(/MISMATCH/);

    // A server on the copy: the same answers, and new rows continue after the copied ones.
    const after = serveOn(targetUrl, dataDir);
    children.push(after);
    const url2 = await after.listening;
    const erp2 = await erpLogin(url2);
    const member2 = await memberLogin(url2);
    expect(await call(url2, 'GET', `${API}/todos/${key}`, { token: member2 })).toMatchObject({
      status: 200,
      body: seen.todo.body,
    });
    for (const what of ['comments', 'watchers', 'attachments'] as const) {
      const res = await call(url2, 'GET', `${API}/todos/${key}/${what}`, { token: member2 });
      expect(res.body, what).toEqual(seen[what].body);
    }
    // The move's second step (docs/scaling.md): the attachments' files into the database,
    // while the PostgreSQL server runs; then it serves them with no file left on disk.
    const moved = await bzctrl(['attachments', 'migrate'], {
      BZCTRL_DATABASE_URL: targetUrl,
      BZCTRL_DATA_DIR: dataDir,
    });
    expect(moved.code, moved.out).toBe(0);
    expect(moved.out).toMatch(/Moved 2 attachments/);
    const stored = await pgQuery<{ storage: string }>(
      targetUrl,
      'select distinct storage from attachments',
    );
    expect(stored).toEqual([{ storage: 'database' }]);
    const files = seen.attachments.body.items as { id: number; name: string }[];
    expect(files.map((f) => f.name).sort()).toEqual(['seal-back.txt', 'seal-front.txt']);
    for (const f of files) {
      const got = await call(url2, 'GET', `${API}/todos/${key}/attachments/${f.id}`, {
        token: member2,
      });
      expect(got.status, got.text).toBe(200);
      expect(got.text).toBe(f.name === 'seal-front.txt' ? 'front of the seal' : 'back of the seal');
    }
    const list2 = await call(
      url2,
      'GET',
      `${API}/todos?workspace=${WORKSPACE}&total=true&limit=5`,
      {
        token: member2,
      },
    );
    expect(list2.body.total).toBe(seen.list.body.total);
    expect(list2.body.items).toEqual(seen.list.body.items);
    // The link signed on SQLite opens: the server's secret moved with the data.
    const shared2 = await call(url2, 'GET', `/bzctrl-core-api/api/v1/shared/${linkToken}`);
    expect(shared2.status, shared2.text).toBe(200);
    expect(shared2.body).toEqual(seen.shared.body);
    const deliveries2 = await call(url2, 'GET', hookPath, { token: await adminLogin(url2) });
    expect(deliveries2.body).toEqual(seen.deliveries.body);
    expect(deliveries2.body.items.length).toBeGreaterThan(0);

    const added = await call(url2, 'POST', `${API}/task/add-task`, {
      token: erp2,
      body: {
        title: 'First on PostgreSQL',
        description: 'Made after the move',
        todoType: 'TASK',
        domainWorkSpace: WORKSPACE,
        reporter: 'example@example.com',
      },
    });
    expect(added.status, added.text).toBe(201);
    expect(added.body.key).toBe(`${WORKSPACE}-${seq + 1}`);
    const ids = await pgQuery<{ id: string; max: string }>(
      targetUrl,
      `select (select id from todos where key = '${added.body.key}') as id, (select max(id) from todos) as max`,
    );
    expect(ids[0]?.id).toBe(ids[0]?.max);
    expect(Number(ids[0]?.id)).toBeGreaterThan(counts.todos as number);
    const comment = await call(url2, 'POST', `${API}/todos/${key}/comments`, {
      token: member2,
      body: { body: 'Checked again after the move' },
    });
    expect(comment.status, comment.text).toBe(201);

    // The second copy into the now filled database is refused, and writes nothing.
    const again = await bzctrl(['migrate-to', targetUrl], {
      BZCTRL_DATABASE_URL: sqliteUrl,
      BZCTRL_DATA_DIR: dataDir,
    });
    expect(again.code, again.out).toBe(1);
    expect(again.out).toMatch(
      /already holds data: domains \(3 rows\), .* and \d+ more tables\. .*nothing was written/,
    );
    const todos = await pgQuery<{ n: string }>(targetUrl, 'select count(*) as n from todos');
    expect(Number(todos[0]?.n)).toBe((counts.todos as number) + 1);
    await after.stop();
  }, 600_000);

  it('refuses what it cannot copy, before touching anything', async () => {
    const env = { BZCTRL_DATABASE_URL: sqliteUrl, BZCTRL_DATA_DIR: dataDir };
    const noUrl = await bzctrl(['migrate-to'], env);
    expect(noUrl.code).toBe(2);
    expect(noUrl.out).toMatch(/migrate-to: name the empty PostgreSQL database/);
    const notPg = await bzctrl(['migrate-to', 'mysql://db/bzctrl'], env);
    expect(notPg.code).toBe(1);
    expect(notPg.out).toMatch(/name the PostgreSQL database to copy into/);
    const fromPg = await bzctrl(['migrate-to', targetUrl], {
      ...env,
      BZCTRL_DATABASE_URL: targetUrl,
    });
    expect(fromPg.code).toBe(1);
    expect(fromPg.out).toMatch(/copies from the SQLite database .* already PostgreSQL/);
    const u = new URL(admin);
    u.pathname = '/bzctrl_no_such_database';
    u.password = 'hidden-password';
    const missing = await bzctrl(['migrate-to', u.toString()], env);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/cannot connect to .*bzctrl_no_such_database/);
    expect(missing.out).not.toContain('hidden-password');
  }, 120_000);

  it('rolls the whole copy back when the copy read back differs from the source', async () => {
    // A target that changes what it is given: a trigger alters every comment stored.
    const name = `${targetName}_changed`;
    await pgQuery(admin, `create database ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    const changing = u.toString();
    try {
      const migrated = await bzctrl(['migrate'], { BZCTRL_DATABASE_URL: changing });
      expect(migrated.code, migrated.out).toBe(0);
      await pgQuery(
        changing,
        `create function mangle() returns trigger language plpgsql as
           $$ begin new.body := new.body || '!'; return new; end $$;
         create trigger mangle before insert on todo_comments
           for each row execute function mangle()`,
      );
      const run = await bzctrl(['migrate-to', changing], {
        BZCTRL_DATABASE_URL: sqliteUrl,
        BZCTRL_DATA_DIR: dataDir,
      });
      expect(run.code, run.out).toBe(1);
      expect(run.out).toMatch(/^todo_comments +1 +1 +MISMATCH$/m);
      expect(run.out).toMatch(/^todos +10003 +10003 +ok$/m);
      expect(run.out).toMatch(
        /differs from the SQLite database in todo_comments; it was rolled back/,
      );
      const left = await pgQuery<{ todos: string; users: string }>(
        changing,
        'select (select count(*) from todos) as todos, (select count(*) from users) as users',
      );
      expect(left).toEqual([{ todos: '0', users: '0' }]);
    } finally {
      await pgQuery(admin, `drop database if exists ${name} with (force)`);
    }
  }, 300_000);
});
