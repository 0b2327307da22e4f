import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateProvisionDoc } from '../src/core/provisioning/provision.service.ts';
import { LIMITS } from '../src/core/todos/todo-fields.ts';
import {
  dialects,
  fixture,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const ADD = `${API}/task/add-task`;

// ajv-formats is CommonJS: its plugin is module.exports and, as well, its `default`.
const addFormats = addFormatsModule.default;

/** A strict draft 2020-12 validator that knows our `x-` annotations (and nothing more). */
function validatorOf(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  for (const k of [
    'x-users',
    'x-currency',
    'x-workspace',
    'x-default-from',
    'x-field-id',
    'x-field-type',
  ]) {
    ajv.addKeyword(k);
  }
  const validate = ajv.compile(schema);
  return (body: unknown) => {
    const ok = validate(body);
    return { ok, errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
  };
}

const fieldsOf = (res: Reply) => (res.body.errors ?? []).map((e: { field: string }) => e.field);

/** The fixture plus custom fields of both modules. */
const provision = validateProvisionDoc({
  ...fixture,
  customFields: [
    { module: 'task', name: 'Vessel', type: 1, required: false },
    { module: 'task', name: 'Berth', type: 2, required: false },
    { module: 'task', name: 'Draft', type: 3 },
    { module: 'task', name: 'Hazardous', type: 4 },
    { module: 'task', name: 'Containers', type: 8, options: ['20ft', '40ft'] },
    { module: 'task', name: 'Seals', type: 7 },
    { module: 'incident', name: 'Severity', type: 1, required: true, options: ['Minor', 'Major'] },
    { module: 'incident', name: 'Notes', type: 10 },
  ],
});

describe.each(dialects)('the form contract on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let seed: string;
  let vtti: string;
  let erp: string;
  let admin: string;

  const form = (key: string, token: string, type?: string) =>
    t.request(
      'GET',
      `${API}/workspaces/${key}/form${type === undefined ? '' : `?type=${encodeURIComponent(type)}`}`,
      { token },
    );

  beforeAll(async () => {
    t = await startTestServer(dialect, { provision });
    [member, seed, vtti, admin] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
      t.login('rge@vtti.com'),
      t.login('admin@example.com'),
    ]);
    const cc = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    erp = cc.body.access_token;
  });
  afterAll(() => t?.close());

  it('describes every field: types, enums, limits, formats, defaults, users, EUR', async () => {
    const res = await form('IMP-NLD-EXA-SWA', member);
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.type).toBe('object');
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['todoType', 'title', 'description', 'reporter', 'workspace']);
    expect(s['x-workspace']).toEqual({
      key: 'IMP-NLD-EXA-SWA',
      code: 'SWA',
      name: 'Inbound Control',
      domain: 'IMP-NLD-EXA',
      domainName: 'Example Import NL',
    });
    const p = s.properties;
    expect(p.todoType).toMatchObject({ type: 'string', const: 'TASK', default: 'TASK' });
    expect(p.workspace).toMatchObject({ const: 'IMP-NLD-EXA-SWA' });
    expect(p.title).toMatchObject({ type: 'string', maxLength: LIMITS.title, minLength: 1 });
    expect(p.description).toMatchObject({ type: 'string', maxLength: LIMITS.text });
    for (const level of ['impact', 'likelihood', 'priority']) {
      expect(p[level]).toMatchObject({ type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] });
    }
    expect(p.status).toMatchObject({ enum: ['TODO', 'INPROGRESS', 'DONE'], default: 'INPROGRESS' });
    expect(p.financialImpact).toMatchObject({
      type: ['number', 'string'],
      pattern: expect.any(String),
      'x-currency': 'EUR',
    });
    expect(p.reminderDate).toMatchObject({ type: 'string', format: 'date' });
    expect(p.tags).toMatchObject({
      type: 'array',
      maxItems: LIMITS.tags,
      items: { type: 'string', maxLength: LIMITS.tag },
    });
    // Members of the workspace, not the operator's administrators nor other customers.
    const users = ['example@example.com', 'username@example.com'];
    for (const person of ['reporter', 'assignee']) {
      expect(p[person]).toMatchObject({
        type: 'string',
        format: 'email',
        maxLength: LIMITS.email,
        'x-users': users,
      });
    }
    expect(p.assignee['x-default-from']).toBe('reporter');
    // A form for a signed-in user is prefilled with them; a client gets no default.
    expect(p.reporter.default).toBe('example@example.com');
    expect((await form('IMP-NLD-EXA-SWA', erp)).body.properties.reporter.default).toBeUndefined();
    expect(p.watchers).toMatchObject({ type: 'array', 'x-users': users });
    expect(p.customFields).toEqual({
      type: 'object',
      additionalProperties: false,
      required: [],
      description: expect.any(String),
      properties: {
        Vessel: {
          type: 'string',
          title: 'Vessel',
          'x-field-id': expect.any(Number),
          'x-field-type': 1,
        },
        Berth: expect.objectContaining({ type: 'integer', 'x-field-type': 2 }),
        Draft: expect.objectContaining({ type: 'number' }),
        Hazardous: expect.objectContaining({ type: 'boolean' }),
        Containers: expect.objectContaining({
          type: 'array',
          items: { type: 'string', enum: ['20ft', '40ft'] },
        }),
        Seals: expect.objectContaining({ type: 'array', items: { type: 'integer' } }),
      },
    });
  });

  it('PROVES the contract: a valid sample passes the schema, POST /todos and add-task; a broken one fails all three', async () => {
    const s = (await form('IMP-NLD-EXA-SWA', member)).body;
    const check = validatorOf(s);
    const sample = {
      todoType: 'TASK',
      workspace: 'IMP-NLD-EXA-SWA',
      title: 'Seal numbers differ',
      description: 'Seal numbers differ from the manifest',
      result: 'Seals replaced',
      financialImpact: '1234.50',
      impact: 'HIGH',
      likelihood: 'LOW',
      priority: 'MEDIUM',
      status: 'TODO',
      reporter: s.properties.reporter['x-users'][0],
      assignee: s.properties.assignee['x-users'][1],
      category: ['Customs'],
      subCategory: ['Seals'],
      orderID: 'SO 777',
      lrn: '24NL0000000000001',
      tags: ['urgent'],
      reminderDate: '2030-01-31',
    };
    expect(check(sample)).toEqual({ ok: true, errors: [] });
    expect(check({ ...sample, financialImpact: 250 }).ok).toBe(true);
    const native = {
      ...sample,
      watchers: [s.properties.watchers['x-users'][1]],
      dueDate: '2030-02-28',
      externalRef: { system: 'ERP', id: 'SO-777' },
      customFields: { Vessel: 'Ever Given', Berth: 12, Hazardous: false, Containers: ['40ft'] },
    };
    expect(check(native)).toEqual({ ok: true, errors: [] });
    for (const [path, body] of [
      [ADD, sample],
      [`${API}/todos`, native],
    ] as const) {
      const created = await t.request('POST', path, { token: member, body });
      expect(created.status, `${path} ${created.text}`).toBe(201);
      expect(created.body).toMatchObject({
        key: expect.stringMatching(/^IMP-NLD-EXA-SWA-\d+$/),
        financialImpact: '1234.50',
        assignee: 'username@example.com',
        status: 'TODO',
      });
    }

    for (const missing of ['title', 'description', 'todoType'] as const) {
      const { [missing]: _gone, ...broken } = sample;
      const verdict = check(broken);
      expect(verdict.ok, missing).toBe(false);
      expect(verdict.errors.join(), missing).toContain(`'${missing}'`);
      for (const path of [ADD, `${API}/todos`]) {
        const refused = await t.request('POST', path, { token: member, body: broken });
        expect(refused.status, `${path} ${missing}`).toBe(400);
        expect(fieldsOf(refused), `${path} ${missing}`).toContain(missing);
      }
    }
    // add-task needs the reporter named (the native create would default to the caller).
    const { reporter: _r, ...unreported } = sample;
    expect(check(unreported).ok).toBe(false);
    expect(fieldsOf(await t.request('POST', ADD, { token: member, body: unreported }))).toEqual([
      'reporter',
    ]);
    // A misspelt optional field would be dropped silently by the API; the contract catches it.
    expect(check({ ...sample, priorty: 'HIGH' }).ok).toBe(false);
    // Values the schema refuses, the API refuses too, naming the same field.
    for (const [field, value] of [
      ['financialImpact', '12,50'],
      ['financialImpact', '1.234'],
      ['reminderDate', '2030-02-30'],
      ['reporter', 'not-an-email'],
      ['title', 'x'.repeat(LIMITS.title + 1)],
      ['impact', 'SEVERE'],
    ] as const) {
      expect(check({ ...sample, [field]: value }).ok, `${field}=${value}`).toBe(false);
      const refused = await t.request('POST', ADD, {
        token: member,
        body: { ...sample, [field]: value },
      });
      expect(refused.status, `${field}=${value}`).toBe(400);
      expect(fieldsOf(refused)).toContain(field);
    }
  });

  it('gives the custom fields of the type asked for, enum-forgiving, TASK by default', async () => {
    const incident = await form('IMP-NLD-EXA-SWA', member, ' Incident ');
    expect(incident.status).toBe(200);
    expect(incident.body.properties.todoType.const).toBe('INCIDENT');
    expect(incident.body.required).toContain('customFields');
    expect(incident.body.properties.customFields).toMatchObject({
      required: ['Severity'],
      properties: {
        Severity: { type: 'string', enum: ['Minor', 'Major'] },
        Notes: { type: 'string', 'x-field-type': 10 },
      },
    });
    const check = validatorOf(incident.body);
    const base = {
      todoType: 'INCIDENT',
      workspace: 'IMP-NLD-EXA-SWA',
      title: 't',
      description: 'd',
      reporter: 'example@example.com',
    };
    expect(check({ ...base, customFields: { Severity: 'Major' } }).ok).toBe(true);
    expect(check(base).ok).toBe(false);
    expect(check({ ...base, customFields: { Severity: 'Huge' } }).ok).toBe(false);
    expect(check({ ...base, customFields: { Severity: 'Minor', Unknown: 1 } }).ok).toBe(false);

    const bad = await form('IMP-NLD-EXA-SWA', member, 'EPIC');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['type']);
    expect((await form('imp-nld-exa-swa', member, '')).body.properties.todoType.const).toBe('TASK');
  });

  it('needs the workspace named unless it is the caller’s default one', async () => {
    // The erp client's default workspace is SWA; seed's only workspace is SWA.
    expect((await form('IMP-NLD-EXA-SWA', erp)).body.required).not.toContain('workspace');
    expect((await form('VTT-NLD-TML-FIN', erp)).body.required).toContain('workspace');
    const own = (await form('IMP-NLD-EXA-SWA', seed)).body;
    expect(own.required).not.toContain('workspace');
    const { workspace: _w, ...unnamed } = {
      todoType: 'TASK',
      workspace: 'IMP-NLD-EXA-SWA',
      title: 'Without a workspace',
      description: 'The default workspace is used',
      reporter: 'username@example.com',
    };
    expect(validatorOf(own)(unnamed).ok).toBe(true);
    expect((await t.request('POST', ADD, { token: seed, body: unnamed })).status).toBe(201);
  });

  it('answers 404 for a workspace the caller cannot use, and lists FIN users for FIN', async () => {
    for (const [key, token] of [
      ['IMP-NLD-EXA-SWA', vtti],
      ['OTH-BEL-ANT-OPS', member],
      ['NOPE-NOPE', member],
    ] as const) {
      const res = await form(key, token);
      expect(res.status, key).toBe(404);
      expect(res.body.code).toBe('workspace_not_found');
    }
    const fin = await form('VTT-NLD-TML-FIN', vtti);
    expect(fin.body.properties.reporter['x-users']).toEqual([
      'example@example.com',
      'rge@vtti.com',
      'user@vtti.com',
    ]);
    const any = await form('OTH-BEL-ANT-OPS', admin);
    expect(any.status).toBe(200);
    expect((await t.request('GET', `${API}/workspaces/IMP-NLD-EXA-SWA/form`)).status).toBe(401);
  });
});
