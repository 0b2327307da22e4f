import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { SEED_001 } from './support/seed-bodies.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';

/** Seed 000's message structure with real values: domain + workspace, "High", "IN PROGRESS". */
const SEED_000 = {
  todoType: 'INCIDENT',
  domain: 'IMP-NLD-EXA-SWA',
  workspace: 'SWA',
  title: 'Potential Customs claim',
  description: 'Operation started without proper approvals',
  result: '',
  financialImpact: '1234.50',
  impact: 'High',
  likelihood: 'Medium',
  status: 'IN PROGRESS',
  priority: 'Low',
  assignee: 'username@example.com',
  reporter: 'username@example.com',
  category: '',
  orderID: 'SO 777',
  LRN: '24NL0000000000001',
  reminderDate: '',
};

const minimal = (extra: Record<string, unknown> = {}) => ({
  todoType: 'TASK',
  domainWorkSpace: 'IMP-NLD-EXA-SWA',
  title: 'Check seal numbers',
  description: 'Seal numbers differ from the manifest',
  reporter: 'example@example.com',
  ...extra,
});

const today = () => new Date().toISOString().slice(0, 10);

describe.each(dialects)('BzCtrl dialect add-task on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let admin: string;
  let outsider: string;

  const countTodos = async () => {
    const r = await t.server.db.kysely
      .selectFrom('todos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  /** One more workspace in a domain of its own (the domain is named after its code). */
  const addWorkspace = (domain: string, code: string, name: string) =>
    applyProvisioning(
      t.server.db,
      { scryptLogN: 14 },
      validateProvisionDoc({
        domains: [{ code: domain, name: domain, workspaces: [{ code, name }] }],
      }),
    );
  const add = (body: unknown, token = member) => t.request('POST', ADD, { body, token });
  const fieldsOf = (res: { body: { errors?: { field: string }[] } }) =>
    (res.body.errors ?? []).map((e) => e.field);

  beforeAll(async () => {
    t = await startTestServer(dialect);
    [member, admin, outsider] = await Promise.all([
      t.login('example@example.com'),
      t.login('admin@example.com'),
      t.login('outsider@other.example'),
    ]);
  });
  afterAll(() => t?.close());

  it("accepts seed 001's sample body verbatim and answers with the seed's fields", async () => {
    const token = await t.login('user@vtti.com');
    const res = await add(SEED_001, token);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'title',
      taskType: 'TASK',
      todoType: 'TASK',
      domainWorkSpace: 'VTT-NLD-TML-FIN',
      description: 'description',
      taskLink: `https://bzctrl.test/app/#/todo/${res.body.key}`,
      key: expect.stringMatching(/^VTT-NLD-TML-FIN-\d{2,}$/),
      id: expect.any(Number),
      status: 'TODO',
      result: 'result',
      financialImpact: '123.00',
      financialImpactCurrency: 'EUR',
      impact: 'HIGH',
      likelihood: 'MEDIUM',
      priority: 'HIGH',
      assignee: 'rge@vtti.com',
      reporter: 'user@vtti.com',
      category: ['Customs', 'Fetsa'],
      subCategory: ['high'],
      lrn: 'test',
      orderID: 'tag',
      reminderDate: '2024-09-27',
      dueDate: null,
      workspace: 'VTT-NLD-TML-FIN',
      domain: 'VTT-NLD-TML',
      workspaceName: 'Finance',
    });
    expect(res.body.tags).toEqual(expect.arrayContaining(['tag', 'test']));
    expect(res.headers.get('location')).toBe(`/bzctrl-core-api/api/v1/tasks/${res.body.key}`);

    const back = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${res.body.key}`, { token });
    expect(back.status).toBe(200);
    expect(back.body).toEqual(res.body);
  });

  it("accepts seed 000's domain + workspace style with forgiving enums", async () => {
    const token = await t.login('username@example.com');
    const res = await add(SEED_000, token);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      taskType: 'INCIDENT',
      workspace: 'IMP-NLD-EXA-SWA',
      status: 'INPROGRESS',
      impact: 'HIGH',
      likelihood: 'MEDIUM',
      priority: 'LOW',
      financialImpact: '1234.50',
      result: null,
      category: [],
      orderID: 'SO 777',
      lrn: '24NL0000000000001',
      reminderDate: null,
      dueDate: null,
    });
    expect(res.body.tags).toEqual(['SO 777', '24NL0000000000001']);
  });

  it('resolves the workspace from domain code + workspace code, and from the display name alone', async () => {
    const a = await add(
      minimal({ domainWorkSpace: undefined, domain: 'IMP-NLD-EXA', workspace: 'SWA' }),
    );
    expect(a.status).toBe(201);
    expect(a.body.workspace).toBe('IMP-NLD-EXA-SWA');
    const b = await add(minimal({ domainWorkSpace: undefined, workspace: 'Inbound Control' }));
    expect(b.status).toBe(201);
    expect(b.body.workspace).toBe('IMP-NLD-EXA-SWA');
    const c = await add(minimal({ domainWorkSpace: undefined, workspace: 'fin' }));
    expect(c.status).toBe(201);
    expect(c.body.workspace).toBe('VTT-NLD-TML-FIN');
  });

  it('refuses a domain key whose workspace code contradicts it', async () => {
    const res = await add(
      minimal({ domainWorkSpace: undefined, domain: 'IMP-NLD-EXA-SWA', workspace: 'FIN' }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(fieldsOf(res)).toContain('workspace');
  });

  it('names an ambiguous workspace name and lists the candidates', async () => {
    await addWorkspace('IMP-BEL-EXA', 'SWA', 'Inbound Control');
    const res = await add(
      minimal({ domainWorkSpace: undefined, workspace: 'Inbound Control' }),
      admin,
    );
    expect(res.status).toBe(404);
    expect(res.body.errors[0].field).toBe('workspace');
    expect(res.body.errors[0].message).toContain('Inbound Control');
    expect(res.body.errors[0].message).toContain('IMP-BEL-EXA-SWA');
    // The member sees only one of them, so for them the name is not ambiguous.
    expect(
      (await add(minimal({ domainWorkSpace: undefined, workspace: 'Inbound Control' }))).status,
    ).toBe(201);
  });

  it('accepts PUT as well as POST', async () => {
    const res = await t.request('PUT', ADD, { body: minimal(), token: member });
    expect(res.status).toBe(201);
  });

  it('sets the due date to the transaction date when created as DONE', async () => {
    const before = today();
    const res = await add(minimal({ status: 'Done' }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('DONE');
    expect([before, today()]).toContain(res.body.dueDate);
  });

  it.each([
    ['High', 'HIGH'],
    [' high ', 'HIGH'],
    ['MEDIUM', 'MEDIUM'],
    ['low', 'LOW'],
  ])('matches priority %j as %s', async (given, stored) => {
    const res = await add(minimal({ priority: given, impact: given, likelihood: given }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ priority: stored, impact: stored, likelihood: stored });
  });

  it.each([
    ['IN PROGRESS', 'INPROGRESS'],
    ['In Progress', 'INPROGRESS'],
    ['in_progress', 'INPROGRESS'],
    ['To do', 'TODO'],
    ['todo', 'TODO'],
    ['DONE', 'DONE'],
  ])('matches status %j as %s', async (given, stored) => {
    const res = await add(minimal({ status: given }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe(stored);
  });

  it('defaults status to INPROGRESS and the assignee to the reporter', async () => {
    const res = await add(minimal());
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('INPROGRESS');
    expect(res.body.assignee).toBe('example@example.com');
  });

  it.each([
    ['123', '123.00'],
    [123, '123.00'],
    ['1234.50', '1234.50'],
    [1234.5, '1234.50'],
    ['0.1', '0.10'],
    ['0', '0.00'],
    ['9999999999999.99', '9999999999999.99'],
    ['', null],
  ])('stores the amount %j exactly as %j', async (given, stored) => {
    const res = await add(minimal({ financialImpact: given }));
    expect(res.status).toBe(201);
    expect(res.body.financialImpact).toBe(stored);
  });

  it.each([
    ['1234.567'],
    ['12,50'],
    ['1.234,50'],
    ['abc'],
    [-5],
    ['1e3'],
    [true],
    [{ amount: 1 }],
    ['99999999999999'],
  ])('refuses the amount %j naming financialImpact', async (given) => {
    const before = await countTodos();
    const res = await add(minimal({ financialImpact: given }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(fieldsOf(res)).toContain('financialImpact');
    expect(await countTodos()).toBe(before);
  });

  it.each([['2024-02-30'], ['2024-13-01'], ['27-09-2024'], ['2024-9-27'], ['tomorrow']])(
    'refuses the reminder date %j',
    async (given) => {
      const res = await add(minimal({ reminderDate: given }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'reminderDate', message: expect.stringContaining(given) },
      ]);
    },
  );

  it('accepts a leap day', async () => {
    const res = await add(minimal({ reminderDate: '2024-02-29' }));
    expect(res.status).toBe(201);
    expect(res.body.reminderDate).toBe('2024-02-29');
  });

  it('refuses bad enum values, naming each field', async () => {
    const res = await add(
      minimal({ todoType: 'BUG', priority: 'Critical', impact: 'huge', status: 'OPEN' }),
    );
    expect(res.status).toBe(400);
    expect(fieldsOf(res).sort()).toEqual(['impact', 'priority', 'status', 'todoType']);
    expect(
      res.body.errors.find((e: { field: string }) => e.field === 'priority').message,
    ).toContain('Critical');
  });

  it('refuses EXPIRED from a client', async () => {
    const res = await add(minimal({ status: 'Expired' }));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({
      field: 'status',
      message: expect.stringContaining('system'),
    });
  });

  it('lists every missing field at once', async () => {
    const before = await countTodos();
    const res = await add({});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'validation_failed',
      title: expect.any(String),
    });
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    expect(fieldsOf(res).sort()).toEqual([
      'description',
      'domainWorkSpace',
      'reporter',
      'title',
      'todoType',
    ]);
    expect(await countTodos()).toBe(before);
  });

  it('refuses empty and over-long text', async () => {
    const res = await add(minimal({ title: '   ', description: 'x'.repeat(100_001) }));
    expect(res.status).toBe(400);
    expect(fieldsOf(res).sort()).toEqual(['description', 'title']);
  });

  it('refuses bad, unknown and workspace-less people', async () => {
    const bad = await add(minimal({ reporter: 'not-an-email', assignee: 'also@bad' }));
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad).sort()).toEqual(['assignee', 'reporter']);
    const unknown = await add(minimal({ assignee: 'ghost@example.com' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'assignee', message: expect.stringContaining('ghost@example.com') },
    ]);
    const noAccess = await add(minimal({ reporter: 'outsider@other.example' }));
    expect(noAccess.status).toBe(400);
    expect(noAccess.body.errors).toEqual([
      {
        field: 'reporter',
        // The same words as for an unknown address (ghost@ above): no tenant enumeration.
        message: 'no active user outsider@other.example with access to workspace IMP-NLD-EXA-SWA',
      },
    ]);
  });

  it('answers an unknown and a foreign workspace alike, storing nothing', async () => {
    const before = await countTodos();
    const unknown = await add(minimal({ domainWorkSpace: 'NOPE-NLD-XXX-ABC' }));
    const foreign = await add(minimal({ domainWorkSpace: 'OTH-BEL-ANT-OPS' }));
    for (const [res, value] of [
      [unknown, 'NOPE-NLD-XXX-ABC'],
      [foreign, 'OTH-BEL-ANT-OPS'],
    ] as const) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('workspace_not_found');
      expect(res.body.errors).toEqual([
        {
          field: 'domainWorkSpace',
          message: `unknown workspace "${value}" (or not one you may use)`,
        },
      ]);
    }
    expect(await countTodos()).toBe(before);
  });

  it('ignores unknown fields', async () => {
    const res = await add(minimal({ colour: 'blue', nested: { a: 1 } }));
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('colour');
  });

  it('refuses wrongly typed fields with a field error, not a 5xx', async () => {
    const res = await add(minimal({ title: { text: 'x' }, tags: 'not-a-list' }));
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain('title');
  });

  it('answers malformed JSON, an oversize body and a wrong content type with problems', async () => {
    const malformed = await t.request('POST', ADD, {
      body: '{"todoType": "TASK",',
      token: member,
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'bad_request', status: 400 });
    const huge = await add(minimal({ description: 'x'.repeat(1_100_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ code: 'payload_too_large', status: 413 });
    const text = await t.request('POST', ADD, {
      body: 'todoType=TASK',
      token: member,
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
  });

  it('keeps sequences gap-free after refused requests', async () => {
    await addWorkspace('SEQ-NLD-TST', 'GAP', 'Gaps');
    const body = minimal({ domainWorkSpace: 'SEQ-NLD-TST-GAP', reporter: 'admin@example.com' });
    expect((await add(body, admin)).body.key).toBe('SEQ-NLD-TST-GAP-01');
    expect((await add({ ...body, priority: 'nope' }, admin)).status).toBe(400);
    expect((await add(body, admin)).body.key).toBe('SEQ-NLD-TST-GAP-02');
  });

  it('gives 200 concurrent creates in one workspace 200 distinct, gap-free keys', async () => {
    await addWorkspace('CON-NLD-TST', 'RUN', 'Run');
    const body = minimal({ domainWorkSpace: 'CON-NLD-TST-RUN', reporter: 'admin@example.com' });
    const results = await Promise.all(Array.from({ length: 200 }, () => add(body, admin)));
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(201));
    const keys = results.map((r) => r.body.key as string);
    expect(new Set(keys).size).toBe(200);
    const seqs = keys.map((k) => Number(k.split('-').pop())).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(keys.every((k) => /^CON-NLD-TST-RUN-\d{2,3}$/.test(k))).toBe(true);
  });

  it('records who created a todo, through which dialect and request, and what was stored', async () => {
    const res = await t.request('POST', ADD, {
      body: minimal({ orderID: 'SO-1', financialImpact: '10.5' }),
      token: member,
      headers: { 'x-request-id': 'erp-req-42' },
    });
    expect(res.status).toBe(201);
    const events = await t.server.db.kysely
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'todo')
      .where('entityId', '=', res.body.id)
      .execute();
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      action: 'create',
      dialect: 'bzctrl',
      requestId: 'erp-req-42',
      actorLabel: 'user:example@example.com',
    });
    const changes = JSON.parse(e?.changes ?? '{}');
    expect(changes.key).toEqual([null, res.body.key]);
    expect(changes.title).toEqual([null, 'Check seal numbers']);
    expect(changes.financialImpactCents).toEqual([null, 1050]);
    expect(changes.tags).toEqual([null, ['SO-1']]);
    expect(changes.reporter).toEqual([null, 'example@example.com']);
  });

  it('records an API client acting on its own as the actor', async () => {
    const tokenRes = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
      headers: {
        authorization: `Basic ${Buffer.from('erp:erp-client-secret-0001').toString('base64')}`,
      },
    });
    expect(tokenRes.status).toBe(200);
    const res = await add(minimal(), tokenRes.body.access_token);
    expect(res.status).toBe(201);
    const e = await t.server.db.kysely
      .selectFrom('auditEvents')
      .select(['actorLabel', 'actorClientId', 'actorUserId'])
      .where('entityId', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(e.actorLabel).toBe('client:erp');
    expect(e.actorUserId).toBeNull();
    expect(e.actorClientId).not.toBeNull();
  });

  it("hides another workspace's todo behind the same 404 as a missing one", async () => {
    const created = await add(minimal());
    const path = `/bzctrl-core-api/api/v1/tasks/${created.body.key}`;
    const foreign = await t.request('GET', path, { token: outsider });
    const missing = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-9999', {
      token: outsider,
    });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.code).toBe(missing.body.code);
    expect((await t.request('GET', path, { token: admin })).status).toBe(200);
  });

  it('requires a token', async () => {
    const res = await t.request('POST', ADD, { body: minimal() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe.each(dialects)("seed 002's short flow on %s", (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(() => t?.close());

  it('authenticates, creates by workspace display name and answers status/reference/url', async () => {
    const auth = await t.request('POST', '/api/authenticate', {
      body: { username: 'example@example.com', password: 'Ex@mpl3!' },
    });
    expect(auth.status).toBe(200);
    expect(auth.body).toEqual({ token: expect.any(String) });
    const res = await t.request('PUT', '/api/task', {
      token: auth.body.token,
      body: {
        type: 'Incident',
        title: 'Incorrect customs status identified',
        description: 'Mismatch detected during goods receipt',
        workspace: 'Inbound Control',
        priority: 'High',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      status: 'Success',
      reference: expect.stringMatching(/^IMP-NLD-EXA-SWA-\d{2,}$/),
      url: `https://bzctrl.test/app/#/todo/${res.body.reference}`,
    });
    const back = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${res.body.reference}`, {
      token: auth.body.token,
    });
    expect(back.body).toMatchObject({
      todoType: 'INCIDENT',
      priority: 'HIGH',
      reporter: 'example@example.com',
      assignee: 'example@example.com',
      createdVia: 'short',
      title: 'Incorrect customs status identified',
    });
  });

  it('accepts POST and a workspace key, and names bad fields in the short names', async () => {
    const token = await t.login('example@example.com');
    const ok = await t.request('POST', '/api/task', {
      token,
      body: { type: 'Task', title: 't', description: 'd', workspace: 'VTT-NLD-TML-FIN' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.reference).toMatch(/^VTT-NLD-TML-FIN-/);
    const bad = await t.request('PUT', '/api/task', {
      token,
      body: { type: 'Bug', title: 't', description: 'd', workspace: 'Inbound Control' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'type', message: expect.stringContaining('Bug') }]);
  });

  it('requires a reporter when a client acts on its own', async () => {
    const tokenRes = await t.request('POST', '/api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    const res = await t.request('PUT', '/api/task', {
      token: tokenRes.body.access_token,
      body: { type: 'Task', title: 't', description: 'd' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'reporter', message: expect.any(String) }]);
    // ...and uses the client's default workspace when none is named.
    const ok = await t.request('PUT', '/api/task', {
      token: tokenRes.body.access_token,
      body: { type: 'Task', title: 't', description: 'd', reporter: 'example@example.com' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.reference).toMatch(/^IMP-NLD-EXA-SWA-/);
  });
});
