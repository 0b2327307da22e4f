import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countTodos,
  dialects,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

const ADMIN = '/bzctrl-core-api/api/v1/admin/exposed-endpoints';
const EXPOSED = '/bzctrl-core-api/api/v1/task/add-exposed-task';
const NO_SUCH_ROUTE = '/bzctrl-core-api/api/v1/task/no-such-route';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ERP = 'https://erp.example.com';

const task = (extra: Record<string, unknown> = {}) => ({
  title: 'Seal broken on arrival',
  description: 'Container MSKU 123 arrived with a broken seal',
  ...extra,
});

/** Headers that legitimately differ between two otherwise identical answers. */
const VOLATILE = new Set(['date', 'x-request-id', 'content-length', 'keep-alive', 'connection']);
const headerNames = (r: Reply) => [...r.headers.keys()].filter((k) => !VOLATILE.has(k)).sort();
const headersOf = (r: Reply) =>
  Object.fromEntries([...r.headers.entries()].filter(([k]) => !VOLATILE.has(k)));

describe.each(dialects)('exposed endpoints on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;

  const createEndpoint = (body: Record<string, unknown>, token = admin) =>
    t.request('POST', ADMIN, { body, token });
  const expose = async (extra: Record<string, unknown> = {}) => {
    const res = await createEndpoint({
      workspace: 'IMP-NLD-EXA-SWA',
      name: `Web form ${Math.random().toString(36).slice(2, 8)}`,
      defaults: { todoType: 'Incident', reporter: 'username@example.com' },
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as { id: number; uuid: string; url: string; name: string };
  };
  const post = (uuid: string, body: unknown = task(), headers?: Record<string, string>) =>
    t.request('POST', `${EXPOSED}/${uuid}`, { body, headers });
  const fieldsOf = (res: Reply) =>
    (res.body.errors ?? []).map((e: { field: string }) => e.field).sort();

  /** Asserts a 404 that cannot be told apart from one for a path that does not exist. */
  const expectLikeUnknownRoute = async (res: Reply, path: string) => {
    const unknown = await t.request('POST', NO_SUCH_ROUTE, { body: task() });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    expect(headerNames(res)).toEqual(headerNames(unknown));
    expect(headersOf(res)).toEqual(headersOf(unknown));
    const { requestId: _a, ...mine } = res.body;
    const { requestId: _b, ...theirs } = unknown.body;
    expect(mine).toEqual({ ...theirs, detail: theirs.detail.replace(NO_SUCH_ROUTE, path) });
  };

  beforeAll(async () => {
    t = await startTestServer(dialect);
    [admin, member] = await Promise.all([
      t.login('admin@example.com'),
      t.login('example@example.com'),
    ]);
  });
  afterAll(() => t?.close());

  it('creates an endpoint: the UUID and URL once, defaults stored canonical', async () => {
    const res = await createEndpoint({
      workspace: 'imp-nld-exa-swa',
      name: 'Website incident form',
      defaults: {
        todoType: 'incident',
        reporter: 'Username@Example.com',
        status: 'In Progress',
        priority: 'High',
        tags: ['web', ' web ', 'form'],
      },
      allowedOrigins: ['https://ERP.example.com/', 'http://localhost:5173'],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.uuid).toMatch(UUID_V4);
    expect(res.body).toMatchObject({
      workspace: 'IMP-NLD-EXA-SWA',
      workspaceName: 'Inbound Control',
      name: 'Website incident form',
      url: `https://bzctrl.test${EXPOSED}/${res.body.uuid}`,
      uuidHint: res.body.uuid.slice(-4),
      disabled: false,
      defaults: {
        todoType: 'INCIDENT',
        reporter: 'username@example.com',
        status: 'INPROGRESS',
        priority: 'HIGH',
        tags: ['web', 'form'],
      },
      allowedOrigins: ['https://erp.example.com', 'http://localhost:5173'],
    });

    // Shown once: neither the list, nor the read, nor the database, nor the audit has it.
    const one = await t.request('GET', `${ADMIN}/${res.body.id}`, { token: admin });
    expect(one.status).toBe(200);
    expect(one.text).not.toContain(res.body.uuid);
    expect(one.body).not.toHaveProperty('uuid');
    expect(one.body).not.toHaveProperty('url');
    const list = await t.request('GET', `${ADMIN}?workspace=IMP-NLD-EXA-SWA`, { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { id: number }) => e.id)).toContain(res.body.id);
    expect(list.text).not.toContain(res.body.uuid);
    const stored = await t.server.db.kysely
      .selectFrom('exposedEndpoints')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(res.body.uuid);
    const events = await t.server.db.kysely
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'exposedEndpoint')
      .where('entityId', '=', res.body.id)
      .execute();
    expect(events.map((e) => e.action)).toEqual(['create']);
    expect(events[0]?.actorLabel).toBe('user:admin@example.com');
    expect(events[0]?.changes).not.toContain(res.body.uuid);
    expect(JSON.parse(events[0]?.changes ?? '{}').name).toEqual([null, 'Website incident form']);
  });

  it('refuses bad defaults and origins with field-level errors', async () => {
    const res = await createEndpoint({
      workspace: 'IMP-NLD-EXA-SWA',
      name: 'Bad one',
      defaults: {
        todoType: 'Story',
        reporter: 'nobody@example.com',
        assignee: 'outsider@other.example',
        status: 'Expired',
        impact: 'Huge',
        colour: 'red',
      },
      allowedOrigins: ['*', 'https://erp.example.com/form', 'ftp://erp.example.com', ERP],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(fieldsOf(res)).toEqual(
      [
        'allowedOrigins[0]',
        'allowedOrigins[1]',
        'allowedOrigins[2]',
        'defaults.assignee',
        'defaults.colour',
        'defaults.impact',
        'defaults.reporter',
        'defaults.status',
        'defaults.todoType',
      ].sort(),
    );
    const byField = Object.fromEntries(
      res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
    );
    expect(byField['defaults.assignee']).toMatch(/no access to workspace IMP-NLD-EXA-SWA/);
    expect(byField['allowedOrigins[0]']).toMatch(/"\*" is not allowed/);

    const unknownWs = await createEndpoint({ workspace: 'NOP-NOP-NOP-XX', name: 'x' });
    expect(unknownWs.status).toBe(404);
    expect(unknownWs.body.code).toBe('workspace_not_found');
    expect(fieldsOf(unknownWs)).toEqual(['workspace']);

    const typo = await createEndpoint({ workspace: 'IMP-NLD-EXA-SWA', name: 'x', origins: [] });
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([
      { field: 'origins', message: 'is not a field this request takes' },
    ]);

    const missing = await createEndpoint({ workspace: 'IMP-NLD-EXA-SWA' });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing)).toEqual(['name']);
  });

  it('is for administrators only', async () => {
    const { id } = await expose();
    const client = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    const calls: [string, string, unknown?][] = [
      ['POST', ADMIN, { workspace: 'IMP-NLD-EXA-SWA', name: 'Mine' }],
      ['GET', ADMIN],
      ['GET', `${ADMIN}/${id}`],
      ['PATCH', `${ADMIN}/${id}`, { disabled: true }],
      ['DELETE', `${ADMIN}/${id}`],
      ['POST', `${ADMIN}/${id}/rotate`],
    ];
    for (const token of [member, client.body.access_token as string]) {
      for (const [method, path, body] of calls) {
        const res = await t.request(method, path, { token, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.code).toBe('forbidden');
      }
    }
    expect((await t.request('GET', ADMIN)).status).toBe(401);
    // Still there and enabled.
    const still = await t.request('GET', `${ADMIN}/${id}`, { token: admin });
    expect(still.body.disabled).toBe(false);
  });

  it('creates a todo in its workspace with its defaults, the body winning, as the endpoint', async () => {
    const ep = await expose({
      defaults: {
        todoType: 'INCIDENT',
        reporter: 'username@example.com',
        status: 'TODO',
        priority: 'LOW',
        tags: ['website'],
      },
    });
    const res = await post(
      ep.uuid,
      task({
        tags: ['urgent', 'bug-fix', 'frontend', 'website'],
        priority: 'High',
        // Workspace fields are ignored: the endpoint decides where todos land.
        domainWorkSpace: 'VTT-NLD-TML-FIN',
        domain: 'OTH-BEL-ANT',
        workspace: 'Operations',
      }),
    );
    expect(res.status).toBe(201);
    // Whoever can read the page can read this answer: the todo itself, no people or money.
    expect(res.body).toEqual({
      key: expect.stringMatching(/^IMP-NLD-EXA-SWA-\d{2,}$/),
      id: expect.any(Number),
      title: 'Seal broken on arrival',
      description: 'Container MSKU 123 arrived with a broken seal',
      taskType: 'INCIDENT',
      todoType: 'INCIDENT',
      status: 'TODO',
      tags: ['website', 'urgent', 'bug-fix', 'frontend'],
      taskLink: `https://bzctrl.test/app/#/todo/${res.body.key}`,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(res.text).not.toContain('@example.com');
    expect(res.headers.get('location')).toBe(`/bzctrl-core-api/api/v1/tasks/${res.body.key}`);

    // The body overrides any default, the reporter included.
    const over = await post(
      ep.uuid,
      task({ todoType: 'task', status: 'done', reporter: 'example@example.com' }),
    );
    expect(over.status).toBe(201);
    expect(over.body).toMatchObject({ todoType: 'TASK', status: 'DONE', tags: ['website'] });

    const todo = await t.server.db.kysely
      .selectFrom('todos')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(Number(todo.createdByEndpointId)).toBe(ep.id);
    expect(todo.createdByUserId).toBeNull();
    const events = await t.server.db.kysely
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'todo')
      .where('entityId', '=', res.body.id)
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'create',
      actorLabel: `endpoint:${ep.name}`,
      dialect: 'exposed',
      actorUserId: null,
      actorClientId: null,
    });
    expect(Number(events[0]?.actorEndpointId)).toBe(ep.id);

    // The read-back through an ordinary token shows the whole todo, people included.
    const readBack = (key: string) =>
      t.request('GET', `/bzctrl-core-api/api/v1/tasks/${key}`, { token: member });
    const read = await readBack(res.body.key);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      workspace: 'IMP-NLD-EXA-SWA',
      priority: 'HIGH',
      reporter: 'username@example.com',
      assignee: 'username@example.com',
      tags: ['website', 'urgent', 'bug-fix', 'frontend'],
      createdVia: 'exposed',
    });
    expect((await readBack(over.body.key)).body.reporter).toBe('example@example.com');
  });

  it('supports ?dryRun=true and answers a replayed externalRef without the stored todo', async () => {
    const ep = await expose();
    const count = () => countTodos(t);
    const before = await count();
    const dry = await t.request('POST', `${EXPOSED}/${ep.uuid}?dryRun=true`, { body: task() });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({
      key: null,
      id: null,
      title: 'Seal broken on arrival',
      description: 'Container MSKU 123 arrived with a broken seal',
      taskType: 'INCIDENT',
      todoType: 'INCIDENT',
      status: 'INPROGRESS',
      tags: [],
      taskLink: null,
      createdAt: null,
    });
    const dryBad = await t.request('POST', `${EXPOSED}/${ep.uuid}?dryRun=true`, { body: {} });
    expect(dryBad.status).toBe(400);
    expect(fieldsOf(dryBad)).toEqual(['description', 'title']);
    expect(await count()).toBe(before);

    const ref = { system: 'website', id: `form-${Math.random()}` };
    const first = await post(ep.uuid, task({ externalRef: ref }));
    expect(first.status).toBe(201);
    const again = await post(ep.uuid, task({ externalRef: ref, title: 'Other title' }));
    // Nothing new is stored, and the answer is what was sent, not the todo holding the
    // reference: whoever holds the UUID may not read todos by their externalRef.
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();
    expect(again.body).toEqual({ ...dry.body, title: 'Other title' });
    expect(await count()).toBe(before + 1);

    // An Idempotency-Key is scoped to the endpoint, as it is to any caller.
    const key = { 'idempotency-key': `form-submit-${Math.random()}` };
    const once = await post(ep.uuid, task(), key);
    const twice = await post(ep.uuid, task(), key);
    expect(once.status).toBe(201);
    expect(twice.status).toBe(201);
    expect(twice.headers.get('idempotency-replayed')).toBe('true');
    expect(twice.body.key).toBe(once.body.key);
    expect(await count()).toBe(before + 2);
  });

  it('names what is missing when neither body nor defaults give it', async () => {
    const ep = await expose({ defaults: {} });
    const res = await post(ep.uuid, { title: '', tags: [{}] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(fieldsOf(res)).toEqual(['tags[0]']);
    const res2 = await post(ep.uuid, { title: '' });
    expect(res2.status).toBe(400);
    expect(fieldsOf(res2)).toEqual(['description', 'reporter', 'title', 'todoType']);
    const foreign = await post(ep.uuid, task({ todoType: 'TASK', reporter: 'rge@vtti.com' }));
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([
      {
        field: 'reporter',
        message: 'no active user rge@vtti.com with access to workspace IMP-NLD-EXA-SWA',
      },
    ]);
  });

  it('answers an unknown, malformed, disabled, deleted or rotated UUID like an unknown path', async () => {
    const unknown = crypto.randomUUID();
    await expectLikeUnknownRoute(await post(unknown), `${EXPOSED}/${unknown}`);
    for (const bad of ['not-a-uuid', 'x'.repeat(90), `${crypto.randomUUID()}x`]) {
      await expectLikeUnknownRoute(await post(bad), `${EXPOSED}/${bad}`);
    }

    const disabled = await expose();
    expect(
      (
        await t.request('PATCH', `${ADMIN}/${disabled.id}`, {
          token: admin,
          body: { disabled: true },
        })
      ).body.disabled,
    ).toBe(true);
    await expectLikeUnknownRoute(await post(disabled.uuid), `${EXPOSED}/${disabled.uuid}`);
    await t.request('PATCH', `${ADMIN}/${disabled.id}`, {
      token: admin,
      body: { disabled: false },
    });
    expect((await post(disabled.uuid)).status).toBe(201);

    const deleted = await expose();
    const del = await t.request('DELETE', `${ADMIN}/${deleted.id}`, { token: admin });
    expect(del.status).toBe(204);
    await expectLikeUnknownRoute(await post(deleted.uuid), `${EXPOSED}/${deleted.uuid}`);
    expect((await t.request('GET', `${ADMIN}/${deleted.id}`, { token: admin })).status).toBe(404);
    expect((await t.request('DELETE', `${ADMIN}/${deleted.id}`, { token: admin })).status).toBe(
      404,
    );

    const rotated = await expose();
    const rot = await t.request('POST', `${ADMIN}/${rotated.id}/rotate`, { token: admin });
    expect(rot.status).toBe(200);
    expect(rot.body.uuid).toMatch(UUID_V4);
    expect(rot.body.uuid).not.toBe(rotated.uuid);
    expect(rot.body.url).toBe(`https://bzctrl.test${EXPOSED}/${rot.body.uuid}`);
    expect(rot.body.uuidHint).toBe(rot.body.uuid.slice(-4));
    await expectLikeUnknownRoute(await post(rotated.uuid), `${EXPOSED}/${rotated.uuid}`);
    expect((await post(rot.body.uuid)).status).toBe(201);
    // UUIDs are case-insensitive.
    expect((await post(rot.body.uuid.toUpperCase())).status).toBe(201);

    const actions = await t.server.db.kysely
      .selectFrom('auditEvents')
      .select(['action', 'changes'])
      .where('entityType', '=', 'exposedEndpoint')
      .where('entityId', 'in', [disabled.id, deleted.id, rotated.id])
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'create',
      'update',
      'update',
      'create',
      'delete',
      'create',
      'rotate',
    ]);
    for (const a of actions) {
      for (const uuid of [disabled.uuid, deleted.uuid, rotated.uuid, rot.body.uuid])
        expect(a.changes).not.toContain(uuid);
    }
  });

  it('updates name, defaults and origins with the same checks, audited field by field', async () => {
    const ep = await expose();
    const res = await t.request('PATCH', `${ADMIN}/${ep.id}`, {
      token: admin,
      body: {
        name: 'Renamed',
        defaults: { todoType: 'task', status: 'to do', reporter: 'example@example.com' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', allowedOrigins: [] });
    // Replaced whole: the earlier defaults are gone.
    expect(res.body.defaults).toEqual({
      todoType: 'TASK',
      status: 'TODO',
      reporter: 'example@example.com',
    });
    const bad = await t.request('PATCH', `${ADMIN}/${ep.id}`, {
      token: admin,
      body: { defaults: { reporter: 'rge@vtti.com' }, allowedOrigins: ['erp.example.com'] },
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['allowedOrigins[0]', 'defaults.reporter']);
    const badId = await t.request('GET', `${ADMIN}/abc`, { token: admin });
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId)).toEqual(['id']);
    const missing = await t.request('PATCH', `${ADMIN}/999999`, {
      token: admin,
      body: { name: 'x' },
    });
    expect(missing.status).toBe(404);

    const created = await post(ep.uuid, task());
    expect(created.body).toMatchObject({ status: 'TODO', todoType: 'TASK' });
    const stored = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${created.body.key}`, {
      token: member,
    });
    expect(stored.body.reporter).toBe('example@example.com');
    const label = await t.server.db.kysely
      .selectFrom('auditEvents')
      .select('actorLabel')
      .where('entityType', '=', 'todo')
      .where('entityId', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(label.actorLabel).toBe('endpoint:Renamed');

    const update = await t.server.db.kysely
      .selectFrom('auditEvents')
      .select('changes')
      .where('entityType', '=', 'exposedEndpoint')
      .where('entityId', '=', ep.id)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    const changes = JSON.parse(update.changes);
    expect(Object.keys(changes).sort()).toEqual(['defaults', 'name']);
    expect(changes.name).toEqual([ep.name, 'Renamed']);
  });

  it('lists per workspace and names an unknown workspace filter', async () => {
    await createEndpoint({ workspace: 'VTT-NLD-TML-FIN', name: 'Finance form' });
    const fin = await t.request('GET', `${ADMIN}?workspace=VTT-NLD-TML-FIN`, { token: admin });
    expect(fin.status).toBe(200);
    expect(fin.body.items.length).toBeGreaterThan(0);
    expect(
      fin.body.items.every((e: { workspace: string }) => e.workspace === 'VTT-NLD-TML-FIN'),
    ).toBe(true);
    const all = await t.request('GET', ADMIN, { token: admin });
    expect(all.body.items.length).toBeGreaterThan(fin.body.items.length);
    const unknown = await t.request('GET', `${ADMIN}?workspace=NOPE`, { token: admin });
    expect(unknown.status).toBe(404);
    expect(fieldsOf(unknown)).toEqual(['workspace']);
  });

  it('documents the routes in the OpenAPI document, the public one without security', async () => {
    const doc = (await t.request('GET', '/bzctrl-core-api/openapi.json')).body;
    const exposed = doc.paths[`${EXPOSED}/{uuid}`];
    expect(Object.keys(exposed)).toEqual(['post']);
    expect(exposed.post.security).toBeUndefined();
    expect(exposed.post.tags).toEqual(['exposed']);
    expect(Object.keys(doc.paths[ADMIN]).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths[`${ADMIN}/{id}`]).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths[`${ADMIN}/{id}/rotate`].post.security).toContainEqual({ bearer: [] });
    expect(doc.components.schemas.ExposedEndpoint.properties).not.toHaveProperty('uuid');
    expect(doc.components.schemas.ExposedEndpointWithUuid.required).toEqual(
      expect.arrayContaining(['uuid', 'url']),
    );
  });

  it('answers CORS preflights only for allowed origins, and only on this route', async () => {
    const ep = await expose({ allowedOrigins: [ERP] });
    const preflight = (origin: string, uuid = ep.uuid, path = `${EXPOSED}/${uuid}`) =>
      t.request('OPTIONS', path, {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, idempotency-key',
        },
      });

    const ok = await preflight(ERP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ERP);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    const allowHeaders = ok.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
    expect(allowHeaders).toContain('content-type');
    expect(allowHeaders).toContain('idempotency-key');
    expect(ok.headers.get('vary')).toContain('Origin');

    const refused = await preflight('https://evil.example.com');
    expect(refused.status).toBe(204);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-methods')).toBeNull();

    const unknown = await preflight(ERP, crypto.randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBeNull();
    const unknownRoute = await preflight(ERP, '', NO_SUCH_ROUTE);
    expect(unknown.headers.get('content-type')).toBe(unknownRoute.headers.get('content-type'));
    expect(unknown.body.code).toBe(unknownRoute.body.code);

    const created = await post(ep.uuid, task(), { origin: ERP });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(ERP);
    expect(created.headers.get('access-control-expose-headers')).toContain('Location');

    // A page from another origin that skips the preflight still gets nothing created.
    const foreign = await post(ep.uuid, task(), { origin: 'https://evil.example.com' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    // No CORS anywhere else.
    const other = await preflight(ERP, '', '/bzctrl-core-api/api/v1/task/add-task');
    expect(other.status).toBe(405);
    expect(other.headers.get('allow')).toBe('POST, PUT');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const addTask = await t.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token: member,
      headers: { origin: ERP },
      body: task({
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        reporter: 'example@example.com',
      }),
    });
    expect(addTask.status).toBe(201);
    expect(addTask.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe.each(dialects)('exposed endpoint rate limits on %s', (dialect) => {
  let t: TestServer;
  let admin: string;

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      env: {
        BZCTRL_RATE_LIMIT: '1000000',
        BZCTRL_EXPOSED_RATE_LIMIT: '3',
        BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS: '5',
      },
    });
    admin = await t.login('admin@example.com');
  });
  afterAll(() => t?.close());

  it('limits creates per endpoint and attempts per address, with Retry-After', async () => {
    const make = async (name: string) => {
      const res = await t.request('POST', ADMIN, {
        token: admin,
        body: {
          workspace: 'IMP-NLD-EXA-SWA',
          name,
          defaults: { todoType: 'TASK', reporter: 'example@example.com' },
        },
      });
      return res.body.uuid as string;
    };
    const [a, b] = [await make('A'), await make('B')];
    const post = (uuid: string) => t.request('POST', `${EXPOSED}/${uuid}`, { body: task() });

    // Endpoint A: 3 creates a minute.
    const first = await post(a);
    expect(first.status).toBe(201);
    expect(first.headers.get('ratelimit-limit')).toBe('3');
    expect(first.headers.get('ratelimit-remaining')).toBe('2');
    expect((await post(a)).status).toBe(201);
    expect((await post(a)).status).toBe(201);
    const overA = await post(a);
    expect(overA.status).toBe(429);
    expect(overA.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(overA.body.code).toBe('too_many_requests');
    expect(Number(overA.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(overA.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(overA.headers.get('ratelimit-remaining')).toBe('0');

    // The address has used 4 of its 5; B's first create uses the last.
    const onB = await post(b);
    expect(onB.status).toBe(201);
    expect(onB.headers.get('ratelimit-remaining')).toBe('0');
    const overAddress = await post(b);
    expect(overAddress.status).toBe(429);
    expect(overAddress.headers.get('ratelimit-limit')).toBe('5');
    expect(Number(overAddress.headers.get('retry-after'))).toBeGreaterThan(0);
    // Guesses count and are refused alike: the limit tells no valid UUID apart.
    const guess = await post(crypto.randomUUID());
    expect(guess.status).toBe(429);
    expect(guess.body.code).toBe('too_many_requests');

    expect(await countTodos(t)).toBe(4);
  });
});
