import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countTodos as countIn,
  dialects,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const ADD_TASK = `${API}/task/add-task`;
const TODOS = `${API}/todos`;
const EXPOSED = `${API}/task/add-exposed-task`;
const ENDPOINTS = `${API}/admin/exposed-endpoints`;
const INCIDENT = '/api/v1/incident';
const TOKEN_PATHS = ['/bzctrl-core-api/oauth/token', '/api/oauth/token'] as const;
const REVOKE_PATHS = ['/bzctrl-core-api/oauth/revoke', '/api/oauth/revoke'] as const;
const [TOKEN] = TOKEN_PATHS;
const [REVOKE] = REVOKE_PATHS;
/** A protected route: 404 for an unknown key proves the token was accepted. */
const PROBE = `${API}/tasks/IMP-NLD-EXA-SWA-9999`;

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const ERP = basic('erp', 'erp-client-secret-0001');
const OTHER = basic('other', 'other-client-secret-01');

const task = (extra: Record<string, unknown> = {}) => ({
  todoType: 'TASK',
  domainWorkSpace: 'IMP-NLD-EXA-SWA',
  title: 'Check the seal',
  description: 'Container arrived',
  reporter: 'example@example.com',
  ...extra,
});

const fieldsOf = (res: Reply) =>
  ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field).sort();
const messageOf = (res: Reply, field: string) =>
  ((res.body?.errors ?? []) as { field: string; message: string }[]).find((e) => e.field === field)
    ?.message;

/** Collects the server's JSON log lines. */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => lines.join('\n') };
}

