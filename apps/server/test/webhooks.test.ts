import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueOnce, fanOutOnce } from '../src/core/webhooks/webhooks.delivery.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';

/**
 * SPEC §8's webhooks through the real server: subscriptions, signed deliveries to real
 * receivers on loopback, retries in order, echo suppression, tenant scoping, the delivery
 * log, replay, the test ping, disabling after a day of failures, and the SSRF refusals.
 */

const API = '/bzctrl-core-api/api/v1';
const HOOKS = `${API}/webhooks`;
const HOUR = 3600_000;

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const verify = (secret: string, r: Receiver['got'][number]) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });

describe.each(dialects)('webhooks on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;
  let erp: string;
  let other: string;
  const receivers: Receiver[] = [];

  const receiver = async (...a: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...a);
    receivers.push(r);
    return r;
  };
  const subscribe = async (token: string, body: Record<string, unknown>) => {
    const res = await t.request('POST', HOOKS, { token, body: { events: ['todo.*'], ...body } });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; secret: string };
  };
  /** The delivery log once `check` holds for it (the receiver answers before it is recorded). */
  const logWhen = async (
    id: number,
    // biome-ignore lint/suspicious/noExplicitAny: the log as the API returns it
    check: (items: any[]) => boolean,
    query = '',
  ) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await t.request('GET', `${HOOKS}/${id}/deliveries${query}`, { token: admin });
      expect(res.status, res.text).toBe(200);
      if (check(res.body.items) || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const create = async (token: string, extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', `${API}/todos`, {
      token,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'Check seal numbers',
        description: 'Seal numbers differ from the manifest',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
        ...extra,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.key as string;
  };

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      env: {
        BZCTRL_JOBS: 'true',
        BZCTRL_JOB_INTERVAL: '3600',
        BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
        BZCTRL_WEBHOOK_BACKOFF_MS: '20',
      },
    });
    admin = await t.login('admin@example.com');
    member = await t.login('example@example.com');
    erp = await t.clientLogin('erp', 'erp-client-secret-0001');
    other = await t.clientLogin('other', 'other-client-secret-01');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('shows the secret once, signs every delivery, and both secrets sign during a rotation', async () => {
    const rx = await receiver();
    const hook = await subscribe(admin, { url: rx.url });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    const got = await t.request('GET', `${HOOKS}/${hook.id}`, { token: admin });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.text).not.toContain(hook.secret.slice(6));
    const listed = await t.request('GET', HOOKS, { token: admin });
    expect(listed.text).not.toContain(hook.secret.slice(6));
    expect(got.body).toMatchObject({ url: rx.url, events: ['todo.*'], enabled: true });
    expect(got.body.owner).toEqual({ type: 'user', name: 'admin@example.com' });

    const key = await create(member);
    const patched = await t.request('PATCH', `${API}/todos/${key}`, {
      token: member,
      body: { title: 'Seal numbers checked' },
    });
    expect(patched.status, patched.text).toBe(200);
    const commented = await t.request('POST', `${API}/todos/${key}/comments`, {
      token: member,
      body: { body: 'Matches the manifest now' },
    });
    expect(commented.status, commented.text).toBe(201);
    await rx.until(() => rx.got.length >= 3);
    const types = rx.got.map((r) => r.json.type);
    expect(types).toEqual(['todo.created', 'todo.updated', 'todo.commented']);
    for (const r of rx.got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(String(r.headers['webhook-id'])).toMatch(/^msg_/);
      expect(verify(hook.secret, r)).toMatchObject({ todo: { key } });
    }
    expect(rx.got[1]?.json.changes.title).toEqual(['Check seal numbers', 'Seal numbers checked']);
    expect(rx.got[0]?.json.actor).toEqual({
      type: 'user',
      name: 'example@example.com',
      clientId: null,
    });
    // A wrong secret does not verify.
    const stranger = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => verify(stranger, rx.got[0] as Receiver['got'][number])).toThrow();

    const rotated = await t.request('POST', `${HOOKS}/${hook.id}/rotate-secret`, { token: admin });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretUntil)).toBeGreaterThan(Date.now() + 23 * HOUR);
    await create(member, { title: 'After the rotation' });
    await rx.until(() => rx.got.length >= 4);
    const after = rx.got[3] as Receiver['got'][number];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(fresh, after)).toMatchObject({ type: 'todo.created' });
    expect(verify(hook.secret, after)).toMatchObject({ type: 'todo.created' });
    await t.request('DELETE', `${HOOKS}/${hook.id}`, { token: admin });
  });

  it('validates field by field and lets only admins and API clients manage webhooks', async () => {
    const bad = async (body: unknown, field: string, token = admin) => {
      const res = await t.request('POST', HOOKS, { token, body });
      expect(res.status, res.text).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await bad({ events: ['todo.*'] }, 'url');
    await bad({ url: 'https://example.com/h' }, 'events');
    await bad({ url: 'https://example.com/h', events: [] }, 'events');
    await bad({ url: 'https://example.com/h', events: ['todo.nope'] }, 'events[0]');
    await bad({ url: 'not a url', events: ['todo.*'] }, 'url');
    await bad({ url: 'ftp://example.com/h', events: ['todo.*'] }, 'url');
    await bad({ url: 'https://u:p@example.com/h', events: ['todo.*'] }, 'url');
    await bad({ url: 'https://example.com/h', events: ['todo.*'], colour: 'red' }, 'colour');
    await bad(
      { url: 'https://example.com/h', events: ['todo.*'], includeOwn: 'yes' },
      'includeOwn',
    );
    // The ERP client may not subscribe to another customer's workspace.
    await bad(
      { url: 'https://example.com/h', events: ['todo.*'], workspaces: ['OTH-BEL-ANT-OPS'] },
      'workspaces[0]',
      erp,
    );
    for (const body of [null, [], 'x', 42, { url: 1, events: 'todo.*' }]) {
      const res = await t.request('POST', HOOKS, {
        token: admin,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, res.text).toBe(400);
    }
    const memberTry = await t.request('POST', HOOKS, {
      token: member,
      body: { url: 'https://example.com/h', events: ['todo.*'] },
    });
    expect(memberTry.status).toBe(403);
    expect((await t.request('GET', HOOKS, { token: member })).status).toBe(403);

    const rx = await receiver();
    const mine = await subscribe(erp, { url: rx.url, workspaces: ['imp-nld-exa-swa'] });
    const shown = await t.request('GET', `${HOOKS}/${mine.id}`, { token: erp });
    expect(shown.body).toMatchObject({
      workspaces: ['IMP-NLD-EXA-SWA'],
      owner: { type: 'client', name: 'erp' },
    });
    // Another client neither sees nor touches it; the admin sees every one.
    expect((await t.request('GET', `${HOOKS}/${mine.id}`, { token: other })).status).toBe(404);
    expect(
      (
        await t.request('PATCH', `${HOOKS}/${mine.id}`, {
          token: other,
          body: { includeOwn: true },
        })
      ).status,
    ).toBe(404);
    const otherList = await t.request('GET', HOOKS, { token: other });
    expect(otherList.body.items).toEqual([]);
    const adminList = await t.request('GET', HOOKS, { token: admin });
    expect(adminList.body.items.map((h: { id: number }) => h.id)).toContain(mine.id);
    const patched = await t.request('PATCH', `${HOOKS}/${mine.id}`, {
      token: erp,
      body: { events: ['todo.created', 'todo.commented'], workspaces: null },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['todo.created', 'todo.commented'],
      workspaces: null,
    });
    const badPatch = await t.request('PATCH', `${HOOKS}/${mine.id}`, {
      token: erp,
      body: { url: 'https://exa mple.com' },
    });
    expect(badPatch.status).toBe(400);
    expect((await t.request('GET', `${HOOKS}/99999999`, { token: admin })).status).toBe(404);
    expect((await t.request('GET', `${HOOKS}/abc`, { token: admin })).status).toBe(400);
    expect((await t.request('DELETE', `${HOOKS}/${mine.id}`, { token: erp })).status).toBe(204);
    expect((await t.request('GET', `${HOOKS}/${mine.id}`, { token: erp })).status).toBe(404);
    // Audited like admin entities, never with the secret.
    const audit = await t.server.db.kysely
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'webhook')
      .where('entityId', '=', mine.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
    expect(audit.every((a) => a.actorLabel.includes('erp'))).toBe(true);
    expect(JSON.parse(audit[1]?.changes ?? '{}')).toMatchObject({
      events: [['todo.*'], ['todo.created', 'todo.commented']],
    });
    expect(audit.map((a) => a.changes).join()).not.toContain(mine.secret.slice(6));
  });

  it('delivers later, in order per todo, to a receiver that fails its first attempts', async () => {
    const rx = await receiver((_r, n) => (n < 4 ? 503 : 200));
    const hook = await subscribe(admin, { url: rx.url });
    const keys = [
      await create(member, { title: 'first' }),
      await create(member, { title: 'second' }),
    ];
    for (let i = 0; i < 3; i++) {
      for (const key of keys) {
        const res = await t.request('PATCH', `${API}/todos/${key}`, {
          token: member,
          body: { title: `${key} v${i}` },
        });
        expect(res.status, res.text).toBe(200);
      }
    }
    await rx.until(() => rx.delivered().length >= 8, 15_000);
    const delivered = rx.delivered();
    expect(delivered).toHaveLength(8);
    for (const key of keys) {
      const ids = delivered.filter((r) => r.json.todo.key === key).map((r) => r.json.id);
      expect(ids).toHaveLength(4);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    expect(new Set(delivered.map((r) => r.headers['webhook-id'])).size).toBe(8);
    const log = await logWhen(hook.id, (items) =>
      items.every((d: { status: string }) => d.status === 'delivered'),
    );
    expect(log.body.items).toHaveLength(8);
    expect(log.body.items.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    const retried = log.body.items.filter((d: { attempts: number }) => d.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    await t.request('DELETE', `${HOOKS}/${hook.id}`, { token: admin });
  });

  it('suppresses an API client its own events unless includeOwn, and never crosses tenants', async () => {
    const quiet = await receiver();
    const loud = await receiver();
    const foreign = await receiver();
    await subscribe(erp, { url: quiet.url });
    await subscribe(erp, { url: loud.url, includeOwn: true });
    await subscribe(other, { url: foreign.url, includeOwn: true });
    const byErp = await create(erp, { title: 'made by the ERP' });
    const byMember = await create(member, { title: 'made by a person' });
    const outsider = await t.login('outsider@other.example');
    const res = await t.request('POST', `${API}/todos`, {
      token: outsider,
      body: {
        todoType: 'TASK',
        workspace: 'OTH-BEL-ANT-OPS',
        title: 'Another customer',
        description: 'd',
        assignee: 'outsider@other.example',
        reporter: 'outsider@other.example',
      },
    });
    expect(res.status, res.text).toBe(201);
    const otherKey = res.body.key as string;
    await loud.until(() => loud.got.length >= 2);
    await quiet.until(() => quiet.got.length >= 1);
    await foreign.until(() => foreign.got.length >= 1);
    // Give a wrongly queued delivery the time to arrive.
    await new Promise((r) => setTimeout(r, 500));
    expect(quiet.got.map((r) => r.json.todo.key)).toEqual([byMember]);
    expect(loud.got.map((r) => r.json.todo.key)).toEqual([byErp, byMember]);
    expect(foreign.got.map((r) => r.json.todo.key)).toEqual([otherKey]);
    expect(loud.got[0]?.json.actor).toMatchObject({ type: 'client', clientId: 'erp' });
  });

  it('keeps a delivery log with the answer, replays a delivery, sends a test ping, and does not follow a redirect', async () => {
    const big = 'x'.repeat(3000);
    const rx = await receiver((r) =>
      r.json?.type === 'webhook.test' ? [200, 'pong'] : [201, big],
    );
    const hook = await subscribe(admin, { url: rx.url, events: ['todo.created'] });
    const key = await create(member);
    await t.request('PATCH', `${API}/todos/${key}`, { token: member, body: { title: 'not sent' } });
    await rx.until(() => rx.got.length >= 1);
    const log = await logWhen(hook.id, (items) => items[0]?.status === 'delivered');
    expect(log.body.items).toHaveLength(1);
    const d = log.body.items[0];
    expect(d).toMatchObject({
      eventType: 'todo.created',
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: null,
      lastError: null,
      replayOf: null,
      lastResponse: { status: 201 },
    });
    expect(d.lastResponse.body).toBe('x'.repeat(1024));
    expect(d.messageId).toBe(rx.got[0]?.headers['webhook-id']);

    const replay = await t.request('POST', `${HOOKS}/${hook.id}/deliveries/${d.id}/replay`, {
      token: admin,
    });
    expect(replay.status, replay.text).toBe(202);
    expect(replay.body).toMatchObject({
      replayOf: d.id,
      status: 'pending',
      messageId: d.messageId,
    });
    await rx.until(() => rx.got.length >= 2);
    expect(rx.got[1]?.body).toBe(rx.got[0]?.body);
    expect(rx.got[1]?.headers['webhook-id']).toBe(rx.got[0]?.headers['webhook-id']);
    expect(
      (await t.request('POST', `${HOOKS}/${hook.id}/deliveries/99999999/replay`, { token: admin }))
        .status,
    ).toBe(404);

    const ping = await t.request('POST', `${HOOKS}/${hook.id}/test`, { token: admin });
    expect(ping.status, ping.text).toBe(202);
    await rx.until(() => rx.got.length >= 3);
    expect(verify(hook.secret, rx.got[2] as Receiver['got'][number])).toMatchObject({
      type: 'webhook.test',
      webhook: { id: hook.id },
    });
    await rx.until(() => false, 300).catch(() => undefined);
    const pinged = await t.request('GET', `${HOOKS}/${hook.id}/deliveries?limit=1`, {
      token: admin,
    });
    expect(pinged.body.items[0]).toMatchObject({
      eventType: 'webhook.test',
      status: 'delivered',
      lastResponse: { status: 200, body: 'pong' },
    });

    // A redirect is an answer, not a way elsewhere: the attempt failed, nothing followed.
    const hop = await receiver(() => 302);
    const moved = await subscribe(admin, { url: hop.url, events: ['todo.created'] });
    await create(member, { title: 'redirected' });
    await hop.until(() => hop.got.length >= 2);
    const movedLog = await logWhen(moved.id, (items) => items[0]?.lastResponse !== null);
    expect(movedLog.body.items[0]).toMatchObject({
      status: 'pending',
      lastResponse: { status: 302 },
    });
    expect(movedLog.body.items[0].lastError).toMatch(/redirect/);
    await t.request('DELETE', `${HOOKS}/${moved.id}`, { token: admin });
    await t.request('DELETE', `${HOOKS}/${hook.id}`, { token: admin });
  });
});

describe.each(dialects)('webhook failures and address rules on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];

  beforeAll(async () => {
    // No loops of its own: the test drives fan-out and delivery with its own clock.
    t = await startTestServer(dialect, {
      env: { BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true', BZCTRL_WEBHOOK_BACKOFF_MS: '20' },
    });
    admin = await t.login('admin@example.com');
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('disables a webhook that failed for 24 h, mails the admins, and resumes when enabled', async () => {
    let up = false;
    const rx = await startReceiver(() => (up ? 200 : 500));
    receivers.push(rx);
    const sub = await t.request('POST', HOOKS, {
      token: admin,
      body: { url: rx.url, events: ['todo.*'] },
    });
    expect(sub.status, sub.text).toBe(201);
    const id = sub.body.id as number;
    const created = await t.request('POST', `${API}/todos`, {
      token: member,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'Failing receiver',
        description: 'd',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
      },
    });
    expect(created.status).toBe(201);
    const { db, config } = { db: t.server.db, config: t.server.app };
    void config;
    const cfg = (await import('../src/platform/config.ts')).readConfig({
      BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
      BZCTRL_WEBHOOK_BACKOFF_MS: '20',
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
    });
    const log = t.server.app.log;
    const start = new Date();
    expect((await fanOutOnce(db, cfg, start)).made).toBe(1);
    expect(await deliverDueOnce(db, cfg, log, start)).toBe(1);
    let hook = await t.request('GET', `${HOOKS}/${id}`, { token: admin });
    expect(hook.body).toMatchObject({ enabled: true, failingSince: start.toISOString() });
    // Still failing 23 h later: still enabled.
    expect(await deliverDueOnce(db, cfg, log, new Date(start.getTime() + 23 * HOUR))).toBe(1);
    hook = await t.request('GET', `${HOOKS}/${id}`, { token: admin });
    expect(hook.body.enabled).toBe(true);
    // 24 h and more: disabled, the admins mailed, nothing more attempted.
    expect(await deliverDueOnce(db, cfg, log, new Date(start.getTime() + 25 * HOUR))).toBe(1);
    hook = await t.request('GET', `${HOOKS}/${id}`, { token: admin });
    expect(hook.body.enabled).toBe(false);
    expect(hook.body.disabledReason).toMatch(/failed for 24 h/);
    const mails = await db.kysely
      .selectFrom('mailOutbox')
      .selectAll()
      .where('kind', '=', 'webhook-disabled')
      .execute();
    expect(mails.map((m) => m.toAddress)).toEqual(['admin@example.com']);
    expect(mails[0]?.bodyText).toContain(rx.url);
    expect(await deliverDueOnce(db, cfg, log, new Date(start.getTime() + 30 * HOUR))).toBe(0);
    expect(rx.got).toHaveLength(3);
    const deliveries = await t.request('GET', `${HOOKS}/${id}/deliveries`, { token: admin });
    expect(deliveries.body.items[0]).toMatchObject({
      status: 'pending',
      attempts: 3,
      lastResponse: { status: 500 },
    });

    up = true;
    const enabled = await t.request('PATCH', `${HOOKS}/${id}`, {
      token: admin,
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabledAt: null, failingSince: null });
    expect(await deliverDueOnce(db, cfg, log, new Date(start.getTime() + 31 * HOUR))).toBe(1);
    expect(rx.delivered()).toHaveLength(1);
    expect(rx.delivered()[0]?.json.todo.title).toBe('Failing receiver');
  });
});

describe.each(dialects)(
  'webhook address rules without BZCTRL_WEBHOOK_ALLOW_PRIVATE on %s',
  (dialect) => {
    let t: TestServer;
    let admin: string;

    beforeAll(async () => {
      t = await startTestServer(dialect);
      admin = await t.login('admin@example.com');
    });
    afterAll(() => t?.close());

    it('refuses private, loopback, link-local and metadata targets after resolving them, and plain http', async () => {
      const refusedUrls = [
        'https://127.0.0.1/hook',
        'http://127.0.0.1:8080/hook',
        'https://10.0.0.1/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[fd00:ec2::254]/hook',
        'https://100.64.0.1/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://localhost/hook',
        'https://0.0.0.0/hook',
        'http://example.com/hook',
      ];
      for (const url of refusedUrls) {
        const res = await t.request('POST', HOOKS, {
          token: admin,
          body: { url, events: ['todo.*'] },
        });
        expect(res.status, `${url}: ${res.text}`).toBe(400);
        expect(res.body.errors, url).toEqual([{ field: 'url', message: expect.any(String) }]);
      }
      const loopback = await t.request('POST', HOOKS, {
        token: admin,
        body: { url: 'https://localhost/hook', events: ['todo.*'] },
      });
      expect(loopback.body.errors[0].message).toMatch(/127\.0\.0\.1|::1/);
    });

    it('checks the address again at delivery time, so a target that became private gets nothing', async () => {
      const rx = await startReceiver();
      try {
        // As if the name had resolved to a public address when it was subscribed.
        const ts = new Date().toISOString();
        const { db } = t.server;
        const [sub] = await db.kysely
          .insertInto('webhookSubscriptions')
          .values({
            url: rx.url,
            events: '["todo.*"]',
            workspaceIds: null,
            includeOwn: 0,
            ownerUserId: 1,
            ownerClientId: null,
            secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
            previousSecret: null,
            previousSecretUntil: null,
            status: 'active',
            disabledAt: null,
            disabledReason: null,
            failingSince: null,
            position: 0,
            createdAt: ts,
            updatedAt: ts,
          })
          .returning('id')
          .execute();
        const ping = await t.request('POST', `${HOOKS}/${sub?.id}/test`, { token: admin });
        expect(ping.status, ping.text).toBe(202);
        const cfg = (await import('../src/platform/config.ts')).readConfig({});
        expect(await deliverDueOnce(t.server.db, cfg, t.server.app.log)).toBe(1);
        expect(rx.got).toHaveLength(0);
        const log = await t.request('GET', `${HOOKS}/${sub?.id}/deliveries`, { token: admin });
        expect(log.body.items[0]).toMatchObject({ status: 'pending', lastResponse: null });
        expect(log.body.items[0].lastError).toMatch(/^refused: .*127\.0\.0\.1/);
      } finally {
        await rx.close();
      }
    });
  },
);
