import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import { dialects, type Reply, startTestServer, type TestServer } from './support/harness.ts';

const ADMIN = '/bzctrl-core-api/api/v1/admin';
const TOKEN = '/bzctrl-core-api/oauth/token';
const ADD = '/bzctrl-core-api/api/v1/task/add-task';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const fieldsOf = (res: Reply) => (res.body.errors ?? []).map((e: { field: string }) => e.field);

describe.each(dialects)('admin API on %s', (dialect) => {
  let t: TestServer;
  let admin: string;

  /** An admin call; the body, if any, is JSON. */
  const call = (method: string, path: string, body?: unknown, token = admin) =>
    t.request(method, `${ADMIN}${path}`, { token, ...(body === undefined ? {} : { body }) });
  const clientToken = (clientId: string, secret: string) =>
    t.request('POST', TOKEN, {
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
      headers: { authorization: basic(clientId, secret) },
    });
  /** A new client of IMP-NLD-EXA-SWA, its secret and an access token of it. */
  const clientWithToken = async (clientId: string, name: string) => {
    const made = await call('POST', '/clients', {
      clientId,
      name,
      workspaces: ['IMP-NLD-EXA-SWA'],
    });
    expect(made.status).toBe(201);
    const secret: string = made.body.clientSecret;
    return { secret, token: (await clientToken(clientId, secret)).body.access_token as string };
  };
  const auditOf = async (entityType: string) =>
    (
      await t.server.db.kysely
        .selectFrom('auditEvents')
        .selectAll()
        .where('entityType', '=', entityType)
        .orderBy('id')
        .execute()
    ).map((e) => ({ ...e, changes: JSON.parse(e.changes) }));
  const addTask = (token: string, workspace: string, reporter: string) =>
    t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: workspace,
        title: 'Check the seals',
        description: 'Seal numbers differ',
        reporter,
      },
    });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    admin = await t.login('admin@example.com');
  });
  afterAll(() => t?.close());

  describe('access', () => {
    it('refuses members, API clients, an admin through a client, and anonymous callers', async () => {
      const member = await t.login('example@example.com');
      const res = await call('GET', '/users', undefined, member);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('forbidden');

      const cc = await clientToken('erp', 'erp-client-secret-0001');
      expect(cc.status).toBe(200);
      expect((await call('GET', '/domains', undefined, cc.body.access_token)).status).toBe(403);
      expect((await call('POST', '/locations', { name: 'X' }, cc.body.access_token)).status).toBe(
        403,
      );

      // The administrator's password grant through a client acts within that client.
      const via = await t.request('POST', TOKEN, {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'admin@example.com',
          password: 'Admin@12345',
        }),
        headers: { authorization: basic('erp', 'erp-client-secret-0001') },
      });
      expect(via.status).toBe(200);
      expect(via.body.scope).toContain('admin');
      expect((await call('GET', '/clients', undefined, via.body.access_token)).status).toBe(403);

      expect((await t.request('GET', `${ADMIN}/users`)).status).toBe(401);
    });
  });

  describe('domains', () => {
    it('lists, creates, reads, renames and deletes an empty domain, with an audit trail', async () => {
      const list = await call('GET', '/domains');
      expect(list.status).toBe(200);
      expect(list.body.items).toContainEqual(
        expect.objectContaining({
          code: 'IMP-NLD-EXA',
          name: 'Example Import NL',
          workspaces: ['IMP-NLD-EXA-SWA'],
        }),
      );

      const made = await call('POST', '/domains', { code: 'adm-nld-one', name: 'Admin One' });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ code: 'ADM-NLD-ONE', name: 'Admin One', workspaces: [] });
      expect(made.headers.get('location')).toBe(`${ADMIN}/domains/ADM-NLD-ONE`);
      expect((await call('GET', '/domains/adm-nld-one')).body).toEqual(made.body);

      const renamed = await call('PATCH', '/domains/ADM-NLD-ONE', { name: 'Admin Uno' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.name).toBe('Admin Uno');

      expect((await call('DELETE', '/domains/ADM-NLD-ONE')).status).toBe(204);
      expect((await call('GET', '/domains/ADM-NLD-ONE')).status).toBe(404);

      const events = (await auditOf('domain')).map((e) => [e.action, e.changes]);
      expect(events).toEqual(
        expect.arrayContaining([
          ['create', { code: [null, 'ADM-NLD-ONE'], name: [null, 'Admin One'] }],
          ['update', { name: ['Admin One', 'Admin Uno'] }],
          ['delete', { code: ['ADM-NLD-ONE', null], name: ['Admin Uno', null] }],
        ]),
      );
      const last = (await auditOf('domain')).at(-1);
      expect(last).toMatchObject({ actorLabel: 'user:admin@example.com', dialect: 'native' });
    });

    it('refuses duplicates, bad codes, unknown fields, code changes and deleting a used domain', async () => {
      const dup = await call('POST', '/domains', { code: 'imp-nld-exa', name: 'Again' });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('IMP-NLD-EXA');

      const bad = await call('POST', '/domains', { code: 'no spaces', name: '' });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad).sort()).toEqual(['code', 'name']);

      const typo = await call('PATCH', '/domains/IMP-NLD-EXA', { nmae: 'Typo' });
      expect(typo.status).toBe(400);
      expect(fieldsOf(typo)).toEqual(['nmae']);

      const code = await call('PATCH', '/domains/IMP-NLD-EXA', { code: 'IMP-NLD-NEW' });
      expect(code.status).toBe(400);
      expect(fieldsOf(code)).toEqual(['code']);

      const used = await call('DELETE', '/domains/IMP-NLD-EXA');
      expect(used.status).toBe(409);
      expect(used.body.detail).toContain('IMP-NLD-EXA-SWA');

      expect((await call('PATCH', '/domains/NOPE', { name: 'x' })).status).toBe(404);
      expect((await call('DELETE', '/domains/NOPE')).status).toBe(404);
    });
  });

  describe('workspaces', () => {
    it('creates one with its key, renames it, and deletes it while it has no todos', async () => {
      await call('POST', '/domains', { code: 'WSP-NLD-TST', name: 'Workspace tests' });
      const made = await call('POST', '/workspaces', {
        domain: 'wsp-nld-tst',
        code: 'ops',
        name: 'Operations',
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({
        key: 'WSP-NLD-TST-OPS',
        domain: 'WSP-NLD-TST',
        code: 'OPS',
        name: 'Operations',
      });
      expect(
        (await call('GET', '/workspaces')).body.items.map((w: { key: string }) => w.key),
      ).toContain('WSP-NLD-TST-OPS');
      expect((await call('GET', '/domains/WSP-NLD-TST')).body.workspaces).toEqual([
        'WSP-NLD-TST-OPS',
      ]);

      const renamed = await call('PATCH', '/workspaces/wsp-nld-tst-ops', { name: 'Ops' });
      expect(renamed.body).toMatchObject({ key: 'WSP-NLD-TST-OPS', name: 'Ops' });
      const code = await call('PATCH', '/workspaces/WSP-NLD-TST-OPS', { code: 'XYZ' });
      expect(code.status).toBe(400);
      expect(fieldsOf(code)).toEqual(['code']);

      expect((await call('DELETE', '/workspaces/WSP-NLD-TST-OPS')).status).toBe(204);
      expect((await call('GET', '/workspaces/WSP-NLD-TST-OPS')).status).toBe(404);
      expect((await call('DELETE', '/domains/WSP-NLD-TST')).status).toBe(204);
      const actions = (await auditOf('workspace')).map((e) => e.action);
      expect(actions).toEqual(['create', 'update', 'delete']);
    });

    it('refuses an unknown domain, a duplicate, and deleting a workspace with todos', async () => {
      const unknown = await call('POST', '/workspaces', { domain: 'NOPE', code: 'A', name: 'A' });
      expect(unknown.status).toBe(400);
      expect(fieldsOf(unknown)).toEqual(['domain']);

      const dup = await call('POST', '/workspaces', {
        domain: 'IMP-NLD-EXA',
        code: 'swa',
        name: 'Again',
      });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('IMP-NLD-EXA-SWA');

      const member = await t.login('example@example.com');
      expect((await addTask(member, 'IMP-NLD-EXA-SWA', 'example@example.com')).status).toBe(201);
      const used = await call('DELETE', '/workspaces/IMP-NLD-EXA-SWA');
      expect(used.status).toBe(409);
      expect(used.body.detail).toContain('has todos');
      expect((await call('GET', '/workspaces/IMP-NLD-EXA-SWA')).status).toBe(200);
    });

    it('refuses deleting the default workspace of a client', async () => {
      await call('POST', '/domains', { code: 'DEF-NLD-TST', name: 'Defaults' });
      await call('POST', '/workspaces', { domain: 'DEF-NLD-TST', code: 'A', name: 'A' });
      const c = await call('POST', '/clients', {
        clientId: 'def-client',
        name: 'Default client',
        workspaces: ['DEF-NLD-TST-A'],
      });
      expect(c.body.defaultWorkspace).toBe('DEF-NLD-TST-A');
      const res = await call('DELETE', '/workspaces/DEF-NLD-TST-A');
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain('def-client');
    });
  });

  describe('users', () => {
    it('never shows a password hash', async () => {
      const list = await call('GET', '/users');
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBeGreaterThanOrEqual(6);
      expect(list.body.items).toContainEqual(
        expect.objectContaining({
          email: 'example@example.com',
          role: 'member',
          disabled: false,
          hasPassword: true,
          workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
        }),
      );
      expect(list.text).not.toContain('scrypt$');
      expect(list.text).not.toMatch(/passwordHash|password_hash/);
      expect((await call('GET', '/users/Example@Example.com')).body.email).toBe(
        'example@example.com',
      );
      expect((await call('GET', '/users/nobody@example.com')).status).toBe(404);
    });

    it('creates a user who can sign in; a membership lets it create todos there', async () => {
      const made = await call('POST', '/users', {
        email: 'New.Person@Example.com',
        name: 'New Person',
        password: 'New-person-1',
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({
        email: 'new.person@example.com',
        role: 'member',
        workspaces: [],
        hasPassword: true,
      });
      const token = await t.login('new.person@example.com', 'New-person-1');
      const before = await addTask(token, 'VTT-NLD-TML-FIN', 'new.person@example.com');
      expect(before.status).toBeGreaterThanOrEqual(400);
      expect(before.status).toBeLessThan(500);

      const grant = await call('PUT', '/users/new.person@example.com/workspaces/vtt-nld-tml-fin');
      expect(grant.status).toBe(204);
      expect(grant.text).toBe('');
      expect(
        (await call('PUT', '/users/new.person@example.com/workspaces/VTT-NLD-TML-FIN')).status,
      ).toBe(204);
      const after = await addTask(token, 'VTT-NLD-TML-FIN', 'new.person@example.com');
      expect(after.status).toBe(201);
      expect(after.body.workspace).toBe('VTT-NLD-TML-FIN');
      expect((await call('GET', '/users/new.person@example.com')).body.workspaces).toEqual([
        'VTT-NLD-TML-FIN',
      ]);

      expect(
        (await call('DELETE', '/users/new.person@example.com/workspaces/VTT-NLD-TML-FIN')).status,
      ).toBe(204);
      const gone = await addTask(token, 'VTT-NLD-TML-FIN', 'new.person@example.com');
      expect(gone.status).toBeGreaterThanOrEqual(400);

      expect((await call('PUT', '/users/new.person@example.com/workspaces/NOPE-X')).status).toBe(
        404,
      );
      expect(
        (await call('PUT', '/users/nobody@example.com/workspaces/VTT-NLD-TML-FIN')).status,
      ).toBe(404);

      const trail = await auditOf('user');
      const creation = trail.find((e) => e.action === 'create');
      expect(creation?.changes).toMatchObject({
        email: [null, 'new.person@example.com'],
        password: [null, '<set>'],
      });
      expect(trail.map((e) => e.changes.workspaces).filter(Boolean)).toContainEqual([
        [],
        ['VTT-NLD-TML-FIN'],
      ]);
      expect(JSON.stringify(trail)).not.toMatch(/New-person-1|scrypt\$/);
    });

    it('names bad fields, unknown workspaces by index, and refuses a duplicate', async () => {
      const bad = await call('POST', '/users', {
        email: 'not-an-email',
        name: 'X',
        role: 'boss',
        password: 'short',
        workspaces: ['IMP-NLD-EXA-SWA', 'NOPE-NOPE'],
      });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad).sort()).toEqual(['password', 'role']);

      const refs = await call('POST', '/users', {
        email: 'not-an-email',
        name: 'X',
        workspaces: ['IMP-NLD-EXA-SWA', 'NOPE-NOPE'],
      });
      expect(refs.status).toBe(400);
      expect(fieldsOf(refs).sort()).toEqual(['email', 'workspaces[1]']);
      expect(refs.body.errors).toContainEqual({
        field: 'workspaces[1]',
        message: 'unknown workspace "NOPE-NOPE"',
      });

      const dup = await call('POST', '/users', { email: 'EXAMPLE@example.com', name: 'Again' });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('example@example.com');
    });

    it('a new password or disabling ends the user’s sessions; DELETE disables', async () => {
      await call('POST', '/users', {
        email: 'rotating@example.com',
        name: 'Rotating',
        password: 'First-pass-1',
        workspaces: ['IMP-NLD-EXA-SWA'],
      });
      const first = await t.login('rotating@example.com', 'First-pass-1');
      const patched = await call('PATCH', '/users/rotating@example.com', {
        password: 'Second-pass-2',
        name: 'Rotated',
        role: 'member',
      });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toBe('Rotated');
      const revoked = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token: first,
      });
      expect(revoked.status).toBe(401);
      await expect(t.login('rotating@example.com', 'First-pass-1')).rejects.toThrow();
      const second = await t.login('rotating@example.com', 'Second-pass-2');
      const live = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token: second,
      });
      expect(live.status).not.toBe(401);

      expect((await call('DELETE', '/users/rotating@example.com')).status).toBe(204);
      const dead = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token: second,
      });
      expect(dead.status).toBe(401);
      await expect(t.login('rotating@example.com', 'Second-pass-2')).rejects.toThrow();
      expect((await call('GET', '/users/rotating@example.com')).body).toMatchObject({
        disabled: true,
        name: 'Rotated',
      });

      const update = (await auditOf('user')).find(
        (e) => e.action === 'update' && e.changes.password,
      );
      expect(update?.changes).toEqual({
        name: ['Rotating', 'Rotated'],
        password: ['<set>', '<set>'],
      });
    });

    it('keeps at least one administrator who can sign in', async () => {
      const res = await call('PATCH', '/users/admin@example.com', { role: 'member' });
      expect(res.status).toBe(409);
      expect((await call('DELETE', '/users/admin@example.com')).status).toBe(409);
      expect((await call('GET', '/users/admin@example.com')).body).toMatchObject({
        role: 'admin',
        disabled: false,
      });
    });
  });

  describe('API clients', () => {
    it('shows a generated secret once, stores only its hash, and rotates it', async () => {
      const made = await t.request('POST', `${ADMIN}/clients`, {
        token: admin,
        headers: { 'idempotency-key': 'admin-client-wms' },
        body: {
          clientId: 'wms',
          name: 'WMS',
          workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
          defaultWorkspace: 'vtt-nld-tml-fin',
        },
      });
      expect(made.status).toBe(201);
      expect(made.headers.get('cache-control')).toBe('no-store');
      expect(made.body).toMatchObject({
        clientId: 'wms',
        name: 'WMS',
        workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
        defaultWorkspace: 'VTT-NLD-TML-FIN',
        disabled: false,
      });
      const secret: string = made.body.clientSecret;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(made.headers.get('location')).toBe(`${ADMIN}/clients/wms`);

      const read = await call('GET', '/clients/wms');
      const list = await call('GET', '/clients');
      for (const res of [read, list]) {
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toMatch(/clientSecret|secretHash|scrypt\$/);
      }
      expect(list.body.items.map((c: { clientId: string }) => c.clientId)).toEqual(
        expect.arrayContaining(['erp', 'other', 'wms']),
      );

      const first = await clientToken('wms', secret);
      expect(first.status).toBe(200);

      const rotated = await call('POST', '/clients/wms/secret');
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const next: string = rotated.body.clientSecret;
      expect(next).not.toBe(secret);
      expect((await clientToken('wms', secret)).status).toBe(401);
      expect((await clientToken('wms', next)).status).toBe(200);
      const old = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token: first.body.access_token,
      });
      expect(old.status).toBe(401);

      const stored = await t.server.db.kysely
        .selectFrom('apiClients')
        .select('secretHash')
        .where('clientId', '=', 'wms')
        .executeTakeFirstOrThrow();
      expect(stored.secretHash).toMatch(/^scrypt\$/);
      const kept = await t.server.db.kysely.selectFrom('idempotencyKeys').selectAll().execute();
      expect(JSON.stringify(kept)).not.toContain(secret);
      const trail = await auditOf('client');
      expect(JSON.stringify(trail)).not.toContain(secret);
      expect(JSON.stringify(trail)).not.toContain(next);
      expect(trail.at(-1)?.changes).toEqual({ secret: ['<set>', '<set>'] });
    });

    it('generates a client id when none is given', async () => {
      const made = await call('POST', '/clients', {
        name: 'Customs Tool',
        workspaces: ['IMP-NLD-EXA-SWA'],
      });
      expect(made.status).toBe(201);
      expect(made.body.clientId).toMatch(/^customs-tool-[0-9a-f]{4}$/);
      expect(made.body.defaultWorkspace).toBe('IMP-NLD-EXA-SWA');
      expect((await clientToken(made.body.clientId, made.body.clientSecret)).status).toBe(200);
    });

    it('names bad references and refuses a duplicate client id', async () => {
      const refs = await call('POST', '/clients', {
        clientId: 'bad-refs',
        name: 'Bad',
        workspaces: ['NOPE-NOPE', 'IMP-NLD-EXA-SWA'],
        defaultWorkspace: 'VTT-NLD-TML-FIN',
      });
      expect(refs.status).toBe(400);
      expect(fieldsOf(refs).sort()).toEqual(['defaultWorkspace', 'workspaces[0]']);

      const dup = await call('POST', '/clients', {
        clientId: 'erp',
        name: 'ERP again',
        workspaces: ['IMP-NLD-EXA-SWA'],
      });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('"erp"');

      const shape = await call('POST', '/clients', { clientId: 'has space', name: 'X' });
      expect(shape.status).toBe(400);
      expect(fieldsOf(shape).sort()).toEqual(['clientId', 'workspaces']);

      const patchDefault = await call('PATCH', '/clients/erp', {
        defaultWorkspace: 'OTH-BEL-ANT-OPS',
      });
      expect(patchDefault.status).toBe(400);
      expect(fieldsOf(patchDefault)).toEqual(['defaultWorkspace']);
      const dropDefault = await call('PATCH', '/clients/erp', { workspaces: ['VTT-NLD-TML-FIN'] });
      expect(dropDefault.status).toBe(400);
      expect(fieldsOf(dropDefault)).toEqual(['defaultWorkspace']);
      expect((await call('GET', '/clients/nope')).status).toBe(404);
    });

    it('changes workspaces and default; disabling revokes its tokens', async () => {
      const { secret, token } = await clientWithToken('retire-me', 'Retire me');
      const moved = await call('PATCH', '/clients/retire-me', {
        name: 'Retiring',
        workspaces: ['VTT-NLD-TML-FIN', 'IMP-NLD-EXA-SWA'],
        defaultWorkspace: 'VTT-NLD-TML-FIN',
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({
        name: 'Retiring',
        workspaces: ['IMP-NLD-EXA-SWA', 'VTT-NLD-TML-FIN'],
        defaultWorkspace: 'VTT-NLD-TML-FIN',
      });
      const alive = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token,
      });
      expect(alive.status).not.toBe(401);

      expect((await call('PATCH', '/clients/retire-me', { disabled: true })).body.disabled).toBe(
        true,
      );
      const dead = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-01', {
        token,
      });
      expect(dead.status).toBe(401);
      expect((await clientToken('retire-me', secret)).status).toBe(401);

      expect((await call('DELETE', '/clients/retire-me')).status).toBe(204);
      expect((await call('GET', '/clients/retire-me')).status).toBe(404);
    });

    it('refuses deleting a client that created a todo', async () => {
      const { token } = await clientWithToken('writer', 'Writer');
      expect((await addTask(token, 'IMP-NLD-EXA-SWA', 'example@example.com')).status).toBe(201);
      const res = await call('DELETE', '/clients/writer');
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain('disable it instead');
    });
  });

  describe('locations', () => {
    it('creates, lists, renames and deletes; duplicates are 409, unknown ids 404', async () => {
      const made = await call('POST', '/locations', { name: 'Rotterdam' });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ id: expect.any(Number), name: 'Rotterdam' });
      const names = (await call('GET', '/locations')).body.items.map(
        (l: { name: string }) => l.name,
      );
      expect(names).toEqual(expect.arrayContaining(['Ahmedabad', 'Rotterdam']));

      const dup = await call('POST', '/locations', { name: 'Ahmedabad' });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('Ahmedabad');
      expect(
        (await call('PATCH', `/locations/${made.body.id}`, { name: 'Ahmedabad' })).status,
      ).toBe(409);

      const renamed = await call('PATCH', `/locations/${made.body.id}`, { name: 'Antwerp' });
      expect(renamed.body.name).toBe('Antwerp');
      expect((await call('DELETE', `/locations/${made.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `/locations/${made.body.id}`)).status).toBe(404);
      const bad = await call('PATCH', '/locations/abc', { name: 'X' });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad)).toEqual(['id']);
      expect((await auditOf('location')).map((e) => e.action)).toEqual([
        'create',
        'update',
        'delete',
      ]);
    });
  });

  describe('custom fields', () => {
    it('defines, reads, changes and deletes a field', async () => {
      const made = await call('POST', '/custom-fields', {
        module: 'incident',
        name: 'Vessel',
        type: 8,
        options: ['Alpha', 'Beta'],
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({
        module: 'incident',
        name: 'Vessel',
        type: 8,
        required: false,
        options: ['Alpha', 'Beta'],
      });
      const id = made.body.id;
      expect((await call('GET', `/custom-fields/${id}`)).body).toEqual(made.body);
      expect((await call('GET', '/custom-fields')).body.items).toContainEqual(made.body);

      const changed = await call('PATCH', `/custom-fields/${id}`, {
        required: true,
        options: null,
      });
      expect(changed.body).toMatchObject({ required: true, options: null });
      const trail = await auditOf('customField');
      expect(trail.at(-1)?.changes).toEqual({
        required: [false, true],
        options: [['Alpha', 'Beta'], null],
      });

      expect((await call('DELETE', `/custom-fields/${id}`)).status).toBe(204);
      expect((await call('GET', `/custom-fields/${id}`)).status).toBe(404);
    });

    it('refuses unknown types and modules naming the field, misplaced options and duplicates', async () => {
      const bad = await call('POST', '/custom-fields', { module: 'ticket', name: 'X', type: 6 });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad).sort()).toEqual(['module', 'type']);
      expect(bad.body.errors.find((e: { field: string }) => e.field === 'type').message).toContain(
        '1, 2, 3, 4, 5, 7, 8, 10',
      );

      const options = await call('POST', '/custom-fields', {
        module: 'task',
        name: 'Count',
        type: 2,
        options: ['1'],
      });
      expect(options.status).toBe(400);
      expect(fieldsOf(options)).toEqual(['options']);

      await call('POST', '/custom-fields', { module: 'task', name: 'Berth', type: 1 });
      const dup = await call('POST', '/custom-fields', { module: 'task', name: 'Berth', type: 10 });
      expect(dup.status).toBe(409);
      expect(dup.body.detail).toContain('Berth');
    });

    it('keeps the type and the definition while todos hold values for it', async () => {
      const f = await call('POST', '/custom-fields', { module: 'task', name: 'Seal', type: 1 });
      const member = await t.login('example@example.com');
      const todo = await addTask(member, 'IMP-NLD-EXA-SWA', 'example@example.com');
      // Values arrive through the ITSM dialect; here one is stored directly.
      await t.server.db.kysely
        .insertInto('todoCustomValues')
        .values({ todoId: todo.body.id, fieldId: f.body.id, value: '"S-1"' })
        .execute();
      expect((await call('PATCH', `/custom-fields/${f.body.id}`, { type: 2 })).status).toBe(409);
      expect((await call('DELETE', `/custom-fields/${f.body.id}`)).status).toBe(409);
      expect((await call('PATCH', `/custom-fields/${f.body.id}`, { required: true })).status).toBe(
        200,
      );
    });
  });

  it('agrees with provisioning: the same objects applied from a file change nothing', async () => {
    await call('POST', '/domains', { code: 'AGR-NLD-ONE', name: 'Agreement' });
    await call('POST', '/workspaces', { domain: 'AGR-NLD-ONE', code: 'DOC', name: 'Documents' });
    const user = {
      email: 'agree@example.com',
      name: 'Agree',
      password: 'Agree-pass-1',
      role: 'member' as const,
      workspaces: ['AGR-NLD-ONE-DOC'],
    };
    expect((await call('POST', '/users', user)).status).toBe(201);
    const client = await call('POST', '/clients', {
      clientId: 'agree',
      name: 'Agree',
      workspaces: ['AGR-NLD-ONE-DOC'],
      defaultWorkspace: 'AGR-NLD-ONE-DOC',
    });
    expect((await call('POST', '/locations', { name: 'Agreement Bay' })).status).toBe(201);
    const field = { module: 'task' as const, name: 'Agreement', type: 7 as const, required: true };
    expect((await call('POST', '/custom-fields', { ...field, options: ['1', '2'] })).status).toBe(
      201,
    );

    const sum = await applyProvisioning(
      t.server.db,
      { scryptLogN: 14 },
      validateProvisionDoc({
        domains: [
          {
            code: 'AGR-NLD-ONE',
            name: 'Agreement',
            workspaces: [{ code: 'DOC', name: 'Documents' }],
          },
        ],
        users: [user],
        clients: [
          {
            clientId: 'agree',
            clientSecret: client.body.clientSecret,
            name: 'Agree',
            workspaces: ['AGR-NLD-ONE-DOC'],
            defaultWorkspace: 'AGR-NLD-ONE-DOC',
          },
        ],
        locations: [{ name: 'Agreement Bay' }],
        customFields: [{ ...field, options: ['1', '2'] }],
      }),
    );
    const unchanged = { created: 0, updated: 0, unchanged: 1 };
    expect(sum).toEqual({
      domains: unchanged,
      workspaces: unchanged,
      users: unchanged,
      clients: unchanged,
      locations: unchanged,
      customFields: unchanged,
    });
  });
});
