import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredRows } from '../src/core/access/token-sweep.ts';
import { readConfig } from '../src/platform/config.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const SHORT = '/api/task';
const REPLAYED = 'idempotency-replayed';

let seq = 0;
/** A fresh key per use, so tests do not see each other's keys. */
const newKey = (label = 'k') => `${label}-${Date.now()}-${++seq}`;

const addBody = (extra: Record<string, unknown> = {}) => ({
  todoType: 'TASK',
  domainWorkSpace: 'IMP-NLD-EXA-SWA',
  title: 'Check seal numbers',
  description: 'Seal numbers differ from the manifest',
  reporter: 'example@example.com',
  ...extra,
});

describe.each(dialects)('Idempotency-Key on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let seed: string;
  let erp: string;

  const kysely = () => t.server.db.kysely;
  const countTodos = async () =>
    Number(
      (
        await kysely()
          .selectFrom('todos')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const auditEventsOf = (todoId: number) =>
    kysely()
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'todo')
      .where('entityId', '=', todoId)
      .execute();
  const keyRow = (key: string) =>
    kysely().selectFrom('idempotencyKeys').selectAll().where('key', '=', key).execute();
  const send = (
    method: string,
    path: string,
    body: unknown,
    key: string | undefined,
    token = member,
  ) =>
    t.request(method, path, {
      body,
      token,
      headers: key === undefined ? {} : { 'Idempotency-Key': key },
    });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    [member, seed] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
    ]);
    const res = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    erp = res.body.access_token;
  });
  afterAll(() => t?.close());

  it('replays an add-task: same status, body and Location; one todo, one audit event', async () => {
    const key = newKey();
    const before = await countTodos();
    const first = await send('POST', ADD, addBody(), key);
    expect(first.status).toBe(201);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const again = await send('POST', ADD, addBody(), key);
    expect(again.status).toBe(201);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('location')).toBe(`/bzctrl-core-api/api/v1/tasks/${first.body.key}`);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    // The replay is its own request: its id is new, the body keeps the first one's.
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));

    expect(await countTodos()).toBe(before + 1);
    expect(await auditEventsOf(first.body.id)).toHaveLength(1);
    const rows = await keyRow(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      caller: expect.stringMatching(/^user:\d+$/),
      method: 'POST',
      path: ADD,
      statusCode: 201,
    });
  });

  it('replays the short dialect (PUT and POST /api/task)', async () => {
    for (const method of ['PUT', 'POST']) {
      const key = newKey(method);
      const before = await countTodos();
      const body = { type: 'Incident', title: 't', description: 'd', workspace: 'Inbound Control' };
      const first = await send(method, SHORT, body, key);
      expect(first.status).toBe(201);
      const again = await send(method, SHORT, body, key);
      expect(again.status).toBe(201);
      expect(again.headers.get(REPLAYED)).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await countTodos()).toBe(before + 1);
    }
  });

  it('replays the native create and PATCH: status, body, Location, ETag; one audit event each', async () => {
    const TODOS = '/bzctrl-core-api/api/v1/todos';
    const body = {
      todoType: 'TASK',
      workspace: 'IMP-NLD-EXA-SWA',
      title: 'Native create',
      description: 'Through the native API',
    };
    const key = newKey('native');
    const before = await countTodos();
    const first = await send('POST', TODOS, body, key);
    expect(first.status).toBe(201);
    const again = await send('POST', TODOS, body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.body).toEqual(first.body);
    for (const h of ['location', 'etag', 'content-type']) {
      expect(again.headers.get(h), h).toBe(first.headers.get(h));
    }
    expect(first.headers.get('location')).toBe(`${TODOS}/${first.body.key}`);
    expect(await countTodos()).toBe(before + 1);
    expect(await auditEventsOf(first.body.id)).toHaveLength(1);

    const path = `${TODOS}/${first.body.key}`;
    const patchKey = newKey('patch');
    const patched = await send('PATCH', path, { title: 'Renamed' }, patchKey);
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Renamed');
    // Someone changes it again in between: the replay still answers the first PATCH.
    expect((await send('PATCH', path, { title: 'Renamed twice' }, undefined)).status).toBe(200);
    const replayed = await send('PATCH', path, { title: 'Renamed' }, patchKey);
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get(REPLAYED)).toBe('true');
    expect(replayed.body).toEqual(patched.body);
    expect(replayed.headers.get('etag')).toBe(patched.headers.get('etag'));
    const events = await auditEventsOf(first.body.id);
    expect(events.map((e) => e.action)).toEqual(['create', 'update', 'update']);
    expect((await send('PATCH', path, { title: 'Other' }, patchKey)).status).toBe(422);

    // Another caller with the same key and body gets its own answer: a 404, never the replay.
    const outsider = await t.login('outsider@other.example');
    const foreign = await send('PATCH', path, { title: 'Renamed' }, patchKey, outsider);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get(REPLAYED)).toBeNull();
    expect(foreign.text).not.toContain('Renamed');
    expect((await auditEventsOf(first.body.id)).length).toBe(3);
  });

  it('replays a comment on a todo (native API): one comment stored', async () => {
    const todo = await send('POST', ADD, addBody(), undefined);
    expect(todo.status).toBe(201);
    const path = `/bzctrl-core-api/api/v1/todos/${todo.body.key}/comments`;
    const key = newKey('comment');
    const first = await send('POST', path, { body: 'Seals checked' }, key);
    expect(first.status).toBe(201);
    const again = await send('POST', path, { body: 'Seals checked' }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.body).toEqual(first.body);
    const comments = await kysely()
      .selectFrom('todoComments')
      .select('id')
      .where('todoId', '=', todo.body.id)
      .execute();
    expect(comments).toHaveLength(1);
  });

  it('never stores a secret: an endpoint created under a key is not created twice nor replayed', async () => {
    const admin = await t.login('admin@example.com');
    const key = newKey('endpoint');
    const path = '/bzctrl-core-api/api/v1/admin/exposed-endpoints';
    const body = { workspace: 'IMP-NLD-EXA-SWA', name: 'Website form' };
    const countEndpoints = async () =>
      (await kysely().selectFrom('exposedEndpoints').select('id').execute()).length;
    const before = await countEndpoints();
    const first = await send('POST', path, body, key, admin);
    expect(first.status).toBe(201);
    expect(first.body.uuid).toEqual(expect.any(String));
    const [row] = await keyRow(key);
    expect(row).toMatchObject({ statusCode: 201, responseBody: null });
    expect(JSON.stringify(row)).not.toContain(first.body.uuid);

    const again = await send('POST', path, body, key, admin);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    expect(again.body.detail).toMatch(/already done \(status 201\).*secret/);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('retry-after')).toBeNull();
    expect(again.text).not.toContain(first.body.uuid);
    expect(await countEndpoints()).toBe(before + 1);

    // Creating through the endpoint (its UUID is the credential): replayed per endpoint,
    // and the stored path is the route's pattern, not the secret path.
    const create = `/bzctrl-core-api/api/v1/task/add-exposed-task/${first.body.uuid}`;
    const taskKey = newKey('exposed');
    const todos = await countTodos();
    const task = {
      todoType: 'TASK',
      title: 'Web form',
      description: 'From the site',
      reporter: 'example@example.com',
    };
    const a = await t.request('POST', create, {
      body: task,
      headers: { 'Idempotency-Key': taskKey },
    });
    expect(a.status).toBe(201);
    const b = await t.request('POST', create, {
      body: task,
      headers: { 'Idempotency-Key': taskKey },
    });
    expect(b.status).toBe(201);
    expect(b.headers.get(REPLAYED)).toBe('true');
    expect(b.body).toEqual(a.body);
    expect(await countTodos()).toBe(todos + 1);
    const [taskRow] = await keyRow(taskKey);
    expect(taskRow).toMatchObject({
      caller: `endpoint:${first.body.id}`,
      path: '/bzctrl-core-api/api/v1/task/add-exposed-task/:uuid',
    });
  });

  it('refuses the same key for a different body, method or path with 422, storing nothing', async () => {
    const key = newKey();
    const first = await send('POST', ADD, addBody(), key);
    expect(first.status).toBe(201);
    const before = await countTodos();
    for (const res of [
      await send('POST', ADD, addBody({ title: 'Another title' }), key),
      await send('PUT', ADD, addBody(), key),
      await send('POST', `${ADD}?dryRun=true`, addBody(), key),
      await send('POST', SHORT, { type: 'Task', title: 't', description: 'd' }, key),
    ]) {
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
      expect(res.body.detail).toMatch(/different request/);
      expect(res.headers.get(REPLAYED)).toBeNull();
    }
    expect(await countTodos()).toBe(before);
    // The first request is still replayed afterwards.
    expect((await send('POST', ADD, addBody(), key)).headers.get(REPLAYED)).toBe('true');
  });

  it('treats bodies that differ only in key order and whitespace as the same request', async () => {
    const key = newKey();
    const before = await countTodos();
    const a = await t.request('POST', ADD, {
      token: member,
      headers: { 'Idempotency-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify(addBody({ category: ['a', 'b'] })),
    });
    expect(a.status).toBe(201);
    const reordered = Object.fromEntries(
      Object.entries(addBody({ category: ['a', 'b'] })).reverse(),
    );
    const b = await t.request('POST', ADD, {
      token: member,
      headers: { 'Idempotency-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify(reordered, null, 4),
    });
    expect(b.status).toBe(201);
    expect(b.headers.get(REPLAYED)).toBe('true');
    expect(b.body).toEqual(a.body);
    // Array order does count.
    const c = await send('POST', ADD, addBody({ category: ['b', 'a'] }), key);
    expect(c.status).toBe(422);
    expect(await countTodos()).toBe(before + 1);
  });

  it('keeps keys per caller: another user or a client using the same key is independent', async () => {
    const key = newKey('shared');
    const before = await countTodos();
    const mine = await send('POST', ADD, addBody(), key, member);
    const theirs = await send(
      'POST',
      ADD,
      addBody({ reporter: 'username@example.com' }),
      key,
      seed,
    );
    const client = await send('POST', ADD, addBody(), key, erp);
    for (const res of [mine, theirs, client]) {
      expect(res.status).toBe(201);
      expect(res.headers.get(REPLAYED)).toBeNull();
    }
    expect(new Set([mine.body.key, theirs.body.key, client.body.key]).size).toBe(3);
    expect(await countTodos()).toBe(before + 3);
    // The same user with a new token is the same caller.
    const newToken = await t.login('example@example.com');
    const again = await send('POST', ADD, addBody(), key, newToken);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.body.key).toBe(mine.body.key);
    expect((await keyRow(key)).map((r) => r.caller).sort()).toHaveLength(3);
  });

  it('stores and replays a validation error (4xx), so a retry gets the same answer', async () => {
    const key = newKey();
    const before = await countTodos();
    const first = await send('POST', ADD, addBody({ priority: 'Critical' }), key);
    expect(first.status).toBe(400);
    expect(first.body.errors).toEqual([
      { field: 'priority', message: expect.stringContaining('Critical') },
    ]);
    const again = await send('POST', ADD, addBody({ priority: 'Critical' }), key);
    expect(again.status).toBe(400);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body).toEqual(first.body);
    expect(await countTodos()).toBe(before);
  });

  it('does not store a 5xx: the claim is released and a retry runs again', async () => {
    // A real failure inside the create's transaction, for one title only.
    if (dialect === 'sqlite') {
      await sql`CREATE TRIGGER idem_fail BEFORE INSERT ON todos WHEN NEW.title = 'Explode'
        BEGIN SELECT RAISE(ABORT, 'boom'); END`.execute(kysely());
    } else {
      await sql`CREATE FUNCTION idem_fail() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.title = 'Explode' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`.execute(
        kysely(),
      );
      await sql`CREATE TRIGGER idem_fail BEFORE INSERT ON todos
        FOR EACH ROW EXECUTE FUNCTION idem_fail()`.execute(kysely());
    }
    const key = newKey('fail');
    const before = await countTodos();
    const failed = await send('POST', ADD, addBody({ title: 'Explode' }), key);
    expect(failed.status).toBe(500);
    expect(await keyRow(key)).toHaveLength(0);
    expect(await countTodos()).toBe(before);

    await sql`DROP TRIGGER idem_fail${sql.raw(dialect === 'postgres' ? ' ON todos' : '')}`.execute(
      kysely(),
    );
    const retried = await send('POST', ADD, addBody({ title: 'Explode' }), key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get(REPLAYED)).toBeNull();
    expect(await countTodos()).toBe(before + 1);
  });

  it('gives 10 simultaneous identical requests exactly one todo, and all ten its answer', async () => {
    const key = newKey('burst');
    const before = await countTodos();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => send('POST', ADD, addBody({ title: 'Burst' }), key)),
    );
    expect(await countTodos()).toBe(before + 1);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    // One ran; the others replayed its answer, whether they looked before or after it.
    expect(results.filter((r) => r.headers.get(REPLAYED) === null)).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const after = await send('POST', ADD, addBody({ title: 'Burst' }), key);
    expect(after.headers.get(REPLAYED)).toBe('true');
    expect(after.body).toEqual(results[0]?.body);
  });

  it('never leaves a claim behind: a key row exists only with its answer', async () => {
    const key = newKey('flight');
    const before = await countTodos();
    const first = await send('POST', ADD, addBody(), key);
    expect(first.status).toBe(201);
    const [row] = await keyRow(key);
    expect(row?.statusCode).toBe(201);
    expect(JSON.parse(String(row?.responseBody))).toEqual(first.body);

    // A row without an answer, as an older BzCtrl left behind for a request that died,
    // blocks nothing: the retry runs at once and takes the key over.
    const other = newKey('legacy');
    await kysely()
      .insertInto('idempotencyKeys')
      .values({
        caller: String(row?.caller),
        key: other,
        method: 'POST',
        path: String(row?.path),
        requestHash: 'left-by-a-dead-request',
        statusCode: null,
        responseHeaders: null,
        responseBody: null,
        createdAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      })
      .execute();
    const retried = await send('POST', ADD, addBody({ title: 'After a crash' }), other);
    expect(retried.status).toBe(201);
    expect(retried.headers.get(REPLAYED)).toBeNull();
    expect(await countTodos()).toBe(before + 2);
    const again = await send('POST', ADD, addBody({ title: 'After a crash' }), other);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.body.key).toBe(retried.body.key);
  });

  it('keeps keys for the TTL; the sweep deletes expired ones and the key is new again', async () => {
    const key = newKey('ttl');
    const first = await send('POST', ADD, addBody(), key);
    const [row] = await keyRow(key);
    const ttl = Date.parse(row?.expiresAt ?? '') - Date.parse(row?.createdAt ?? '');
    expect(ttl).toBe(86400 * 1000);
    const config = readConfig({ BZCTRL_DATABASE_URL: t.databaseUrl });

    // Nothing has expired yet.
    expect((await sweepExpiredRows(t.server.db, config)).idempotencyKeys).toBe(0);
    expect(await keyRow(key)).toHaveLength(1);

    await kysely()
      .updateTable('idempotencyKeys')
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where('key', '=', key)
      .execute();
    const swept = await sweepExpiredRows(t.server.db, config);
    expect(swept.idempotencyKeys).toBe(1);
    expect(swept).toMatchObject({ tokens: expect.any(Number), throttles: expect.any(Number) });
    expect(await keyRow(key)).toHaveLength(0);

    const fresh = await send('POST', ADD, addBody(), key);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get(REPLAYED)).toBeNull();
    expect(fresh.body.key).not.toBe(first.body.key);
  });

  it('treats an expired key that the sweep has not reached yet as new', async () => {
    const key = newKey('expired');
    const first = await send('POST', ADD, addBody(), key);
    await kysely()
      .updateTable('idempotencyKeys')
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where('key', '=', key)
      .execute();
    // Even a different request may use it now.
    const fresh = await send('POST', ADD, addBody({ title: 'Different' }), key);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get(REPLAYED)).toBeNull();
    expect(fresh.body.key).not.toBe(first.body.key);
    const [row] = await keyRow(key);
    expect(Date.parse(row?.expiresAt ?? '')).toBeGreaterThan(Date.now());
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with a tab', 'a\tb'],
    ['non-ASCII', 'clé'],
  ])('refuses a key that is %s with 400 naming the header, before the body', async (_, key) => {
    const before = await countTodos();
    for (const body of [addBody(), { title: 42 }]) {
      const res = await send('POST', ADD, body, key);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(res.body.errors).toEqual([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    expect(await countTodos()).toBe(before);
  });

  it('accepts a 255-character key of every visible ASCII character', async () => {
    const visible = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join('');
    const key = (visible + visible + visible).slice(0, 255);
    const first = await send('POST', ADD, addBody(), key);
    expect(first.status).toBe(201);
    expect((await send('POST', ADD, addBody(), key)).headers.get(REPLAYED)).toBe('true');
  });

  it('without the header, behaves as before: every request acts', async () => {
    const before = await countTodos();
    const a = await send('POST', ADD, addBody(), undefined);
    const b = await send('POST', ADD, addBody(), undefined);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.key).not.toBe(b.body.key);
    expect(b.headers.get(REPLAYED)).toBeNull();
    expect(await countTodos()).toBe(before + 2);
  });

  it('stores nothing for a 401, and ignores the header on GET and on the token endpoint', async () => {
    const key = newKey('anon');
    const res = await send('POST', ADD, addBody(), key, '');
    expect(res.status).toBe(401);
    expect(await keyRow(key)).toHaveLength(0);

    const created = await send('POST', ADD, addBody(), undefined);
    const get = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${created.body.key}`, {
      token: member,
      headers: { 'Idempotency-Key': key },
    });
    expect(get.status).toBe(200);
    expect(await keyRow(key)).toHaveLength(0);

    // A token is never replayed: two calls with one key give two different tokens.
    const token = () =>
      t.request('POST', '/bzctrl-core-api/oauth/token', {
        headers: { 'Idempotency-Key': key },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'erp',
          client_secret: 'erp-client-secret-0001',
        }),
      });
    const [t1, t2] = [await token(), await token()];
    expect([t1.status, t2.status]).toEqual([200, 200]);
    expect(t1.body.access_token).not.toBe(t2.body.access_token);
    expect(t2.headers.get(REPLAYED)).toBeNull();
    expect(await keyRow(key)).toHaveLength(0);
  });

  it('documents the header on every POST, PUT and PATCH in OpenAPI, and only there', async () => {
    const doc = (await t.request('GET', '/bzctrl-core-api/openapi.json')).body;
    const headerOf = (op: { parameters?: { in: string; name: string }[] } | undefined) =>
      op?.parameters?.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
    const addTask = doc.paths[ADD];
    for (const op of [addTask.post, addTask.put, doc.paths[SHORT].put, doc.paths[SHORT].post]) {
      expect(headerOf(op)).toMatchObject({
        name: 'Idempotency-Key',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    let writes = 0;
    for (const [path, item] of Object.entries<Record<string, never>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const credential = /oauth\/(token|revoke)$|^\/api\/authenticate$/.test(path);
        const write = ['post', 'put', 'patch'].includes(method) && !credential;
        if (write) writes++;
        expect(headerOf(op) !== undefined, `${method} ${path}`).toBe(write);
      }
    }
    expect(writes).toBeGreaterThanOrEqual(4);
  });
});
