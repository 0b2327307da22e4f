import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import {
  dialects,
  fixture,
  PASSWORDS,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const ADD = `${API}/task/add-task`;

const fieldsOf = (res: Reply) => (res.body.errors ?? []).map((e: { field: string }) => e.field);

describe.each(dialects)('todo comments, watchers and history on %s', (dialect) => {
  let t: TestServer;
  /** example@example.com: SWA and FIN. */
  let member: string;
  /** username@example.com: SWA only. */
  let seed: string;
  /** rge@vtti.com: FIN only. */
  let vtti: string;
  let outsider: string;
  let admin: string;
  /** The `erp` API client on its own (client_credentials): SWA and FIN. */
  let erp: string;
  /** The `other` API client: OTH-BEL-ANT-OPS only. */
  let otherClient: string;

  const createTodo = async (extra: Record<string, unknown> = {}, token = member) => {
    const res = await t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Seal numbers differ',
        description: 'Seal numbers differ from the manifest',
        reporter: 'example@example.com',
        ...extra,
      },
    });
    expect(res.status).toBe(201);
    return res.body as { key: string; id: number; taskLink: string };
  };
  const outbox = async (todoId: number) =>
    t.server.db.kysely
      .selectFrom('mailOutbox')
      .select(['toAddress', 'subject', 'bodyText', 'kind'])
      .where('todoId', '=', todoId)
      .orderBy('id')
      .execute();
  const history = async (ref: string | number, token = member) => {
    const res = await t.request('GET', `${API}/todos/${ref}/history`, { token });
    expect(res.status).toBe(200);
    return res.body.items as {
      action: string;
      actor: Record<string, unknown>;
      dialect: string;
      requestId: string | null;
      changes: { field: string; old: unknown; new: unknown }[];
    }[];
  };

  beforeAll(async () => {
    t = await startTestServer(dialect);
    [member, seed, vtti, outsider, admin, erp, otherClient] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
      t.login('rge@vtti.com'),
      t.login('outsider@other.example'),
      t.login('admin@example.com'),
      t.clientLogin('erp', 'erp-client-secret-0001'),
      t.clientLogin('other', 'other-client-secret-01'),
    ]);
  });
  afterAll(() => t?.close());

  describe('comments', () => {
    it('adds a comment (201) and lists them oldest first, by key or numeric id', async () => {
      const todo = await createTodo();
      const first = await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: member,
        body: { body: '  Checked with the carrier.  ' },
      });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.any(Number),
        body: 'Checked with the carrier.',
        author: { type: 'user', label: 'Example User', email: 'example@example.com' },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const second = await t.request('POST', `${API}/todos/${todo.id}/comments`, {
        token: seed,
        body: { body: 'Seals replaced.' },
      });
      expect(second.status).toBe(201);

      const list = await t.request('GET', `${API}/todos/${todo.key.toLowerCase()}/comments`, {
        token: member,
      });
      expect(list.status).toBe(200);
      expect(list.body.items.map((c: { body: string }) => c.body)).toEqual([
        'Checked with the carrier.',
        'Seals replaced.',
      ]);
      expect(list.body.items[1].author).toEqual({
        type: 'user',
        label: 'Seed User',
        email: 'username@example.com',
      });
    });

    it('names an API client acting on its own as the author', async () => {
      const todo = await createTodo();
      const res = await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: erp,
        body: { body: 'Order SO 777 is on hold in the ERP' },
      });
      expect(res.status).toBe(201);
      expect(res.body.author).toEqual({ type: 'client', label: 'ERP' });
    });

    it('refuses an empty, blank, missing or too long body, naming the field', async () => {
      const todo = await createTodo();
      const path = `${API}/todos/${todo.key}/comments`;
      for (const body of [{ body: '' }, { body: ' \n\t ' }, {}, { body: 'x'.repeat(10_001) }]) {
        const res = await t.request('POST', path, { token: member, body });
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(fieldsOf(res)).toEqual(['body']);
      }
      const ok = await t.request('POST', path, {
        token: member,
        body: { body: 'x'.repeat(10_000) },
      });
      expect(ok.status).toBe(201);
      const list = await t.request('GET', path, { token: member });
      expect(list.body.items).toHaveLength(1);
    });

    it('refuses a field a comment does not take, by name, and stores nothing', async () => {
      const todo = await createTodo();
      const path = `${API}/todos/${todo.key}/comments`;
      const res = await t.request('POST', path, {
        token: member,
        body: { body: 'Looks fine', author: 'someone@example.com' },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'author', message: 'is not a field this request takes' },
      ]);
      expect((await t.request('GET', path, { token: member })).body.items).toHaveLength(0);
    });

    it('mails every watcher with access except the author, in the same transaction', async () => {
      const todo = await createTodo();
      for (const email of ['example@example.com', 'username@example.com']) {
        const res = await t.request('PUT', `${API}/todos/${todo.key}/watchers/${email}`, {
          token: member,
        });
        expect(res.status).toBe(204);
      }
      const res = await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: member,
        body: { body: 'Please re-check the seals.' },
      });
      expect(res.status).toBe(201);
      const mails = await outbox(todo.id);
      expect(mails).toEqual([
        {
          toAddress: 'username@example.com',
          subject: `[${todo.key}] New comment by example@example.com`,
          bodyText: expect.stringContaining('Please re-check the seals.'),
          kind: 'watch',
        },
      ]);
      expect(mails[0]?.bodyText).toContain(todo.taskLink);

      // A watcher who has since lost access to the workspace gets nothing.
      const moved = structuredClone(fixture);
      const user = moved.users?.find((u) => u.email === 'username@example.com');
      if (!user) throw new Error('fixture changed');
      user.workspaces = ['VTT-NLD-TML-FIN'];
      await applyProvisioning(t.server.db, { scryptLogN: 14 }, validateProvisionDoc(moved));
      try {
        const again = await t.request('POST', `${API}/todos/${todo.key}/comments`, {
          token: erp,
          body: { body: 'Seals OK now.' },
        });
        expect(again.status).toBe(201);
        expect((await outbox(todo.id)).map((m) => m.toAddress)).toEqual([
          'username@example.com',
          'example@example.com',
        ]);
      } finally {
        await applyProvisioning(t.server.db, { scryptLogN: 14 }, fixture);
      }
    });
  });

  describe('watchers', () => {
    it('adds a watcher idempotently (204), lists and removes it', async () => {
      const todo = await createTodo();
      const path = `${API}/todos/${todo.key}/watchers`;
      for (let i = 0; i < 2; i++) {
        const res = await t.request('PUT', `${path}/Username@Example.com`, { token: member });
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
      }
      const list = await t.request('GET', path, { token: member });
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        items: [
          {
            email: 'username@example.com',
            name: 'Seed User',
            since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        ],
      });
      // Watching twice is one event.
      expect((await history(todo.key)).map((e) => e.action)).toEqual(['create', 'watch']);

      const del = await t.request('DELETE', `${path}/username@example.com`, { token: member });
      expect(del.status).toBe(204);
      expect((await t.request('GET', path, { token: member })).body.items).toEqual([]);
      const again = await t.request('DELETE', `${path}/username@example.com`, { token: member });
      expect(again.status).toBe(404);
      const unknown = await t.request('DELETE', `${path}/nobody@example.com`, { token: member });
      expect(unknown.status).toBe(404);
      expect((await history(todo.key)).map((e) => e.action)).toEqual([
        'create',
        'watch',
        'unwatch',
      ]);
    });

    it('records one watch when the same user is added twice at once', async () => {
      const todo = await createTodo();
      const put = () =>
        t.request('PUT', `${API}/todos/${todo.key}/watchers/username@example.com`, {
          token: member,
        });
      const answers = await Promise.all([put(), put(), put()]);
      expect(answers.map((r) => r.status)).toEqual([204, 204, 204]);
      expect((await history(todo.key)).map((e) => e.action)).toEqual(['create', 'watch']);
    });

    it('refuses a watcher without access, unknown or disabled, or not an e-mail (400 naming email)', async () => {
      const todo = await createTodo();
      const path = `${API}/todos/${todo.key}/watchers`;
      for (const email of ['rge@vtti.com', 'nobody@example.com', 'not-an-email']) {
        const res = await t.request('PUT', `${path}/${email}`, { token: member });
        expect(res.status, email).toBe(400);
        expect(fieldsOf(res), email).toEqual(['email']);
      }
      const noAccess = await t.request('PUT', `${path}/rge@vtti.com`, { token: member });
      expect(noAccess.body.errors[0].message).toContain('IMP-NLD-EXA-SWA');
      expect((await t.request('GET', path, { token: member })).body.items).toEqual([]);
      // An administrator may work in every workspace, so may watch any todo.
      const adminWatch = await t.request('PUT', `${path}/admin@example.com`, { token: member });
      expect(adminWatch.status).toBe(204);
    });
  });

  describe('history', () => {
    it('shows create, comment and watch in order, each with its actor, dialect and request id', async () => {
      const todo = await createTodo();
      await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: erp,
        body: { body: `A long remark ${'x'.repeat(300)}` },
        headers: { 'x-request-id': 'comment-req-1' },
      });
      await t.request('PUT', `${API}/todos/${todo.key}/watchers/username@example.com`, {
        token: seed,
      });
      const items = await history(todo.id);
      expect(items.map((e) => e.action)).toEqual(['create', 'comment', 'watch']);
      const [create, comment, watch] = items;
      expect(create).toMatchObject({
        actor: {
          type: 'user',
          label: 'user:example@example.com',
          email: 'example@example.com',
          name: 'Example User',
        },
        dialect: 'bzctrl',
      });
      expect(create?.changes).toEqual(
        expect.arrayContaining([
          { field: 'title', old: null, new: 'Seal numbers differ' },
          { field: 'status', old: null, new: 'INPROGRESS' },
        ]),
      );
      expect(comment).toMatchObject({
        actor: { type: 'client', label: 'client:erp', clientId: 'erp', name: 'ERP' },
        dialect: 'native',
        requestId: 'comment-req-1',
        changes: [{ field: 'comment', old: null, new: `A long remark ${'x'.repeat(186)}` }],
      });
      expect(comment?.actor.email).toBeUndefined();
      expect(watch).toMatchObject({
        actor: { type: 'user', email: 'username@example.com' },
        changes: [{ field: 'watchers', old: null, new: 'username@example.com' }],
      });
      for (const e of items) {
        expect(e).toMatchObject({ id: expect.any(Number), at: expect.stringMatching(/^\d{4}-/) });
      }
    });

    it('names fields as the API does: financialImpact in EUR, orderID, no creator ids', async () => {
      const todo = await createTodo({ financialImpact: '1050.5', orderID: 'SO-9' });
      const patch = await t.request('PATCH', `${API}/todos/${todo.key}`, {
        token: member,
        body: { financialImpact: '20', orderID: 'SO-10' },
      });
      expect(patch.status, patch.text).toBe(200);
      const [create, update] = await history(todo.key);
      const fields = create?.changes.map((c) => c.field) ?? [];
      expect(fields).toEqual(expect.arrayContaining(['financialImpact', 'orderID']));
      for (const stored of ['financialImpactCents', 'orderId', 'createdByUserId']) {
        expect(fields).not.toContain(stored);
      }
      expect(create?.changes).toEqual(
        expect.arrayContaining([
          { field: 'financialImpact', old: null, new: '1050.50' },
          { field: 'orderID', old: null, new: 'SO-9' },
        ]),
      );
      expect(update?.changes).toEqual(
        expect.arrayContaining([
          { field: 'financialImpact', old: '1050.50', new: '20.00' },
          { field: 'orderID', old: 'SO-9', new: 'SO-10' },
        ]),
      );
    });

    it('shows a PATCH with only the changed fields, after the earlier events', async () => {
      const todo = await createTodo({ priority: 'LOW' });
      await t.request('PUT', `${API}/todos/${todo.key}/watchers/username@example.com`, {
        token: member,
      });
      const patch = await t.request('PATCH', `${API}/todos/${todo.key}`, {
        token: seed,
        body: { status: 'done', priority: 'LOW' },
      });
      expect(patch.status, patch.text).toBe(200);
      const items = await history(todo.key);
      expect(items.map((e) => e.action)).toEqual(['create', 'watch', 'update']);
      expect(items[2]).toMatchObject({
        actor: { type: 'user', email: 'username@example.com' },
        dialect: 'native',
      });
      expect(items[2]?.changes).toEqual(
        expect.arrayContaining([{ field: 'status', old: 'INPROGRESS', new: 'DONE' }]),
      );
      expect(items[2]?.changes.map((c) => c.field)).not.toContain('priority');
    });

    it('names a user acting through a client, an exposed endpoint and a system job', async () => {
      const token = await t.request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'example@example.com',
          password: PASSWORDS['example@example.com'] ?? '',
          client_id: 'erp',
          client_secret: 'erp-client-secret-0001',
        }),
      });
      expect(token.status).toBe(200);
      const todo = await createTodo({}, token.body.access_token);
      const ws = await t.server.db.kysely
        .selectFrom('workspaces')
        .select('id')
        .where('key', '=', 'IMP-NLD-EXA-SWA')
        .executeTakeFirstOrThrow();
      // The expiry job and exposed endpoints write these rows; written here directly.
      const base = {
        entityType: 'todo',
        entityId: todo.id,
        workspaceId: Number(ws.id),
        actorUserId: null,
        actorClientId: null,
        requestId: null,
      };
      await t.server.db.kysely
        .insertInto('auditEvents')
        .values([
          {
            ...base,
            occurredAt: new Date().toISOString(),
            actorEndpointId: 7,
            actorLabel: 'endpoint:Public form',
            dialect: 'exposed',
            action: 'update',
            changes: JSON.stringify({ tags: [[], ['urgent']] }),
          },
          {
            ...base,
            occurredAt: new Date().toISOString(),
            actorEndpointId: null,
            actorLabel: 'system',
            dialect: 'system',
            action: 'expire',
            changes: JSON.stringify({ status: ['INPROGRESS', 'EXPIRED'] }),
          },
        ])
        .execute();
      const items = await history(todo.key);
      expect(items.map((e) => [e.action, e.actor])).toEqual([
        [
          'create',
          {
            type: 'user',
            label: 'user:example@example.com via client:erp',
            name: 'Example User',
            email: 'example@example.com',
            clientId: 'erp',
            clientName: 'ERP',
          },
        ],
        // An endpoint deleted since: no name now, the recorded label stays.
        ['update', { type: 'endpoint', label: 'endpoint:Public form', endpointId: 7 }],
        ['expire', { type: 'system', label: 'system' }],
      ]);
      expect(items[1]?.changes).toEqual([{ field: 'tags', old: [], new: ['urgent'] }]);
      expect(items[2]).toMatchObject({
        dialect: 'system',
        requestId: null,
        changes: [{ field: 'status', old: 'INPROGRESS', new: 'EXPIRED' }],
      });
    });
  });

  describe('tenant isolation and scopes', () => {
    it("answers 404 on every route for another workspace's todo, and for a missing one", async () => {
      const todo = await createTodo();
      await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: member,
        body: { body: 'Internal note' },
      });
      await t.request('PUT', `${API}/todos/${todo.key}/watchers/username@example.com`, {
        token: member,
      });
      const routes: [string, string, unknown?][] = [
        ['GET', 'comments'],
        ['POST', 'comments', { body: 'Let me in' }],
        ['GET', 'watchers'],
        ['PUT', 'watchers/rge@vtti.com'],
        ['PUT', 'watchers/example@example.com'],
        ['DELETE', 'watchers/username@example.com'],
        ['GET', 'history'],
      ];
      for (const token of [vtti, outsider, otherClient]) {
        for (const [method, sub, body] of routes) {
          for (const ref of [todo.key, todo.id]) {
            const res = await t.request(method, `${API}/todos/${ref}/${sub}`, { token, body });
            expect(res.status, `${method} ${sub} ${ref}`).toBe(404);
            expect(res.body.code).toBe('not_found');
          }
        }
      }
      for (const [method, sub, body] of routes) {
        const res = await t.request(method, `${API}/todos/IMP-NLD-EXA-SWA-9999/${sub}`, {
          token: member,
          body,
        });
        expect(res.status, `${method} ${sub}`).toBe(404);
      }
      // Nothing changed through the refused calls.
      expect((await history(todo.key)).map((e) => e.action)).toEqual([
        'create',
        'comment',
        'watch',
      ]);
      const watchers = await t.request('GET', `${API}/todos/${todo.key}/watchers`, {
        token: admin,
      });
      expect(watchers.body.items.map((w: { email: string }) => w.email)).toEqual([
        'username@example.com',
      ]);
    });

    it('answers 404 on every route once the todo is deleted', async () => {
      const todo = await createTodo();
      const del = await t.request('DELETE', `${API}/todos/${todo.key}`, { token: member });
      expect(del.status).toBe(204);
      for (const [method, sub, body] of [
        ['GET', 'comments'],
        ['POST', 'comments', { body: 'Too late' }],
        ['GET', 'watchers'],
        ['PUT', 'watchers/example@example.com'],
        ['GET', 'history'],
      ] as const) {
        const res = await t.request(method, `${API}/todos/${todo.key}/${sub}`, {
          token: admin,
          body,
        });
        expect(res.status, `${method} ${sub}`).toBe(404);
      }
    });

    it('needs a token (401) and todo:write to change anything (403)', async () => {
      const todo = await createTodo();
      const none = await t.request('GET', `${API}/todos/${todo.key}/history`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      const res = await t.request('POST', '/bzctrl-core-api/oauth/token', {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'example@example.com',
          password: PASSWORDS['example@example.com'] ?? '',
          scope: 'todo:read',
        }),
      });
      const readOnly = res.body.access_token as string;
      for (const [method, sub] of [
        ['GET', 'comments'],
        ['GET', 'watchers'],
        ['GET', 'history'],
      ] as const) {
        expect(
          (await t.request(method, `${API}/todos/${todo.key}/${sub}`, { token: readOnly })).status,
        ).toBe(200);
      }
      const post = await t.request('POST', `${API}/todos/${todo.key}/comments`, {
        token: readOnly,
        body: { body: 'x' },
      });
      expect(post.status).toBe(403);
      const put = await t.request('PUT', `${API}/todos/${todo.key}/watchers/example@example.com`, {
        token: readOnly,
      });
      expect(put.status).toBe(403);
    });
  });

  describe('GET /workspaces', () => {
    const keysOf = (res: Reply) =>
      res.body.items.map((w: { key: string; default: boolean }) => [w.key, w.default]);

    it("lists the caller's workspaces with domain and the default one", async () => {
      const res = await t.request('GET', `${API}/workspaces`, { token: member });
      expect(res.status).toBe(200);
      expect(res.body.items[0]).toEqual({
        key: 'IMP-NLD-EXA-SWA',
        code: 'SWA',
        name: 'Inbound Control',
        domain: 'IMP-NLD-EXA',
        domainName: 'Example Import NL',
        default: false,
      });
      // Two workspaces and no client: a create must name one.
      expect(keysOf(res)).toEqual([
        ['IMP-NLD-EXA-SWA', false],
        ['VTT-NLD-TML-FIN', false],
      ]);
      // One workspace is the default; a client's default workspace is its own.
      expect(keysOf(await t.request('GET', `${API}/workspaces`, { token: seed }))).toEqual([
        ['IMP-NLD-EXA-SWA', true],
      ]);
      expect(keysOf(await t.request('GET', `${API}/workspaces`, { token: erp }))).toEqual([
        ['IMP-NLD-EXA-SWA', true],
        ['VTT-NLD-TML-FIN', false],
      ]);
      expect(keysOf(await t.request('GET', `${API}/workspaces`, { token: outsider }))).toEqual([
        ['OTH-BEL-ANT-OPS', true],
      ]);
      expect(keysOf(await t.request('GET', `${API}/workspaces`, { token: admin }))).toEqual([
        ['IMP-NLD-EXA-SWA', false],
        ['OTH-BEL-ANT-OPS', false],
        ['VTT-NLD-TML-FIN', false],
      ]);
      expect((await t.request('GET', `${API}/workspaces`)).status).toBe(401);
    });
  });
});
