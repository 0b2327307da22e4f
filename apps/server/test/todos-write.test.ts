import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateProvisionDoc } from '../src/core/provisioning/provision.service.ts';
import {
  dialects,
  fixture,
  PASSWORDS,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

const TODOS = '/bzctrl-core-api/api/v1/todos';
const ADD = '/bzctrl-core-api/api/v1/task/add-task';

/** The fixture plus custom fields of both modules. */
const provision = validateProvisionDoc({
  ...fixture,
  customFields: [
    { module: 'task', name: 'Vessel', type: 1, required: false },
    { module: 'task', name: 'Berth', type: 2 },
    { module: 'task', name: 'Draft', type: 3 },
    { module: 'task', name: 'Hazardous', type: 4 },
    { module: 'task', name: 'Severity', type: 1, options: ['Minor', 'Major'] },
    { module: 'task', name: 'Zones', type: 7, options: ['1', '2', '3'] },
    { module: 'task', name: 'Containers', type: 8 },
    { module: 'incident', name: 'Root cause', type: 10, required: true },
  ],
});

const native = (extra: Record<string, unknown> = {}) => ({
  todoType: 'TASK',
  workspace: 'IMP-NLD-EXA-SWA',
  title: 'Check seal numbers',
  description: 'Seal numbers differ from the manifest',
  reporter: 'example@example.com',
  ...extra,
});

const today = () => new Date().toISOString().slice(0, 10);
const fieldsOf = (res: { body: { errors?: { field: string }[] } }) =>
  (res.body.errors ?? []).map((e) => e.field);

describe.each(dialects)('native todo write API on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let seed: string;
  let outsider: string;

  const create = (body: unknown, token = member, query = '') =>
    t.request('POST', `${TODOS}${query}`, { body, token });
  const patch = (ref: string | number, body: unknown, token = member, headers = {}) =>
    t.request('PATCH', `${TODOS}/${ref}`, { body, token, headers });
  const get = (ref: string | number, token = member) =>
    t.request('GET', `${TODOS}/${ref}`, { token });
  const count = async (table: 'todos' | 'auditEvents' | 'mailOutbox' = 'todos') => {
    const r = await t.server.db.kysely
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const seqOf = async () => {
    const r = await t.server.db.kysely
      .selectFrom('workspaces')
      .select('todoSeq')
      .where('key', '=', 'IMP-NLD-EXA-SWA')
      .executeTakeFirstOrThrow();
    return Number(r.todoSeq);
  };
  const audit = (id: number) =>
    t.server.db.kysely
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'todo')
      .where('entityId', '=', id)
      .orderBy('id')
      .execute();
  const fresh = async (extra: Record<string, unknown> = {}) => {
    const res = await create(native(extra));
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestServer(dialect, { provision });
    [member, seed, outsider] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
      t.login('outsider@other.example'),
    ]);
  });
  afterAll(() => t?.close());

  describe('create', () => {
    it('takes the next key with at least two digits and stores what the read shows', async () => {
      const setSeq = (n: number) =>
        t.server.db.kysely
          .updateTable('workspaces')
          .set({ todoSeq: n })
          .where('key', '=', 'IMP-NLD-EXA-SWA')
          .execute();
      // A fresh workspace: the counter only moves forward, so no key is handed out twice.
      expect(await seqOf()).toBeLessThan(8);
      for (const [seq, suffix] of [
        [8, '09'],
        [99, '100'],
      ] as const) {
        await setSeq(seq);
        const created = await fresh({
          tags: ['first', 'second'],
          category: ['Customs', 'Fetsa'],
          subCategory: ['Seals'],
        });
        expect(created.key).toBe(`IMP-NLD-EXA-SWA-${suffix}`);
        const read = await get(created.key);
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({
          key: created.key,
          tags: ['first', 'second'],
          category: ['Customs', 'Fetsa'],
          subCategory: ['Seals'],
        });
        expect(await seqOf()).toBe(seq + 1);
      }
    });

    it('creates a todo with every field, answering 201, Location and ETag', async () => {
      const res = await create(
        native({
          result: 'Pending',
          financialImpact: '1234.5',
          impact: 'High',
          likelihood: 'medium',
          priority: 'LOW',
          status: 'To do',
          assignee: 'username@example.com',
          category: 'Customs',
          subCategory: ['Seals', 'Manifest'],
          orderID: 'SO-1',
          lrn: '24NL01',
          tags: ['urgent'],
          reminderDate: '2030-01-31',
          dueDate: '2030-02-28',
          externalRef: { system: 'SAP', id: 'SO-1/10' },
          watchers: ['username@example.com'],
          customFields: { Vessel: 'Maersk Elba', Berth: 12, Hazardous: true },
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.any(Number),
        key: expect.stringMatching(/^IMP-NLD-EXA-SWA-\d{2,}$/),
        todoType: 'TASK',
        title: 'Check seal numbers',
        result: 'Pending',
        financialImpact: '1234.50',
        financialImpactCurrency: 'EUR',
        impact: 'HIGH',
        likelihood: 'MEDIUM',
        priority: 'LOW',
        status: 'TODO',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
        category: ['Customs'],
        subCategory: ['Seals', 'Manifest'],
        orderID: 'SO-1',
        lrn: '24NL01',
        tags: ['urgent', 'SO-1', '24NL01'],
        reminderDate: '2030-01-31',
        dueDate: '2030-02-28',
        externalRef: { system: 'SAP', id: 'SO-1/10' },
        customFields: { Vessel: 'Maersk Elba', Berth: 12, Hazardous: true },
        workspace: 'IMP-NLD-EXA-SWA',
        createdVia: 'native',
      });
      // The BzCtrl dialect's aliases are its own (docs/decisions.md, "BzCtrl aliases").
      expect(res.body).not.toHaveProperty('taskType');
      expect(res.body).not.toHaveProperty('domainWorkSpace');
      expect(res.body.taskLink).toBe(`https://bzctrl.test/app/#/todo/${res.body.key}`);
      expect(res.headers.get('location')).toBe(`${TODOS}/${res.body.key}`);
      expect(res.headers.get('etag')).toMatch(/^W\/"/);

      const byKey = await get(res.body.key);
      const byId = await get(res.body.id);
      expect(byKey.status).toBe(200);
      expect(byKey.body).toEqual(res.body);
      expect(byId.body).toEqual(res.body);
      expect(byKey.headers.get('etag')).toBe(res.headers.get('etag'));
      // The key is matched case-insensitively.
      expect((await get(res.body.key.toLowerCase())).status).toBe(200);

      const watchers = await t.server.db.kysely
        .selectFrom('todoWatchers')
        .select('userId')
        .where('todoId', '=', res.body.id)
        .execute();
      expect(watchers).toHaveLength(1);
      const [event] = await audit(res.body.id);
      const changes = JSON.parse(event?.changes ?? '{}');
      expect(event?.dialect).toBe('native');
      expect(changes.externalRef).toEqual([null, { system: 'SAP', id: 'SO-1/10' }]);
      expect(changes['customFields.Vessel']).toEqual([null, 'Maersk Elba']);
      expect(changes.watchers).toEqual([null, ['username@example.com']]);
    });

    it('defaults the reporter to the signed-in user, and the workspace to a client default', async () => {
      const res = await create(native({ reporter: undefined }), seed);
      expect(res.status).toBe(201);
      expect(res.body.reporter).toBe('username@example.com');
      expect(res.body.assignee).toBe('username@example.com');

      // example@example.com may use two workspaces and has no default: it must name one.
      const none = await create(native({ workspace: undefined }));
      expect(none.status).toBe(400);
      expect(fieldsOf(none)).toEqual(['workspace']);

      const tokenRes = await t.request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
        headers: {
          authorization: `Basic ${Buffer.from('erp:erp-client-secret-0001').toString('base64')}`,
        },
      });
      const client = await create(native({ workspace: undefined }), tokenRes.body.access_token);
      expect(client.status).toBe(201);
      expect(client.body.workspace).toBe('IMP-NLD-EXA-SWA');
    });

    it('sets the due date to today when created as DONE, whatever dueDate says', async () => {
      const res = await create(native({ status: 'done', dueDate: '2031-01-01' }));
      expect(res.status).toBe(201);
      expect(res.body.dueDate).toBe(today());
    });

    it('names every invalid field at once', async () => {
      const res = await create(
        native({
          impact: 'Huge',
          status: 'EXPIRED',
          financialImpact: '12,50',
          reminderDate: '2024-02-30',
          dueDate: 'tomorrow',
          assignee: 'not-an-email',
          watchers: ['username@example.com', 'nobody@example.com', 'rge@vtti.com'],
          customFields: { Vessel: 7, Berth: 'twelve', Nope: 'x', Severity: 'Catastrophic' },
          externalRef: { system: 'SAP', id: ' ' },
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(new Set(fieldsOf(res))).toEqual(
        new Set([
          'impact',
          'status',
          'financialImpact',
          'reminderDate',
          'dueDate',
          'assignee',
          'watchers[1]',
          'watchers[2]',
          'customFields.Vessel',
          'customFields.Berth',
          'customFields.Nope',
          'customFields.Severity',
          'externalRef.id',
        ]),
      );
      const byField = Object.fromEntries(
        res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
      );
      expect(byField.status).toContain('set by the system only');
      expect(byField['watchers[2]']).toContain('with access to workspace IMP-NLD-EXA-SWA');
      expect(byField['customFields.Nope']).toContain('Vessel');
      expect(byField['customFields.Severity']).toContain('Minor, Major');
    });

    it('refuses unknown and dialect-only fields, then missing ones, naming each', async () => {
      const res = await create({
        ...native(),
        titel: 'typo',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        LRN: 'x',
        key: 'IMP-NLD-EXA-SWA-01',
        externalRef: { system: 'SAP', id: '1', version: 2 },
      });
      expect(res.status).toBe(400);
      const byField = Object.fromEntries(
        res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
      );
      expect(Object.keys(byField).sort()).toEqual(
        ['LRN', 'domainWorkSpace', 'externalRef.version', 'key', 'titel'].sort(),
      );
      expect(byField.titel).toBe('is not a field of a todo');
      expect(byField.domainWorkSpace).toContain('use workspace');
      expect(byField.LRN).toContain('use lrn');

      const missing = await create({
        todoType: 'TASK',
        description: 'd',
        tags: 'one',
        externalRef: { system: 'SAP' },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'title', message: 'is required' },
          { field: 'externalRef.id', message: 'is required' },
        ]),
      );
    });

    it('answers an unknown and a foreign workspace alike', async () => {
      const unknown = await create(native({ workspace: 'NOPE-NOPE-NOPE-X' }));
      const foreign = await create(native({ workspace: 'OTH-BEL-ANT-OPS' }));
      expect(unknown.status).toBe(404);
      expect(foreign.status).toBe(404);
      expect(fieldsOf(foreign)).toEqual(['workspace']);
      expect(foreign.body.code).toBe(unknown.body.code);
    });

    it('checks custom values by type and options, normalizing an option to its spelling', async () => {
      const res = await create(
        native({
          customFields: {
            Draft: '11.25',
            Severity: 'major',
            Zones: [1, '3'],
            Containers: ['MSKU1234565'],
            hazardous: 'false',
          },
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body.customFields).toEqual({
        Draft: 11.25,
        Severity: 'Major',
        Zones: [1, 3],
        Containers: ['MSKU1234565'],
        Hazardous: false,
      });
      const bad = await create(native({ customFields: { Zones: [4], Containers: 'one' } }));
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad).sort()).toEqual(['customFields.Containers', 'customFields.Zones']);
    });

    it('requires the required custom fields of the todo type', async () => {
      const res = await create(native({ todoType: 'INCIDENT' }));
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['customFields.Root cause']);
      const ok = await create(
        native({ todoType: 'INCIDENT', customFields: { 'Root cause': 'Seal broken' } }),
      );
      expect(ok.status).toBe(201);
      // The task module's fields do not apply to an incident.
      const wrong = await create(
        native({ todoType: 'INCIDENT', customFields: { 'Root cause': 'x', Vessel: 'y' } }),
      );
      expect(fieldsOf(wrong)).toEqual(['customFields.Vessel']);
    });
  });

  describe('externalRef', () => {
    it('returns the existing todo with 200 for a repeated reference, changing nothing', async () => {
      const ref = { system: 'SAP', id: 'DUP-1' };
      const first = await create(native({ externalRef: ref }));
      expect(first.status).toBe(201);
      const before = await count();
      const again = await create(native({ externalRef: ref, title: 'Something else' }));
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('location')).toBe(`${TODOS}/${first.body.key}`);
      // The BzCtrl dialect honours it too, and renders the todo its own way.
      const viaAddTask = await t.request('POST', ADD, {
        body: {
          ...native({ externalRef: ref }),
          workspace: undefined,
          domainWorkSpace: 'IMP-NLD-EXA-SWA',
        },
        token: member,
      });
      expect(viaAddTask.status).toBe(200);
      expect(viaAddTask.body.key).toBe(first.body.key);
      expect(viaAddTask.body.title).toBe('Check seal numbers');
      expect(await count()).toBe(before);
      expect(await audit(first.body.id)).toHaveLength(1);

      // Unique per workspace: the same reference elsewhere is another todo.
      const elsewhere = await create(
        native({ externalRef: ref, workspace: 'VTT-NLD-TML-FIN', reporter: 'example@example.com' }),
      );
      expect(elsewhere.status).toBe(201);
      expect(elsewhere.body.id).not.toBe(first.body.id);
    });

    it('stores exactly one todo when creates with the same reference race', async () => {
      const ref = { system: 'WMS', id: `RACE-${dialect}` };
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0
            ? create(native({ externalRef: ref }))
            : t.request('PUT', ADD, {
                body: { ...native({ externalRef: ref }), workspace: 'SWA' },
                token: member,
              }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.key)).size).toBe(1);
      const rows = await t.server.db.kysely
        .selectFrom('todos')
        .select('id')
        .where('externalSystem', '=', 'WMS')
        .where('externalId', '=', ref.id)
        .execute();
      expect(rows).toHaveLength(1);
    });

    it('refuses a PATCH to a reference another todo holds with 409', async () => {
      await fresh({ externalRef: { system: 'SAP', id: 'HELD' } });
      const other = await fresh();
      const res = await patch(other.key, { externalRef: { system: 'SAP', id: 'HELD' } });
      expect(res.status).toBe(409);
      expect(fieldsOf(res)).toEqual(['externalRef']);
    });
  });

  describe('dryRun', () => {
    it('checks everything on every create route and stores nothing', async () => {
      const todosBefore = await count();
      const auditBefore = await count('auditEvents');
      const seqBefore = await seqOf();

      const nat = await create(
        native({
          status: 'DONE',
          customFields: { Vessel: 'Elba' },
          watchers: ['username@example.com'],
        }),
        member,
        '?dryRun=true',
      );
      expect(nat.status).toBe(200);
      expect(nat.body).toMatchObject({
        id: null,
        key: null,
        taskLink: null,
        createdAt: null,
        title: 'Check seal numbers',
        status: 'DONE',
        dueDate: today(),
        customFields: { Vessel: 'Elba' },
        workspace: 'IMP-NLD-EXA-SWA',
      });
      const addTask = { ...native(), workspace: undefined, domainWorkSpace: 'IMP-NLD-EXA-SWA' };
      for (const method of ['POST', 'PUT']) {
        const res = await t.request(method, `${ADD}?dryRun=true`, { body: addTask, token: member });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ key: null, taskType: 'TASK', priority: null });
      }
      for (const method of ['PUT', 'POST']) {
        const res = await t.request(method, '/api/task?dryRun=true', {
          body: { type: 'Incident', title: 't', description: 'd', workspace: 'Inbound Control' },
          token: member,
        });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: 'Success', reference: null, url: null });
      }
      expect(await count()).toBe(todosBefore);
      expect(await count('auditEvents')).toBe(auditBefore);
      expect(await seqOf()).toBe(seqBefore);
      // The next real create takes the next number: none was used up.
      const real = await fresh();
      expect(real.key).toBe(`IMP-NLD-EXA-SWA-${String(seqBefore + 1).padStart(2, '0')}`);
    });

    it('gives the same errors as a real create', async () => {
      const body = native({ impact: 'Huge', reporter: 'nobody@example.com' });
      const dry = await create(body, member, '?dryRun=true');
      const real = await create(body);
      expect(dry.status).toBe(400);
      expect(dry.body.errors).toEqual(real.body.errors);
      const short = await t.request('PUT', '/api/task?dryRun=true', {
        body: { title: 't', description: 'd', workspace: 'SWA' },
        token: member,
      });
      expect(fieldsOf(short)).toEqual(['type']);
    });
  });

  describe('PATCH', () => {
    it('changes each kind of field, forgiving enum spelling and clearing with null', async () => {
      const todo = await fresh({ priority: 'HIGH', result: 'x', financialImpact: 10 });
      const res = await patch(todo.key, {
        title: '  New title ',
        result: null,
        financialImpact: '99.9',
        impact: 'high',
        priority: null,
        status: 'In Progress',
        assignee: 'username@example.com',
        category: 'Customs',
        subCategory: ['A', 'B'],
        reminderDate: '2031-05-01',
        dueDate: '2031-06-01',
        todoType: 'incident',
        customFields: { 'Root cause': 'Human error' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        key: todo.key,
        title: 'New title',
        result: null,
        financialImpact: '99.90',
        impact: 'HIGH',
        priority: null,
        status: 'INPROGRESS',
        assignee: 'username@example.com',
        category: ['Customs'],
        subCategory: ['A', 'B'],
        reminderDate: '2031-05-01',
        dueDate: '2031-06-01',
        todoType: 'INCIDENT',
        customFields: { 'Root cause': 'Human error' },
      });
      expect(res.body.updatedAt > todo.updatedAt || res.body.updatedAt === todo.updatedAt).toBe(
        true,
      );
      expect((await get(todo.key)).body).toEqual(res.body);
      expect(res.headers.get('etag')).toBe((await get(todo.key)).headers.get('etag'));
    });

    it('moves to DONE with the due date set to today, even when a dueDate is sent', async () => {
      const todo = await fresh();
      const res = await patch(todo.id, { status: 'DONE', dueDate: '2040-01-01' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'DONE', dueDate: today() });
      const expired = await patch(todo.id, { status: 'expired' });
      expect(expired.status).toBe(400);
      expect(expired.body.errors[0]).toMatchObject({ field: 'status' });
      expect(expired.body.errors[0].message).toContain('set by the system only');
    });

    it('keeps orderID and lrn among the tags', async () => {
      const todo = await fresh({ orderID: 'SO-1', lrn: 'LRN-1', tags: ['a'] });
      expect(todo.tags).toEqual(['a', 'SO-1', 'LRN-1']);
      const r1 = await patch(todo.key, { orderID: 'SO-2' });
      expect(r1.body.tags).toEqual(['a', 'LRN-1', 'SO-2']);
      const r2 = await patch(todo.key, { lrn: null, tags: ['b'] });
      expect(r2.body).toMatchObject({ lrn: null, orderID: 'SO-2', tags: ['b', 'SO-2'] });
      const row = await t.server.db.kysely
        .selectFrom('todos')
        .select('tagsText')
        .where('id', '=', todo.id)
        .executeTakeFirstOrThrow();
      expect(row.tagsText).toBe('b SO-2');
    });

    it('re-arms the reminder when the reminder date changes', async () => {
      const todo = await fresh({ reminderDate: '2030-01-01' });
      await t.server.db.kysely
        .updateTable('todos')
        .set({ reminderSentFor: '2030-01-01' })
        .where('id', '=', todo.id)
        .execute();
      const sentFor = async () =>
        (
          await t.server.db.kysely
            .selectFrom('todos')
            .select('reminderSentFor')
            .where('id', '=', todo.id)
            .executeTakeFirstOrThrow()
        ).reminderSentFor;
      await patch(todo.key, { title: 'Other' });
      expect(await sentFor()).toBe('2030-01-01');
      await patch(todo.key, { reminderDate: '2030-02-01' });
      expect(await sentFor()).toBeNull();
    });

    it('refuses each read-only and unknown field by name, and an empty patch', async () => {
      const todo = await fresh();
      const res = await patch(todo.key, {
        title: 'ok',
        workspace: 'VTT-NLD-TML-FIN',
        domainWorkSpace: 'VTT-NLD-TML-FIN',
        key: 'X-1',
        id: 1,
        createdAt: '2020-01-01T00:00:00Z',
        updatedAt: '2020-01-01T00:00:00Z',
        createdVia: 'x',
        taskLink: 'x',
        creator: 'x',
        location: 'Rotterdam',
        colour: 'red',
      });
      expect(res.status).toBe(400);
      const byField = Object.fromEntries(
        res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
      );
      expect(Object.keys(byField).sort()).toEqual(
        [
          'colour',
          'createdAt',
          'createdVia',
          'creator',
          'domainWorkSpace',
          'id',
          'key',
          'location',
          'taskLink',
          'updatedAt',
          'workspace',
        ].sort(),
      );
      expect(byField.workspace).toContain('may not be changed');
      expect(byField.location).toContain('ITSM');
      expect(byField.colour).toContain('is not a field of a todo');
      expect((await get(todo.key)).body.title).toBe(todo.title);

      const inRef = await patch(todo.key, { externalRef: { system: 'SAP', id: '1', rev: 2 } });
      expect(inRef.status).toBe(400);
      expect(inRef.body.errors).toEqual([
        { field: 'externalRef.rev', message: 'is not a known field' },
      ]);

      const empty = await patch(todo.key, {});
      expect(empty.status).toBe(400);
      expect(fieldsOf(empty)).toEqual(['body']);
      // The fields it lists are the native API's names.
      expect(empty.body.errors[0].message).toContain('orderID');
      expect(empty.body.errors[0].message).not.toContain('orderId');
      const cleared = await patch(todo.key, { title: null, reporter: '', todoType: null });
      expect(cleared.status).toBe(400);
      expect(fieldsOf(cleared).sort()).toEqual(['reporter', 'title', 'todoType']);
    });

    it('checks people against the workspace', async () => {
      const todo = await fresh();
      const res = await patch(todo.key, {
        assignee: 'rge@vtti.com',
        reporter: 'ghost@example.com',
      });
      expect(res.status).toBe(400);
      expect(fieldsOf(res).sort()).toEqual(['assignee', 'reporter']);
      // null: the assignee becomes the reporter again.
      const a = await patch(todo.key, { assignee: 'username@example.com' });
      expect(a.body.assignee).toBe('username@example.com');
      const b = await patch(todo.key, { assignee: null });
      expect(b.body.assignee).toBe('example@example.com');
    });

    it('audits only what changed, and a patch that changes nothing writes nothing', async () => {
      const todo = await fresh({ priority: 'LOW', customFields: { Vessel: 'A' } });
      const res = await patch(todo.key, {
        title: todo.title,
        priority: 'medium',
        status: 'INPROGRESS',
        customFields: { Vessel: 'B', Berth: 3 },
      });
      expect(res.status).toBe(200);
      const events = await audit(todo.id);
      expect(events.map((e) => e.action)).toEqual(['create', 'update']);
      expect(JSON.parse(events[1]?.changes ?? '{}')).toEqual({
        priority: ['LOW', 'MEDIUM'],
        'customFields.Vessel': ['A', 'B'],
        'customFields.Berth': [null, 3],
      });
      expect(events[1]).toMatchObject({
        dialect: 'native',
        actorLabel: 'user:example@example.com',
      });

      const same = await patch(todo.key, { priority: 'Medium', title: todo.title });
      expect(same.status).toBe(200);
      expect(same.body.updatedAt).toBe(res.body.updatedAt);
      expect(await audit(todo.id)).toHaveLength(2);

      const removed = await patch(todo.key, { customFields: { Berth: null } });
      expect(removed.body.customFields).toEqual({ Vessel: 'B' });
    });

    it('queues a mail to every watcher but the actor', async () => {
      const todo = await fresh({ watchers: ['username@example.com', 'example@example.com'] });
      const res = await patch(todo.key, { status: 'DONE' });
      expect(res.status).toBe(200);
      const mails = await t.server.db.kysely
        .selectFrom('mailOutbox')
        .selectAll()
        .where('todoId', '=', todo.id)
        .execute();
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ toAddress: 'username@example.com', kind: 'watch' });
      expect(mails[0]?.subject).toContain(`[${todo.key}] status: INPROGRESS → DONE`);
      expect(mails[0]?.bodyText).toContain(todo.taskLink);
      expect(mails[0]?.bodyText).toContain(`dueDate: (none) → ${today()}`);
    });

    it('never loses one of two concurrent changes', async () => {
      const todo = await fresh();
      const results = await Promise.all([
        patch(todo.key, { title: 'Concurrent title' }),
        patch(todo.key, { priority: 'HIGH' }),
        patch(todo.key, { tags: ['x'] }),
        patch(todo.key, { customFields: { Vessel: 'V' } }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const back = (await get(todo.key)).body;
      expect(back).toMatchObject({
        title: 'Concurrent title',
        priority: 'HIGH',
        tags: ['x'],
        customFields: { Vessel: 'V' },
      });
      expect(await audit(todo.id)).toHaveLength(5);
    });

    it('refuses a change based on a stale ETag with 412', async () => {
      const todo = await fresh();
      const read = await get(todo.key);
      const etag = read.headers.get('etag') ?? '';
      expect((await patch(todo.key, { title: 'First' }, member, { 'if-match': etag })).status).toBe(
        200,
      );
      const stale = await patch(todo.key, { title: 'Second' }, member, { 'if-match': etag });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('precondition_failed');
      expect((await get(todo.key)).body.title).toBe('First');
    });
  });

  describe('DELETE', () => {
    it('soft-deletes: 204, then 404 everywhere, audited, key never reused', async () => {
      const todo = await fresh({ externalRef: { system: 'SAP', id: 'DEL-1' } });
      const res = await t.request('DELETE', `${TODOS}/${todo.key}`, { token: member });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await get(todo.key)).status).toBe(404);
      expect((await get(todo.id)).status).toBe(404);
      expect((await patch(todo.key, { title: 'x' })).status).toBe(404);
      expect((await t.request('DELETE', `${TODOS}/${todo.key}`, { token: member })).status).toBe(
        404,
      );
      expect(
        (await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${todo.key}`, { token: member }))
          .status,
      ).toBe(404);
      const events = await audit(todo.id);
      expect(events.map((e) => e.action)).toEqual(['create', 'delete']);
      expect(JSON.parse(events[1]?.changes ?? '{}').externalRef).toEqual([
        { system: 'SAP', id: 'DEL-1' },
        null,
      ]);
      // The reference is free again; the new todo gets a new key.
      const again = await create(native({ externalRef: { system: 'SAP', id: 'DEL-1' } }));
      expect(again.status).toBe(201);
      expect(Number(again.body.key.split('-').pop())).toBeGreaterThan(
        Number(todo.key.split('-').pop()),
      );
    });
  });

  it('describes the routes in the OpenAPI document', async () => {
    const res = await t.request('GET', '/bzctrl-core-api/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths[TODOS] ?? {})).toContain('post');
    expect(Object.keys(paths[`${TODOS}/{ref}`] ?? {}).sort()).toEqual(
      expect.arrayContaining(['delete', 'get', 'patch']),
    );
    expect(res.text).toContain('TodoPreview');
  });

  describe('tenant isolation and scopes', () => {
    it("answers another workspace's todo like a missing one, for GET, PATCH and DELETE", async () => {
      const todo = await fresh();
      const missing = `${TODOS}/IMP-NLD-EXA-SWA-9999`;
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { title: 'mine now' }],
        ['DELETE', undefined],
      ] as const) {
        const foreign = await t.request(method, `${TODOS}/${todo.key}`, { body, token: outsider });
        const byId = await t.request(method, `${TODOS}/${todo.id}`, { body, token: outsider });
        const none = await t.request(method, missing, { body, token: outsider });
        expect([foreign.status, byId.status, none.status]).toEqual([404, 404, 404]);
        expect(foreign.body.code).toBe(none.body.code);
      }
      expect((await get(todo.key)).body.title).toBe(todo.title);
      // A member of only the other workspace cannot create in this one either.
      const vtti = await t.login('rge@vtti.com');
      expect((await create(native(), vtti)).status).toBe(404);
    });

    it('needs todo:write to change and todo:read to read', async () => {
      const todo = await fresh();
      const tokenRes = await t.request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'example@example.com',
          password: PASSWORDS['example@example.com'] ?? '',
          scope: 'todo:read',
        }),
      });
      expect(tokenRes.status).toBe(200);
      const readOnly = tokenRes.body.access_token;
      expect((await get(todo.key, readOnly)).status).toBe(200);
      expect((await patch(todo.key, { title: 'x' }, readOnly)).status).toBe(403);
      expect((await create(native(), readOnly)).status).toBe(403);
      expect((await t.request('DELETE', `${TODOS}/${todo.key}`, { token: readOnly })).status).toBe(
        403,
      );
      expect((await t.request('GET', `${TODOS}/${todo.key}`)).status).toBe(401);
    });
  });
});
