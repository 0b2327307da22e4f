import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateProvisionDoc } from '../src/core/provisioning/provision.service.ts';
import { hashSecret } from '../src/platform/values/secrets.ts';
import { dialects, fixture, startTestServer, type TestServer } from './support/harness.ts';

/** Seed 003's Basic client credentials, verbatim: main-web-app-client:main-web-app-secret. */
const SEED_BASIC = 'Basic bWFpbi13ZWItYXBwLWNsaWVudDptYWluLXdlYi1hcHAtc2VjcmV0';

/** Seeds 003 and 004's create body, verbatim. */
const SEED_CREATE = `{
       "tags":["mouse"],
       "subject":"Need a new keyboard",
       "description":"Need a wireless keyboard",
       "requesterEmail":"tim@acme.com",
       "requesterName":"Tim",
       "locationName":"Ahmedabad"
   }`;

const LONG = '9007199254740993';

/** The fixture plus seed 003's world: ACME, its user tim@acme.com and its API client. */
const provision = validateProvisionDoc({
  ...fixture,
  domains: [
    ...(fixture.domains ?? []),
    { code: 'ACME', name: 'Acme', workspaces: [{ code: 'IT', name: 'IT Service Desk' }] },
  ],
  users: [
    ...(fixture.users ?? []),
    // Seed 003's password is "123", below the provisioning minimum: set below.
    { email: 'tim@acme.com', name: 'Tim Acme', password: 'placeholder-1', workspaces: ['ACME-IT'] },
    { email: 'ann@acme.com', name: 'Ann', password: 'Ann-pass-01', workspaces: ['ACME-IT'] },
  ],
  clients: [
    ...(fixture.clients ?? []),
    {
      clientId: 'main-web-app-client',
      clientSecret: 'main-web-app-secret',
      name: 'ITSM tool',
      workspaces: ['ACME-IT'],
      defaultWorkspace: 'ACME-IT',
    },
  ],
  locations: [{ name: 'Ahmedabad' }, { name: 'Rotterdam' }],
  customFields: [
    { module: 'incident', name: 'Severity', type: 1, options: ['Open', 'Minor', 'Major'] },
    { module: 'incident', name: 'Serial', type: 5 },
    { module: 'incident', name: 'Affected users', type: 2 },
    { module: 'incident', name: 'Ratio', type: 3 },
    { module: 'incident', name: 'Remote', type: 4 },
    { module: 'incident', name: 'Ports', type: 7 },
    { module: 'incident', name: 'Systems', type: 8 },
    { module: 'incident', name: 'Notes', type: 10 },
    { module: 'task', name: 'Asset tag', type: 1 },
  ],
});

const today = () => new Date().toISOString().slice(0, 10);