describe.each(dialects)('security findings on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;
  const log = logSink();
  const countTodos = () => countIn(t);

  const expose = async () => {
    const res = await t.request('POST', ENDPOINTS, {
      token: admin,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        name: `Form ${Math.random().toString(36).slice(2, 8)}`,
        defaults: { todoType: 'Incident', reporter: 'username@example.com', tags: ['web'] },
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; uuid: string };
  };
  const form = (params: Record<string, string>) => new URLSearchParams(params);
  const passwordGrant = (email: string, password: string, headers: Record<string, string> = {}) =>
    t.request('POST', TOKEN, {
      body: form({ grant_type: 'password', username: email, password }),
      headers,
    });

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      env: { BZCTRL_LOG_LEVEL: 'info' },
      logStream: log.stream,
    });
    [admin, member] = await Promise.all([
      t.login('admin@example.com'),
      t.login('example@example.com'),
    ]);
  });
  afterAll(() => t?.close());

  describe('an exposed endpoint is no read oracle', () => {
    it('answers an externalRef held by a stored todo with the submission, never the todo', async () => {
      const ep = await expose();
      const ref = { system: 'erp', id: `SO-${Math.random().toString(36).slice(2)}` };
      const stored = await t.request('POST', ADD_TASK, {
        token: member,
        body: task({
          externalRef: ref,
          title: 'Confidential: customs fine',
          description: 'Fine of 40k for the Rotterdam shipment',
          tags: ['secret-tag'],
          status: 'DONE',
        }),
      });
      expect(stored.status, stored.text).toBe(201);
      const before = await countTodos();

      const guess = { title: 'Anything', description: 'A guess', externalRef: ref };
      for (const query of ['', '?dryRun=true']) {
        const res = await t.request('POST', `${EXPOSED}/${ep.uuid}${query}`, { body: guess });
        expect(res.status, res.text).toBe(200);
        expect(res.headers.get('location')).toBeNull();
        expect(res.body).toEqual({
          key: null,
          id: null,
          title: 'Anything',
          description: 'A guess',
          taskType: 'INCIDENT',
          todoType: 'INCIDENT',
          status: 'INPROGRESS',
          tags: ['web'],
          taskLink: null,
          createdAt: null,
        });
        for (const secret of ['Confidential', 'Rotterdam', 'secret-tag', 'DONE', stored.body.key])
          expect(res.text).not.toContain(secret);
      }
      expect(await countTodos()).toBe(before);
    });

    it('still stores one todo when a form retries its own submission', async () => {
      const ep = await expose();
      const body = {
        title: 'Seal broken',
        description: 'Retry me',
        externalRef: { system: 'web', id: `f-${Math.random()}` },
      };
      const first = await t.request('POST', `${EXPOSED}/${ep.uuid}`, { body });
      expect(first.status).toBe(201);
      expect(first.body.key).toMatch(/^IMP-NLD-EXA-SWA-\d+$/);
      const before = await countTodos();
      const retry = await t.request('POST', `${EXPOSED}/${ep.uuid}`, { body });
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({
        key: null,
        title: 'Seal broken',
        description: 'Retry me',
      });
      expect(await countTodos()).toBe(before);
    });
  });

  describe('credentials in URLs stay out of the log', () => {
    it('redacts the exposed UUID and token-like query parameters', async () => {
      const ep = await expose();
      const created = await t.request('POST', `${EXPOSED}/${ep.uuid}`, {
        body: { title: 'Logged?', description: 'Check the log' },
      });
      expect(created.status).toBe(201);
      const secret = 'not-a-real-token-but-a-secret-value';
      await t.request(
        'GET',
        `${PROBE}?access_token=${secret}1&client_secret=${secret}2&password=${secret}3&keep=visible`,
        { token: member },
      );
      const text = log.text();
      expect(text).toContain(`${EXPOSED}/[redacted]`);
      expect(text).toContain('keep=visible');
      expect(text).toContain('access_token=[redacted]');
      expect(text).not.toContain(ep.uuid);
      expect(text).not.toContain(secret);
    });
  });

  describe('users of other tenants cannot be enumerated', () => {
    // outsider@other.example exists, in another customer's workspace only.
    const OUTSIDER = 'outsider@other.example';
    const NOBODY = 'nobody-at-all@example.com';
    const people = [OUTSIDER, NOBODY];

    const erpUserToken = async () => {
      const res = await passwordGrant('example@example.com', 'Ex@mpl3!', { authorization: ERP });
      expect(res.status).toBe(200);
      return res.body.access_token as string;
    };

    it('answers an unknown user and one without access alike, everywhere a person is named', async () => {
      const target = await t.request('POST', ADD_TASK, { token: member, body: task() });
      expect(target.status).toBe(201);
      const itsmToken = await erpUserToken();
      const answers = async (email: string) => {
        const create = await t.request('POST', ADD_TASK, {
          token: member,
          body: task({ reporter: email, assignee: email, watchers: [email] }),
        });
        expect(create.status).toBe(400);
        const patch = await t.request('PATCH', `${TODOS}/${target.body.key}`, {
          token: member,
          body: { assignee: email },
        });
        expect(patch.status).toBe(400);
        const itsm = await t.request('POST', INCIDENT, {
          token: itsmToken,
          body: { subject: 'Keyboard', requesterEmail: email },
        });
        expect(itsm.status).toBe(400);
        const anonymized = (s: string | undefined) => s?.replaceAll(email, '<email>');
        return {
          reporter: anonymized(messageOf(create, 'reporter')),
          assignee: anonymized(messageOf(create, 'assignee')),
          watcher: anonymized(messageOf(create, 'watchers[0]')),
          patch: anonymized(messageOf(patch, 'assignee')),
          itsm: anonymized(itsm.body.userMessage),
        };
      };
      const [outsider, unknown] = [await answers(OUTSIDER), await answers(NOBODY)];
      expect(outsider).toEqual(unknown);
      expect(outsider.reporter).toBe(
        'no active user <email> with access to workspace IMP-NLD-EXA-SWA',
      );
      expect(outsider.itsm).toBe(
        'requesterEmail: no active user <email> with access to workspace IMP-NLD-EXA-SWA',
      );
    });

    it('judges nobody when the workspace is unknown', async () => {
      for (const email of people) {
        const res = await t.request('POST', ADD_TASK, {
          token: member,
          body: task({ domainWorkSpace: 'NOPE-NOPE-NOP', reporter: email }),
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(fieldsOf(res)).toEqual(['domainWorkSpace']);
      }
    });
  });

  describe('numbers are finite and text has no control characters', () => {
    it('refuses 1e309 wherever it is sent, naming the field', async () => {
      const title = await t.request('POST', ADD_TASK, {
        token: member,
        body: '{"todoType":"TASK","domainWorkSpace":"IMP-NLD-EXA-SWA","title":1e309,"description":"x","reporter":"example@example.com"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(title.status).toBe(400);
      expect(title.body.errors).toEqual([{ field: 'title', message: 'must be a finite number' }]);

      const domain = await t.request('POST', `${API}/admin/domains`, {
        token: admin,
        body: '{"code":1e309,"name":"Nowhere"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(domain.status).toBe(400);
      expect(fieldsOf(domain)).toEqual(['code']);
      const domains = await t.request('GET', `${API}/admin/domains`, { token: admin });
      expect(JSON.stringify(domains.body)).not.toMatch(/INFINITY/i);

      const nested = await t.request('POST', ADD_TASK, {
        token: member,
        body: '{"todoType":"TASK","title":"t","description":"d","tags":["a",-1e400]}',
        headers: { 'content-type': 'application/json' },
      });
      expect(fieldsOf(nested)).toEqual(['tags[1]']);

      // After schema coercion a path or query parameter may have become Infinity.
      const param = await t.request('GET', `${ENDPOINTS}/1e309`, { token: admin });
      expect(param.status).toBe(400);
      expect(fieldsOf(param)).toEqual(['path.id']);
    });

    it('refuses NUL and other control characters, allowing line breaks in multi-line text', async () => {
      const before = await countTodos();
      const nul = await t.request('POST', ADD_TASK, {
        token: member,
        body: task({ description: 'before\u0000after', tags: ['ok', 'bell\u0007'] }),
      });
      expect(nul.status).toBe(400);
      expect(nul.body.errors).toEqual([
        { field: 'description', message: 'must not contain control characters (found U+0000)' },
        { field: 'tags[1]', message: 'must not contain control characters (found U+0007)' },
      ]);

      const newlineInTitle = await t.request('POST', ADD_TASK, {
        token: member,
        body: task({ title: 'two\nlines', reporter: 'example@example.com\t' }),
      });
      expect(newlineInTitle.status).toBe(400);
      expect(fieldsOf(newlineInTitle)).toEqual(['reporter', 'title']);
      expect(messageOf(newlineInTitle, 'title')).toMatch(/single line/);

      const admins = await t.request('POST', `${API}/admin/domains`, {
        token: admin,
        body: { code: 'NUL-DOM', name: 'Name\u0000' },
      });
      expect(admins.status).toBe(400);
      expect(fieldsOf(admins)).toEqual(['name']);

      const query = await t.request('GET', `${TODOS}?q=a%00b`, { token: member });
      expect(query.status).toBe(400);
      expect(fieldsOf(query)).toEqual(['query.q']);

      const itsm = await t.request('POST', INCIDENT, {
        token: member,
        body: { subject: 'Key\u0000board', requesterEmail: 'example@example.com' },
      });
      expect(itsm.status).toBe(400);
      expect(itsm.body).toEqual({
        returnCode: 'FAILURE',
        status: 400,
        userMessage: 'subject: must not contain control characters (found U+0000)',
      });
      expect(await countTodos()).toBe(before);

      const multiLine = await t.request('POST', ADD_TASK, {
        token: member,
        body: task({ description: 'line 1\r\n\tline 2', result: 'a\nb' }),
      });
      expect(multiLine.status, multiLine.text).toBe(201);
      expect(multiLine.body.description).toBe('line 1\r\n\tline 2');
    });
  });

  describe('the token endpoint', () => {
    it.each(TOKEN_PATHS)('takes a form only, not JSON, on %s', async (path) => {
      const json = await t.request('POST', path, {
        body: { grant_type: 'password', username: 'example@example.com', password: 'Ex@mpl3!' },
      });
      expect(json.status).toBe(400);
      expect(json.body).toEqual({
        error: 'invalid_request',
        error_description: expect.stringContaining('application/x-www-form-urlencoded'),
      });
      const multipart = new FormData();
      multipart.set('grant_type', 'password');
      multipart.set('username', 'example@example.com');
      multipart.set('password', 'Ex@mpl3!');
      expect((await t.request('POST', path, { body: multipart })).status).toBe(200);
    });

    it('refuses a request that carries the access token twice (RFC 6750 §2)', async () => {
      expect((await t.request('GET', PROBE, { token: member })).status).toBe(404);
      const inQuery = await t.request('GET', `${PROBE}?access_token=${member}`, { token: member });
      const inBody = await t.request('POST', ADD_TASK, {
        token: member,
        body: task({ access_token: member }),
      });
      for (const res of [inQuery, inBody]) {
        expect(res.status).toBe(400);
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
      }
    });
  });

  describe('token revocation (RFC 7009)', () => {
    const revoke = (
      params: Record<string, string>,
      headers: Record<string, string> = {},
      path: string = REVOKE,
    ) => t.request('POST', path, { body: form(params), headers });
    const probe = async (token: string) => (await t.request('GET', PROBE, { token })).status;

    it.each(REVOKE_PATHS)('revokes an access token at once on %s', async (path) => {
      const grant = await passwordGrant('username@example.com', 'Username1!');
      const { access_token, refresh_token } = grant.body;
      expect(await probe(access_token)).toBe(404);
      const res = await revoke({ token: access_token }, {}, path);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({});
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await probe(access_token)).toBe(401);
      // Only itself: the sign-in's refresh token still works.
      const renewed = await t.request('POST', TOKEN, {
        body: form({ grant_type: 'refresh_token', refresh_token }),
      });
      expect(renewed.status).toBe(200);
      // Again, unknown, or a wrong hint: 200 all the same.
      expect((await revoke({ token: access_token })).status).toBe(200);
      expect((await revoke({ token: 'never-issued' })).status).toBe(200);
      expect(
        (await revoke({ token: renewed.body.access_token, token_type_hint: 'refresh_token' }))
          .status,
      ).toBe(200);
      expect(await probe(renewed.body.access_token)).toBe(401);
    });

    it('ends the whole sign-in when a refresh token is revoked', async () => {
      const grant = await passwordGrant('username@example.com', 'Username1!');
      const { access_token, refresh_token } = grant.body;
      const res = await revoke({ token: refresh_token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect(await probe(access_token)).toBe(401);
      const refresh = await t.request('POST', TOKEN, {
        body: form({ grant_type: 'refresh_token', refresh_token }),
      });
      expect(refresh.status).toBe(400);
      expect(refresh.body.error).toBe('invalid_grant');
    });

    it('lets only the client a token was issued to revoke it', async () => {
      const grant = await passwordGrant('example@example.com', 'Ex@mpl3!', { authorization: ERP });
      const token = grant.body.access_token as string;
      const refused: Record<string, string>[] = [{}, { authorization: OTHER }];
      for (const headers of refused) {
        const res = await revoke({ token }, headers);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('unauthorized_client');
        expect(await probe(token)).toBe(404);
      }
      const wrongSecret = await revoke({ token }, { authorization: basic('erp', 'wrong') });
      expect(wrongSecret.status).toBe(401);
      expect(wrongSecret.body.error).toBe('invalid_client');
      const body = await revoke({
        token,
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      });
      expect(body.status).toBe(200);
      expect(await probe(token)).toBe(401);
    });

    it('takes a form only and needs the token', async () => {
      const json = await t.request('POST', REVOKE, { body: { token: member } });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_request');
      const missing = await revoke({ token_type_hint: 'access_token' });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
      expect(await probe(member)).toBe(404);
    });
  });

  describe('a wrong method', () => {
    it('answers 405 with Allow on a known path, 404 on an unknown one', async () => {
      const wrong = await t.request('DELETE', ADD_TASK, { token: member });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST, PUT');
      expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(wrong.body).toMatchObject({ status: 405, code: 'method_not_allowed' });

      const health = await t.request('POST', '/healthz');
      expect(health.status).toBe(405);
      expect(health.headers.get('allow')).toBe('GET, HEAD');

      const revoke = await t.request('GET', REVOKE);
      expect(revoke.status).toBe(405);
      expect(revoke.headers.get('allow')).toBe('POST');

      const unknown = await t.request('DELETE', `${API}/task/no-such-route`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('allow')).toBeNull();
    });

    it('answers in the ITSM envelope on ITSM paths', async () => {
      const res = await t.request('PUT', `${INCIDENT}/12`, { token: member });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
      expect(res.body).toEqual({
        returnCode: 'FAILURE',
        status: 405,
        userMessage: expect.stringContaining('PUT is not allowed'),
      });
    });

    it('never tells an exposed path apart from an unknown route', async () => {
      const ep = await expose();
      const unknownPath = `${API}/task/no-such-route/x`;
      const like = async (path: string) => {
        const res = await t.request('GET', path);
        const base = await t.request('GET', unknownPath);
        expect(res.status).toBe(404);
        expect(res.headers.get('allow')).toBeNull();
        const { requestId: _a, ...mine } = res.body;
        const { requestId: _b, ...theirs } = base.body;
        expect(mine).toEqual({ ...theirs, detail: theirs.detail.replace(unknownPath, path) });
      };
      await like(`${EXPOSED}/${ep.uuid}`);
      await like(`${EXPOSED}/00000000-0000-4000-8000-000000000000`);
      const wrongOnForm = await t.request('POST', `${EXPOSED}/${ep.uuid}/form`, { body: {} });
      expect(wrongOnForm.status).toBe(404);
    });
  });
});
