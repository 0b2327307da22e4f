import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateProvisionDoc } from '../src/core/provisioning/provision.service.ts';
import { readConfig } from '../src/platform/config.ts';
import {
  dialects,
  fixture,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

// What the <bzctrl-todo-form> widget needs from the server: the public form contract of an
// exposed endpoint, a safe retry of the public create, and CORS for its token mode.

const API = '/bzctrl-core-api/api/v1';
const ADMIN = `${API}/admin/exposed-endpoints`;
const EXPOSED = `${API}/task/add-exposed-task`;
const ERP = 'http://erp.example.com:8000';
const EVIL = 'https://evil.example.com';

const provision = validateProvisionDoc({
  ...fixture,
  customFields: [
    { module: 'incident', name: 'Vessel', type: 1, required: true },
    { module: 'incident', name: 'Berth', type: 2 },
  ],
});

const fieldsOf = (res: Reply) =>
  (res.body.errors ?? []).map((e: { field: string }) => e.field).sort();

describe.each(dialects)('widget API: the exposed form contract on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;

  const expose = async (extra: Record<string, unknown> = {}, workspace = 'IMP-NLD-EXA-SWA') => {
    const res = await t.request('POST', ADMIN, {
      token: admin,
      body: {
        workspace,
        name: `Widget ${Math.random().toString(36).slice(2, 8)}`,
        allowedOrigins: [ERP],
        ...extra,
      },
    });
    expect(res.status).toBe(201);
    return res.body as { id: number; uuid: string };
  };
  const formOf = (uuid: string, query = '', headers: Record<string, string> = {}) =>
    t.request('GET', `${EXPOSED}/${uuid}/form${query}`, { headers });

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      provision,
      env: { BZCTRL_EXPOSED_RATE_LIMIT: '1000', BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS: '1000' },
    });
    [admin, member] = await Promise.all([
      t.login('admin@example.com'),
      t.login('example@example.com'),
    ]);
  });
  afterAll(() => t?.close());

  it('answers the workspace form contract with the endpoint defaults and no people', async () => {
    const ep = await expose({
      defaults: { todoType: 'Incident', reporter: 'username@example.com', priority: 'High' },
    });
    const res = await formOf(ep.uuid);
    expect(res.status).toBe(200);
    const form = res.body;
    // The endpoint's default type is the form's type when none is asked for.
    expect(form.properties.todoType).toMatchObject({ const: 'INCIDENT' });
    expect(form.title).toBe('New INCIDENT in IMP-NLD-EXA-SWA (Inbound Control)');
    expect(form['x-workspace']).toMatchObject({ key: 'IMP-NLD-EXA-SWA', name: 'Inbound Control' });
    // The same contract as the authenticated one, minus what the public create ignores.
    const full = await t.request('GET', `${API}/workspaces/IMP-NLD-EXA-SWA/form?type=INCIDENT`, {
      token: member,
    });
    expect(full.status).toBe(200);
    expect(Object.keys(form.properties).sort()).toEqual(
      Object.keys(full.body.properties)
        .filter((k) => !['workspace', 'watchers', 'dueDate'].includes(k))
        .sort(),
    );
    expect(form.properties.impact.enum).toEqual(['LOW', 'MEDIUM', 'HIGH']);
    expect(form.properties.status).toMatchObject({ default: 'INPROGRESS' });
    expect(form.properties.priority).toMatchObject({ default: 'HIGH' });
    expect(form.properties.financialImpact['x-currency']).toBe('EUR');
    expect(form.properties.customFields.properties.Vessel).toMatchObject({ type: 'string' });
    // The reporter comes from the endpoint, so it is not required; custom fields still are.
    expect(form.required.sort()).toEqual(['customFields', 'description', 'title', 'todoType']);
    // Whoever holds the UUID learns no e-mail address: no member list, no default person.
    expect(res.text).not.toContain('@example.com');
    expect(full.text).toContain('username@example.com');

    const task = await formOf(ep.uuid, '?type=task');
    expect(task.status).toBe(200);
    expect(task.body.properties.todoType.const).toBe('TASK');
    expect(task.body.properties.customFields.properties).toEqual({});
    const bad = await formOf(ep.uuid, '?type=BUG');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['type']);
  });

  it('requires the reporter when the endpoint has no default one', async () => {
    const ep = await expose({ defaults: {} });
    const res = await formOf(ep.uuid, '?type=TASK');
    expect(res.status).toBe(200);
    expect(res.body.required.sort()).toEqual(['description', 'reporter', 'title', 'todoType']);
  });

  it('answers an unknown, disabled or malformed UUID like an unknown route', async () => {
    const ep = await expose();
    const unknownRoute = await t.request('GET', `${API}/no-such-route`);
    for (const uuid of [crypto.randomUUID(), 'not-a-uuid', ep.uuid]) {
      if (uuid === ep.uuid) {
        const off = await t.request('PATCH', `${ADMIN}/${ep.id}`, {
          token: admin,
          body: { disabled: true },
        });
        expect(off.status).toBe(200);
      }
      const res = await formOf(uuid);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe(unknownRoute.headers.get('content-type'));
      expect(res.body.code).toBe(unknownRoute.body.code);
      expect(res.body.title).toBe(unknownRoute.body.title);
      expect(res.body.detail).toBe(`No route GET ${EXPOSED}/${uuid}/form`);
    }
  });

  it('grants CORS to the allowed origins only, and refuses another origin', async () => {
    const ep = await expose();
    const ok = await formOf(ep.uuid, '?type=TASK', { origin: ERP });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ERP);
    expect(ok.headers.get('vary')).toContain('Origin');
    const refused = await formOf(ep.uuid, '?type=TASK', { origin: EVIL });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    // A server-side caller sends no Origin and is answered.
    expect((await formOf(ep.uuid, '?type=TASK')).status).toBe(200);
  });

  it('takes custom fields on the public create, checked like the native create', async () => {
    const ep = await expose({
      defaults: { todoType: 'INCIDENT', reporter: 'example@example.com' },
    });
    const body = { title: 'Seal broken', description: 'Container seal broken on arrival' };
    const missing = await t.request('POST', `${EXPOSED}/${ep.uuid}`, {
      body: { ...body, customFields: {} },
    });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing)).toEqual(['customFields.Vessel']);
    const wrong = await t.request('POST', `${EXPOSED}/${ep.uuid}`, {
      body: { ...body, customFields: { Vessel: 'Ever Given', Berth: 'twelve' } },
    });
    expect(fieldsOf(wrong)).toEqual(['customFields.Berth']);
    const made = await t.request('POST', `${EXPOSED}/${ep.uuid}`, {
      body: { ...body, customFields: { Vessel: 'Ever Given', Berth: 12 } },
    });
    expect(made.status).toBe(201);
    const stored = await t.request('GET', `${API}/todos/${made.body.key}`, { token: admin });
    expect(stored.body.customFields).toEqual({ Vessel: 'Ever Given', Berth: 12 });
  });

  it('replays a retried create with the same Idempotency-Key from another origin', async () => {
    const ep = await expose({ defaults: { todoType: 'TASK', reporter: 'example@example.com' } });
    const count = async () =>
      (
        await t.request('GET', `${API}/todos?workspace=IMP-NLD-EXA-SWA&limit=1&total=true`, {
          token: admin,
        })
      ).body.total as number;
    const before = await count();
    const headers = { origin: ERP, 'idempotency-key': crypto.randomUUID() };
    const body = { title: 'Double click', description: 'Sent twice by an impatient user' };
    const preflight = await t.request('OPTIONS', `${EXPOSED}/${ep.uuid}`, {
      headers: {
        origin: ERP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = preflight.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
    expect(allowed).toContain('content-type');
    expect(allowed).toContain('idempotency-key');

    const [a, b] = [
      await t.request('POST', `${EXPOSED}/${ep.uuid}`, { body, headers }),
      await t.request('POST', `${EXPOSED}/${ep.uuid}`, { body, headers }),
    ];
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotency-replayed')).toBe('true');
    expect(b.headers.get('access-control-allow-origin')).toBe(ERP);
    expect(b.headers.get('access-control-expose-headers')).toContain('Idempotency-Replayed');
    expect(b.body.key).toBe(a.body.key);
    expect(await count()).toBe(before + 1);
    // The same key with another body is a mistake, not a replay.
    const other = await t.request('POST', `${EXPOSED}/${ep.uuid}`, {
      body: { ...body, title: 'Something else' },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });
});

describe.each(dialects)('widget API: CORS for token mode on %s', (dialect) => {
  let t: TestServer;
  let member: string;

  const preflight = (path: string, origin: string, headers = 'authorization,content-type') =>
    t.request('OPTIONS', path, {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': headers,
      },
    });

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      env: { BZCTRL_CORS_ORIGINS: ` ${ERP}/ , https://b.example` },
    });
    member = await t.login('example@example.com');
  });
  afterAll(() => t?.close());

  it('answers preflights and calls from the listed origins under /api/v1, without credentials', async () => {
    for (const path of [`${API}/task/add-task`, `${API}/todos`]) {
      const res = await preflight(path, ERP, 'authorization,content-type,idempotency-key');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ERP);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
      for (const h of ['authorization', 'content-type', 'idempotency-key']) {
        expect(allowed).toContain(h);
      }
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    }
    const created = await t.request('POST', `${API}/task/add-task`, {
      token: member,
      headers: { origin: ERP },
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'From the ERP',
        description: 'Token mode',
        reporter: 'example@example.com',
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(ERP);
    expect(created.headers.get('access-control-expose-headers')).toContain('Location');
    // A 401 is readable by the page too, so it can fetch a new token.
    const denied = await t.request('GET', `${API}/workspaces/IMP-NLD-EXA-SWA/form`, {
      headers: { origin: ERP },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(ERP);
  });

  it('gives nothing to other origins, nor outside /api/v1', async () => {
    // A known path that grants no CORS: 405, OPTIONS not being among its methods.
    const evil = await preflight(`${API}/task/add-task`, EVIL);
    expect(evil.status).toBe(405);
    expect(evil.headers.get('allow')).toBe('POST, PUT');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const evilCall = await t.request('GET', `${API}/workspaces`, {
      token: member,
      headers: { origin: EVIL },
    });
    expect(evilCall.status).toBe(200);
    expect(evilCall.headers.get('access-control-allow-origin')).toBeNull();
    const token = await preflight('/bzctrl-core-api/oauth/token', ERP);
    expect(token.headers.get('access-control-allow-origin')).toBeNull();
    const session = await t.request('GET', '/bzctrl-core-api/openapi.json', {
      headers: { origin: ERP },
    });
    expect(session.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves the exposed endpoint to its own allowed origins', async () => {
    const admin = await t.login('admin@example.com');
    const ep = await t.request('POST', ADMIN, {
      token: admin,
      body: { workspace: 'IMP-NLD-EXA-SWA', name: 'Other site', allowedOrigins: [EVIL] },
    });
    expect(ep.status).toBe(201);
    const path = `${EXPOSED}/${ep.body.uuid}`;
    // ERP is a CORS origin of the API but not of this endpoint.
    const erp = await preflight(path, ERP, 'content-type');
    expect(erp.status).toBe(204);
    expect(erp.headers.get('access-control-allow-origin')).toBeNull();
    const evil = await preflight(path, EVIL, 'content-type');
    expect(evil.headers.get('access-control-allow-origin')).toBe(EVIL);
    expect(evil.headers.get('access-control-allow-methods')).toBe('POST');
  });
});

describe.each(dialects)('widget API: CORS off by default on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(() => t?.close());

  it('sends no CORS headers on the API without BZCTRL_CORS_ORIGINS', async () => {
    const pre = await t.request('OPTIONS', `${API}/task/add-task`, {
      headers: { origin: ERP, 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(405);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const call = await t.request('GET', `${API}/workspaces`, { headers: { origin: ERP } });
    expect(call.status).toBe(401);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses "*" and non-origins in BZCTRL_CORS_ORIGINS', () => {
    expect(() => readConfig({ BZCTRL_CORS_ORIGINS: '*' })).toThrow(/"\*" is not allowed/);
    expect(() => readConfig({ BZCTRL_CORS_ORIGINS: 'https://erp.example.com/path' })).toThrow(
      /is not an origin/,
    );
    expect(readConfig({}).corsOrigins).toEqual([]);
    expect(
      readConfig({ BZCTRL_CORS_ORIGINS: 'https://A.example.com, https://a.example.com/' })
        .corsOrigins,
    ).toEqual(['https://a.example.com']);
  });
});