describe.each(dialects)('ITSM incident dialect on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  let tim: string;
  let fields: Record<string, { id: number; type: number }>;

  /** Seed 003's token request: multipart, Basic client authentication. */
  const seedToken = async (username: string, password: string, basic = SEED_BASIC) => {
    const form = new FormData();
    form.set('username', username);
    form.set('password', password);
    form.set('grant_type', 'password');
    return t.request('POST', '/api/oauth/token', { body: form, headers: { authorization: basic } });
  };
  const json = (method: string, path: string, body: unknown, token = tim, headers = {}) =>
    t.request(method, path, {
      token,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const create = (body: Record<string, unknown>, token = tim) =>
    json(
      'POST',
      '/api/v1/incident',
      { subject: 's', requesterEmail: 'tim@acme.com', ...body },
      token,
    );
  const get = (id: number | string, token = tim) =>
    t.request('GET', `/api/v1/incident/${id}`, { token });
  const native = (id: number | string, token = tim) =>
    t.request('GET', `/bzctrl-core-api/api/v1/todos/${id}`, { token });
  const expectFailure = (
    res: { status: number; body: unknown },
    status: number,
    message: RegExp,
  ) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body).toEqual({ returnCode: 'FAILURE', status, userMessage: expect.any(String) });
    expect((res.body as { userMessage: string }).userMessage).toMatch(message);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-itsm-'));
    t = await startTestServer(dialect, { provision, env: { BZCTRL_DATA_DIR: dataDir } });
    await t.server.db.kysely
      .updateTable('users')
      .set({ passwordHash: await hashSecret('123', 14) })
      .where('email', '=', 'tim@acme.com')
      .execute();
    const res = await seedToken('tim@acme.com', '123');
    expect(res.status, res.text).toBe(200);
    tim = res.body.access_token;
    const form = await t.request('GET', '/api/ususer/form/incident', { token: tim });
    fields = Object.fromEntries(
      form.body.fields.map((f: { name: string; id: number; type: number }) => [f.name, f]),
    );
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers seed 003 token request (multipart, Basic client auth) on /api/oauth/token', async () => {
    const res = await seedToken('tim@acme.com', '123');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    // What seed 003's curl command really sends: its own boundary after the seed's.
    const boundary = '------------------------fb8bfe6e81074010';
    const raw = ['username', 'tim@acme.com', 'password', '123', 'grant_type', 'password']
      .reduce<string[]>((parts, v, i, all) => {
        if (i % 2 === 0)
          parts.push(
            `--${boundary}\r\nContent-Disposition: form-data; name="${v}"\r\n\r\n${all[i + 1]}\r\n`,
          );
        return parts;
      }, [])
      .join('');
    const curl = await t.request('POST', '/api/oauth/token', {
      body: `${raw}--${boundary}--\r\n`,
      headers: {
        authorization: SEED_BASIC,
        'content-type': `multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW; boundary=${boundary}`,
      },
    });
    expect(curl.status, curl.text).toBe(200);
    const wrong = await seedToken(
      'tim@acme.com',
      '123',
      `Basic ${btoa('main-web-app-client:nope')}`,
    );
    expect(wrong.status).toBe(401);
  });

  it('creates the seed 003/004 incident verbatim and reads it back in the seed shape', async () => {
    const res = await json('POST', '/api/v1/incident', SEED_CREATE);
    expect(res.status, res.text).toBe(200);
    const id = res.body.id as number;
    expect(res.text).toBe(`{"returnCode":"SUCCESS","status":0,"userMessage":null,"id":${id}}`);
    for (const path of [`/api/v1/incident/${id}`, `/api/incident/${id}`]) {
      const got = await t.request('GET', path, { token: tim });
      expect(got.status).toBe(200);
      expect(Object.keys(got.body)).toEqual([
        'requesterEmail',
        'requesterName',
        'ccEmailSet',
        'subject',
        'description',
        'categoryName',
        'status',
        'impact',
        'priority',
        'urgency',
        'locationName',
        'tags',
        'spam',
        'fileAttachments',
        'customFieldValueDetails',
      ]);
      expect(got.body).toEqual({
        requesterEmail: 'tim@acme.com',
        requesterName: 'Tim',
        ccEmailSet: [],
        subject: 'Need a new keyboard',
        description: 'Need a wireless keyboard',
        categoryName: 'Service Request',
        status: 'Open',
        impact: 'LOW',
        priority: 'LOW',
        urgency: 'LOW',
        locationName: 'Ahmedabad',
        tags: ['mouse'],
        spam: false,
        fileAttachments: null,
        customFieldValueDetails: {},
      });
    }
    // The same todo through the native API, in the client's default workspace.
    const todo = await native(id);
    expect(todo.body).toMatchObject({
      id,
      key: 'ACME-IT-01',
      todoType: 'TASK',
      title: 'Need a new keyboard',
      description: 'Need a wireless keyboard',
      reporter: 'tim@acme.com',
      assignee: 'tim@acme.com',
      status: 'TODO',
      tags: ['mouse'],
      createdVia: 'itsm',
      workspace: 'ACME-IT',
    });

    // Seed 003's update, verbatim, on the short path.
    const upd = await json(
      'POST',
      `/api/incident/${id}`,
      `{
    "status":"Resolved"
    }`,
    );
    expect(upd.text).toBe(`{"returnCode":"SUCCESS","status":0,"userMessage":null,"id":${id}}`);
    expect((await get(id)).body.status).toBe('Resolved');
    expect((await native(id)).body).toMatchObject({ status: 'DONE', dueDate: today() });
    const history = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${id}/history`, {
      token: tim,
    });
    const last = history.body.items.find((e: { action: string }) => e.action === 'update');
    expect(last.changes).toEqual(
      expect.arrayContaining([
        { field: 'status', old: 'TODO', new: 'DONE' },
        { field: 'itsmStatus', old: null, new: 'Resolved' },
      ]),
    );
  });

  it('maps every field both ways', async () => {
    const res = await create({
      subject: 'Printer on fire',
      description: 'Third floor',
      categoryName: 'incident',
      requesterName: 'Tim at the desk',
      ccEmailSet: ['ANN@acme.com'],
      tags: ['printer', 'fire'],
      impact: 'ONDEPARTMENT',
      priority: 'URGENT',
      urgency: 'HIGH',
      status: 'Pending',
      spam: true,
      locationName: 'rotterdam',
    });
    expect(res.status, res.text).toBe(200);
    const id = res.body.id;
    expect((await get(id)).body).toEqual({
      requesterEmail: 'tim@acme.com',
      requesterName: 'Tim at the desk',
      ccEmailSet: ['ann@acme.com'],
      subject: 'Printer on fire',
      description: 'Third floor',
      categoryName: 'Incident',
      status: 'Pending',
      impact: 'ONDEPARTMENT',
      priority: 'URGENT',
      urgency: 'HIGH',
      locationName: 'Rotterdam',
      tags: ['printer', 'fire'],
      spam: true,
      fileAttachments: null,
      customFieldValueDetails: {},
    });
    expect((await native(id)).body).toMatchObject({
      todoType: 'INCIDENT',
      impact: 'MEDIUM',
      priority: 'HIGH',
      status: 'INPROGRESS',
      category: [],
      // The native Todo names the location too (the web app's details page shows it).
      location: 'Rotterdam',
    });
    const list = await t.request('GET', '/bzctrl-core-api/api/v1/todos?type=INCIDENT', {
      token: tim,
    });
    expect(list.body.items.find((x: { id: number }) => x.id === id)?.location).toBe('Rotterdam');
    const watchers = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${id}/watchers`, {
      token: tim,
    });
    expect(watchers.body.items.map((w: { email: string }) => w.email)).toEqual(['ann@acme.com']);

    // Every update field, on the v1 path.
    const upd = await json('POST', `/api/v1/incident/${id}`, {
      subject: 'Printer fixed',
      description: 'Toner replaced',
      categoryName: 'Hardware',
      impact: 'ONBUSINESS',
      priority: 'LOW',
      urgency: 'URGENT',
      locationName: 'AHMEDABAD',
      tags: ['printer'],
      spam: false,
      status: 'Closed',
      requesterName: 'Tim',
      attachmentsRefNames: [],
    });
    expect(upd.status, upd.text).toBe(200);
    expect((await get(id)).body).toMatchObject({
      subject: 'Printer fixed',
      description: 'Toner replaced',
      categoryName: 'Hardware',
      impact: 'ONBUSINESS',
      priority: 'LOW',
      urgency: 'URGENT',
      locationName: 'Ahmedabad',
      tags: ['printer'],
      spam: false,
      status: 'Closed',
      requesterName: 'Tim',
    });
    expect((await native(id)).body).toMatchObject({
      todoType: 'TASK',
      category: ['Hardware'],
      impact: 'HIGH',
      priority: 'LOW',
      status: 'DONE',
      dueDate: today(),
    });
    // Clearing the location; an update that changes nothing is still a success.
    await json('POST', `/api/v1/incident/${id}`, {
      locationName: null,
      categoryName: 'Service Request',
    });
    expect((await get(id)).body).toMatchObject({
      locationName: null,
      categoryName: 'Service Request',
    });
    expect((await native(id)).body.category).toEqual([]);
    expect((await json('POST', `/api/v1/incident/${id}`, { spam: false })).status).toBe(200);
  });

  it('maps each status and impact onto the todo', async () => {
    const statuses = {
      Open: 'TODO',
      'In Progress': 'INPROGRESS',
      Pending: 'INPROGRESS',
      Resolved: 'DONE',
      Closed: 'DONE',
    };
    for (const [status, todoStatus] of Object.entries(statuses)) {
      const { body } = await create({ status });
      expect((await get(body.id)).body.status).toBe(status);
      expect((await native(body.id)).body.status).toBe(todoStatus);
    }
    const impacts = { LOW: 'LOW', ONUSER: 'LOW', ONDEPARTMENT: 'MEDIUM', ONBUSINESS: 'HIGH' };
    for (const [impact, level] of Object.entries(impacts)) {
      const { body } = await create({ impact, priority: impact === 'LOW' ? 'MEDIUM' : 'HIGH' });
      expect((await get(body.id)).body.impact).toBe(impact);
      expect((await native(body.id)).body.impact).toBe(level);
    }
  });

  it('shows a todo changed or created another way in ITSM terms', async () => {
    const { body } = await create({ status: 'Pending', priority: 'URGENT', impact: 'ONUSER' });
    const patch = await t.request('PATCH', `/bzctrl-core-api/api/v1/todos/${body.id}`, {
      token: tim,
      body: { status: 'DONE', priority: 'MEDIUM', impact: 'HIGH' },
    });
    expect(patch.status, patch.text).toBe(200);
    expect((await get(body.id)).body).toMatchObject({
      status: 'Resolved',
      priority: 'MEDIUM',
      impact: 'ONBUSINESS',
    });

    const user = await t.login('username@example.com');
    const added = await t.request('POST', '/bzctrl-core-api/api/v1/task/add-task', {
      token: user,
      body: {
        todoType: 'INCIDENT',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Seal broken',
        description: 'Container 7',
        reporter: 'username@example.com',
        impact: 'MEDIUM',
        priority: 'HIGH',
        status: 'INPROGRESS',
        tags: ['seal'],
      },
    });
    expect(added.status, added.text).toBe(201);
    expect((await get(added.body.id, user)).body).toEqual({
      requesterEmail: 'username@example.com',
      requesterName: 'Seed User',
      ccEmailSet: [],
      subject: 'Seal broken',
      description: 'Container 7',
      categoryName: 'Incident',
      status: 'In Progress',
      impact: 'ONDEPARTMENT',
      priority: 'HIGH',
      urgency: 'LOW',
      locationName: null,
      tags: ['seal'],
      spam: false,
      fileAttachments: null,
      customFieldValueDetails: {},
    });
  });

  it('discovers custom fields for any authenticated caller, and keeps a LONG exact', async () => {
    const ann = await t.login('ann@acme.com', 'Ann-pass-01');
    const form = await t.request('GET', '/api/ususer/form/incident', { token: ann });
    expect(form.status).toBe(200);
    expect(form.body.module).toBe('incident');
    expect(form.body.fields.find((f: { name: string }) => f.name === 'Severity')).toEqual({
      id: fields.Severity?.id,
      name: 'Severity',
      type: 1,
      typeName: 'STRING',
      valueKey: 'stringValue',
      required: false,
      options: ['Open', 'Minor', 'Major'],
    });
    const task = await t.request('GET', '/api/ususer/form/TASK', { token: ann });
    expect(task.body.fields.map((f: { name: string }) => f.name)).toEqual(['Asset tag']);
    expectFailure(
      await t.request('GET', '/api/ususer/form/problem', { token: ann }),
      404,
      /problem/,
    );

    const id = (n: string) => fields[n]?.id;
    // Written by hand: JSON.stringify could not hold 9007199254740993.
    const body = `{"subject":"Custom","requesterEmail":"tim@acme.com","categoryName":"Incident",
      "customFieldValueDetails":{
        "${id('Severity')}":{"type":1,"stringValue":"major"},
        "${id('Serial')}":{"type":5,"longValue":${LONG}},
        "${id('Affected users')}":{"type":2,"integerValue":12},
        "${id('Ratio')}":{"type":3,"doubleValue":0.25},
        "${id('Remote')}":{"type":4,"booleanValue":true},
        "${id('Ports')}":{"type":7,"integerListValue":[80,443]},
        "${id('Systems')}":{"type":8,"stringListValue":["ERP","WMS"]},
        "${id('Notes')}":{"type":10,"stringValue":"long text"}}}`;
    const res = await json('POST', '/api/v1/incident', body);
    expect(res.status, res.text).toBe(200);
    const got = await get(res.body.id);
    expect(got.text).toContain(`"longValue":${LONG}}`);
    expect(got.body.customFieldValueDetails[String(id('Severity'))]).toEqual({
      type: 1,
      stringValue: 'Major',
    });
    expect(got.body.customFieldValueDetails[String(id('Ports'))]).toEqual({
      type: 7,
      integerListValue: [80, 443],
    });
    expect(got.body.customFieldValueDetails[String(id('Remote'))]).toEqual({
      type: 4,
      booleanValue: true,
    });
    expect(Object.keys(got.body.customFieldValueDetails)).toHaveLength(8);
    // The native API shows the LONG as its exact digits.
    expect((await native(res.body.id)).body.customFields.Serial).toBe(LONG);

    // The seed's null value removes a value; an update changes one.
    await json(
      'POST',
      `/api/v1/incident/${res.body.id}`,
      `{"customFieldValueDetails":{"${id('Severity')}":{"type":1,"stringValue":null},"${id('Serial')}":{"type":5,"longValue":-9223372036854775808}}}`,
    );
    const after = await get(res.body.id);
    expect(after.body.customFieldValueDetails[String(id('Severity'))]).toBeUndefined();
    expect(after.text).toContain('"longValue":-9223372036854775808}');

    expectFailure(
      await create({
        categoryName: 'Incident',
        customFieldValueDetails: { [String(id('Serial'))]: { type: 1, stringValue: 'x' } },
      }),
      400,
      new RegExp(`customFieldValueDetails\\.${id('Serial')}\\.type: must be 5 \\(LONG\\)`),
    );
    expectFailure(
      await create({
        categoryName: 'Incident',
        customFieldValueDetails: { 999: { type: 1, stringValue: 'x' } },
      }),
      400,
      /customFieldValueDetails\.999: is not a custom field of incident/,
    );
    expectFailure(
      await create({
        categoryName: 'Incident',
        customFieldValueDetails: { [String(id('Serial'))]: { type: 5, stringValue: '1' } },
      }),
      400,
      /stringValue: is not the value key of type 5 \(LONG\); use longValue/,
    );
    expectFailure(
      await create({
        categoryName: 'Incident',
        customFieldValueDetails: { [String(id('Severity'))]: { type: 1, stringValue: 'Blocker' } },
      }),
      400,
      new RegExp(
        `customFieldValueDetails\\.${id('Severity')}: "Blocker" is not one of Open, Minor, Major`,
      ),
    );
    expectFailure(
      await json(
        'POST',
        '/api/v1/incident',
        `{"subject":"s","requesterEmail":"tim@acme.com","categoryName":"Incident","customFieldValueDetails":{"${id('Serial')}":{"type":5,"longValue":92233720368547758080}}}`,
      ),
      400,
      new RegExp(
        `customFieldValueDetails\\.${id('Serial')}: must be a whole number between -2\\^63 and 2\\^63-1`,
      ),
    );
    // An incident field is not a task field.
    expectFailure(
      await create({
        customFieldValueDetails: { [String(id('Serial'))]: { type: 5, longValue: 1 } },
      }),
      400,
      /is not a custom field of task/,
    );
  });

  it('answers every failure in the envelope with a fitting status', async () => {
    const none = await t.request('POST', '/api/v1/incident', { body: { subject: 's' } });
    expectFailure(none, 401, /Bearer/);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await t.request('GET', '/api/v1/incident/1', { token: 'not-a-token' });
    expectFailure(bad, 401, /invalid, expired or revoked/);
    expect(bad.headers.get('www-authenticate')).toMatch(/invalid_token/);

    expectFailure(await create({ subject: undefined }), 400, /subject: is required/);
    expectFailure(await create({ subject: '  ' }), 400, /subject: must not be empty/);
    expectFailure(
      await create({ requesterEmail: 'nobody@acme.com' }),
      400,
      /requesterEmail: no active user nobody@acme.com with access to workspace ACME-IT/,
    );
    expectFailure(
      await create({ requesterEmail: 'example@example.com' }),
      400,
      /requesterEmail: no active user example@example.com with access to workspace ACME-IT/,
    );
    expectFailure(
      await create({ ccEmailSet: ['ann@acme.com', 'ghost@acme.com'] }),
      400,
      /ccEmailSet\[1\]: no active user ghost@acme.com with access to workspace ACME-IT/,
    );
    expectFailure(
      await create({ locationName: 'Atlantis' }),
      400,
      /locationName: no location named "Atlantis"/,
    );
    expectFailure(
      await create({ impact: 'HUGE' }),
      400,
      /impact: "HUGE" is not one of LOW, ONUSER/,
    );
    expectFailure(
      await create({ priority: 'NOW' }),
      400,
      /priority: "NOW" is not one of LOW, MEDIUM, HIGH, URGENT/,
    );
    expectFailure(await create({ urgency: 'x' }), 400, /urgency: "x" is not one of/);
    expectFailure(
      await create({ status: 'Done' }),
      400,
      /status: "Done" is not one of Open, In Progress/,
    );
    expectFailure(await create({ subjct: 'typo' }), 400, /subjct: is not a field of an incident/);
    expectFailure(
      await create({ categoryName: 'c'.repeat(101) }),
      400,
      /categoryName: must be at most 100 characters/,
    );
    expectFailure(await create({ tags: 'x', spam: 'maybe' }), 400, /spam/);
    expectFailure(
      await create({ impact: 'HUGE', locationName: 'Atlantis' }),
      400,
      /impact: .*; locationName: /,
    );
    expectFailure(await json('POST', '/api/v1/incident', '{"subject":'), 400, /not valid JSON/);
    expectFailure(
      await json('POST', '/api/v1/incident', '{"__proto__":{"x":1},"subject":"s"}'),
      400,
      /JSON/,
    );

    const { body } = await create({});
    expectFailure(
      await json('POST', `/api/v1/incident/${body.id}`, {}),
      400,
      /send at least one field/,
    );
    expectFailure(
      await json('POST', `/api/v1/incident/${body.id}`, { ccEmailSet: ['ann@acme.com'] }),
      400,
      /ccEmailSet: can be set on create only/,
    );
    expectFailure(
      await json('POST', `/api/v1/incident/${body.id}`, { subject: '' }),
      400,
      /subject: may not be cleared/,
    );
    expectFailure(await get(99999999), 404, /No todo 99999999/);
    expectFailure(await get('ACME-IT-01'), 404, /No incident ACME-IT-01/);
    expectFailure(await json('POST', '/api/v1/incident/99999999', { spam: true }), 404, /No todo/);

    // A read-only token may read but not write.
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'ann@acme.com',
      password: 'Ann-pass-01',
      scope: 'todo:read',
    });
    const ro = (await t.request('POST', '/api/oauth/token', { body: form })).body.access_token;
    expect((await get(body.id, ro)).status).toBe(200);
    expectFailure(await create({}, ro), 403, /todo:write/);

    // An Idempotency-Key reused for another body is 422, in the envelope.
    const key = { 'idempotency-key': `itsm-${dialect}-reuse` };
    const first = await json(
      'POST',
      '/api/v1/incident',
      { subject: 'a', requesterEmail: 'tim@acme.com' },
      tim,
      key,
    );
    expect(first.status).toBe(200);
    expectFailure(
      await json(
        'POST',
        '/api/v1/incident',
        { subject: 'b', requesterEmail: 'tim@acme.com' },
        tim,
        key,
      ),
      422,
      /Idempotency-Key/,
    );
  });

  it('refuses a body over the limit with 413', async () => {
    const small = await startTestServer(dialect, { env: { BZCTRL_BODY_LIMIT: '2048' } });
    try {
      const token = await small.login('username@example.com');
      const res = await small.request('POST', '/api/v1/incident', {
        token,
        body: {
          subject: 'x',
          requesterEmail: 'username@example.com',
          description: 'y'.repeat(4000),
        },
      });
      expectFailure(res, 413, /larger than this server accepts/);
    } finally {
      await small.close();
    }
  });

  it('lands in the client default workspace, or the only one, else names the problem', async () => {
    // The user alone has one workspace.
    const single = await t.login('username@example.com');
    const a = await create({ requesterEmail: 'username@example.com' }, single);
    expect((await native(a.body.id, single)).body.workspace).toBe('IMP-NLD-EXA-SWA');
    // Two workspaces, through the ERP client whose default is IMP-NLD-EXA-SWA.
    const erpForm = new FormData();
    erpForm.set('username', 'example@example.com');
    erpForm.set('password', 'Ex@mpl3!');
    erpForm.set('grant_type', 'password');
    const erp = await t.request('POST', '/api/oauth/token', {
      body: erpForm,
      headers: { authorization: `Basic ${btoa('erp:erp-client-secret-0001')}` },
    });
    const b = await create({ requesterEmail: 'example@example.com' }, erp.body.access_token);
    expect(b.status, b.text).toBe(200);
    expect((await native(b.body.id, erp.body.access_token)).body.workspace).toBe('IMP-NLD-EXA-SWA');
    // Two workspaces and no client: nowhere to land.
    const several = await t.login('example@example.com');
    expectFailure(
      await create({ requesterEmail: 'example@example.com' }, several),
      400,
      /workspace: the API client has no default workspace and you may use several/,
    );
  });

  it("keeps tenants apart: another tenant's incident is a 404", async () => {
    const { body } = await create({ subject: 'Secret' });
    const outsider = await t.login('outsider@other.example');
    expectFailure(await get(body.id, outsider), 404, new RegExp(`No todo ${body.id}`));
    expectFailure(
      await json('POST', `/api/v1/incident/${body.id}`, { status: 'Closed' }, outsider),
      404,
      /No todo/,
    );
    expectFailure(
      await t.request('DELETE', `/api/v1/incident/${body.id}`, { token: outsider }),
      404,
      /No todo/,
    );
    expect((await get(body.id)).body.status).toBe('Open');
  });

  it('deletes an incident on both paths', async () => {
    for (const path of ['/api/v1/incident', '/api/incident']) {
      const { body } = await create({});
      const del = await t.request('DELETE', `${path}/${body.id}`, { token: tim });
      expect(del.text).toBe(
        `{"returnCode":"SUCCESS","status":0,"userMessage":null,"id":${body.id}}`,
      );
      expectFailure(await get(body.id), 404, /No todo/);
      expect((await native(body.id)).status).toBe(404);
    }
  });

  it('replays a create with the same Idempotency-Key instead of creating twice', async () => {
    const headers = { 'idempotency-key': `itsm-${dialect}-once` };
    const body = { subject: 'Once', requesterEmail: 'tim@acme.com' };
    const first = await json('POST', '/api/v1/incident', body, tim, headers);
    const again = await json('POST', '/api/v1/incident', body, tim, headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    const list = await t.request('GET', '/bzctrl-core-api/api/v1/todos?q=Once', { token: tim });
    expect(list.body.items.filter((i: { title: string }) => i.title === 'Once')).toHaveLength(1);
  });

  describe('attachments', () => {
    const oprfile = async (name: string, content: string, token = tim) => {
      const fd = new FormData();
      fd.append('file', new Blob([content]), name);
      const res = await t.request('POST', '/api/oprfile', { token, body: fd });
      expect(res.status, res.text).toBe(200);
      return res.body.refFileName as string;
    };
    const attached = async (id: number) => {
      const key = (await native(id)).body.key;
      const res = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}/attachments`, {
        token: tim,
      });
      expect(res.status, res.text).toBe(200);
      return res.body.items.map((i: { name: string }) => i.name);
    };
    const history = async (id: number) => {
      const res = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${id}/history`, {
        token: tim,
      });
      return res.body.items.map((e: { action: string; dialect: string }) => [e.action, e.dialect]);
    };
    const todoCount = async () =>
      (await t.server.db.kysely.selectFrom('todos').select('id').execute()).length;
    const uploadRow = (ref: string) =>
      t.server.db.kysely
        .selectFrom('attachments')
        .select(['todoId'])
        .where('ref', '=', ref)
        .executeTakeFirstOrThrow();

    it('attaches attachmentsRefNames on create; GET lists them with download links', async () => {
      const [a, b] = [await oprfile('screen.txt', 'the screen'), await oprfile('log.txt', 'log')];
      const res = await create({ subject: 'Broken screen', attachmentsRefNames: [a, b] });
      expect(res.status, res.text).toBe(200);
      const { key } = (await native(res.body.id)).body;
      const items = (
        await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}/attachments`, {
          token: tim,
        })
      ).body.items as { id: number }[];
      const link = (id: number) =>
        `https://bzctrl.test/bzctrl-core-api/api/v1/todos/${key}/attachments/${id}`;
      expect((await get(res.body.id)).body.fileAttachments).toEqual([
        { refFileName: a, realName: 'screen.txt', link: link(items[0]?.id as number) },
        { refFileName: b, realName: 'log.txt', link: link(items[1]?.id as number) },
      ]);
      expect(await attached(res.body.id)).toEqual(['screen.txt', 'log.txt']);
      expect(await history(res.body.id)).toEqual([
        ['create', 'itsm'],
        ['attach', 'itsm'],
        ['attach', 'itsm'],
      ]);
      // The link downloads the file (the public URL stands for this server).
      const [first] = (await get(res.body.id)).body.fileAttachments;
      const download = await t.request('GET', first.link.replace('https://bzctrl.test', ''), {
        token: tim,
      });
      expect(download.status).toBe(200);
      expect(download.text).toBe('the screen');
    });

    it('refuses a bad reference on create in the envelope, and stores nothing', async () => {
      const mine = await oprfile('mine.txt', 'mine');
      const before = await todoCount();
      expectFailure(
        await create({ attachmentsRefNames: [mine, 'no-such-reference'] }),
        400,
        /^attachmentsRefNames\[1\]: is not an upload reference of yours/,
      );
      expect(await todoCount()).toBe(before);
      expect((await uploadRow(mine)).todoId).toBeNull();
      // null and [] attach nothing; one string alone is a list of one.
      for (const none of [null, []]) {
        const res = await create({ attachmentsRefNames: none });
        expect(res.status, res.text).toBe(200);
        expect((await get(res.body.id)).body.fileAttachments).toBeNull();
      }
      const one = await create({ attachmentsRefNames: mine });
      expect(one.status, one.text).toBe(200);
      expect(await attached(one.body.id)).toEqual(['mine.txt']);
      // Attached once, it cannot be attached again.
      expectFailure(
        await create({ attachmentsRefNames: [mine] }),
        400,
        /attachmentsRefNames\[0\]: is already attached/,
      );
      expect(await todoCount()).toBe(before + 3);
    });

    it("refuses another user's upload, on create and on update", async () => {
      const ann = await t.login('ann@acme.com', 'Ann-pass-01');
      const theirs = await oprfile('theirs.txt', 'theirs', ann);
      const before = await todoCount();
      expectFailure(
        await create({ attachmentsRefNames: [theirs] }),
        400,
        /attachmentsRefNames\[0\]: is not an upload reference of yours/,
      );
      expect(await todoCount()).toBe(before);
      const { body } = await create({ subject: 'Mine' });
      expectFailure(
        await json('POST', `/api/v1/incident/${body.id}`, {
          subject: 'Changed',
          attachmentsRefNames: [theirs],
        }),
        400,
        /attachmentsRefNames\[0\]: is not an upload reference of yours/,
      );
      expect((await get(body.id)).body).toMatchObject({ subject: 'Mine', fileAttachments: null });
      expect((await uploadRow(theirs)).todoId).toBeNull();
    });

    it('attaches on update, alone or with other changes, atomically', async () => {
      const { body } = await create({ subject: 'Laptop' });
      const alone = await oprfile('photo.txt', 'photo');
      const onlyAttach = await json('POST', `/api/v1/incident/${body.id}`, {
        attachmentsRefNames: [alone],
      });
      expect(onlyAttach.status, onlyAttach.text).toBe(200);
      expect(onlyAttach.body).toEqual({
        returnCode: 'SUCCESS',
        status: 0,
        userMessage: null,
        id: body.id,
      });
      // Attaching is audited on its own; no field changed, so no update event.
      expect(await history(body.id)).toEqual([
        ['create', 'itsm'],
        ['attach', 'itsm'],
      ]);

      const withField = await oprfile('invoice.txt', 'invoice');
      const upd = await json('POST', `/api/incident/${body.id}`, {
        status: 'Resolved',
        attachmentsRefNames: [withField],
      });
      expect(upd.status, upd.text).toBe(200);
      const shown = (await get(body.id)).body;
      expect(shown.status).toBe('Resolved');
      expect(shown.fileAttachments.map((f: { realName: string }) => f.realName)).toEqual([
        'photo.txt',
        'invoice.txt',
      ]);

      // A bad reference undoes the field change too.
      const third = await oprfile('third.txt', 'third');
      expectFailure(
        await json('POST', `/api/v1/incident/${body.id}`, {
          status: 'Open',
          attachmentsRefNames: [third, third],
        }),
        400,
        /attachmentsRefNames\[1\]: is listed twice/,
      );
      expect((await get(body.id)).body.status).toBe('Resolved');
      expect(await attached(body.id)).toEqual(['photo.txt', 'invoice.txt']);
      expect((await uploadRow(third)).todoId).toBeNull();
    });

    it("never attaches to or lists another tenant's incident", async () => {
      const secret = await oprfile('secret.txt', 'secret');
      const { body } = await create({ subject: 'Private', attachmentsRefNames: [secret] });
      const outsider = await t.login('outsider@other.example');
      const theirs = await oprfile('outsider.txt', 'x', outsider);
      expectFailure(
        await json(
          'POST',
          `/api/v1/incident/${body.id}`,
          { attachmentsRefNames: [theirs] },
          outsider,
        ),
        404,
        /No todo/,
      );
      expect((await uploadRow(theirs)).todoId).toBeNull();
      expectFailure(await get(body.id, outsider), 404, /No todo/);
      const key = (await native(body.id)).body.key;
      const list = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}/attachments`, {
        token: outsider,
      });
      expect(list.status).toBe(404);
    });
  });
});
