import { BzCtrlClient, BzCtrlError, verifyWebhook, WebhookVerificationError } from '@bzctrl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, PASSWORDS, startTestServer, type TestServer } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';

/**
 * The SDK's `webhooks.*` against a real server delivering to a real receiver, and its
 * `verifyWebhook` helper as a receiver uses it.
 */

describe.each(dialects)('SDK webhooks on %s', (dialect) => {
  let s: TestServer;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    s = await startTestServer(dialect, {
      env: {
        BZCTRL_JOBS: 'true',
        BZCTRL_JOB_INTERVAL: '3600',
        BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
        BZCTRL_WEBHOOK_BACKOFF_MS: '20',
      },
    });
    rx = await startReceiver();
  });
  afterAll(async () => {
    await s?.close();
    await rx?.close();
  });

  it('creates, lists, reads, changes, pings, replays, rotates and deletes a webhook', async () => {
    const erp = new BzCtrlClient({
      baseUrl: s.url,
      clientId: 'erp',
      clientSecret: 'erp-client-secret-0001',
    });
    const hook = await erp.webhooks.create({
      url: rx.url,
      events: ['todo.created'],
      workspaces: ['IMP-NLD-EXA-SWA'],
      includeOwn: true,
    });
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.owner).toEqual({ type: 'client', name: 'erp' });
    expect((await erp.webhooks.list()).items.map((h) => h.id)).toEqual([hook.id]);
    expect(await erp.webhooks.get(hook.id)).not.toHaveProperty('secret');

    const todo = await erp.todos.create({
      workspace: 'IMP-NLD-EXA-SWA',
      todoType: 'TASK',
      title: 'Through the SDK',
      description: 'd',
      reporter: 'example@example.com',
    });
    await rx.until(() => rx.got.length >= 1);
    const first = rx.got[0];
    if (!first) throw new Error('nothing arrived');
    // The receiver's side: Node's IncomingHttpHeaders, and a fetch-style Headers.
    const event = verifyWebhook(first.body, first.headers, hook.secret);
    expect(event).toMatchObject({ type: 'todo.created', todo: { key: todo.key } });
    const asHeaders = new Headers(first.headers as Record<string, string>);
    expect(verifyWebhook(new TextEncoder().encode(first.body), asHeaders, hook.secret)).toEqual(
      event,
    );
    expect(() => verifyWebhook(`${first.body} `, first.headers, hook.secret)).toThrow(
      WebhookVerificationError,
    );

    const changed = await erp.webhooks.update(hook.id, { events: ['todo.*'] });
    expect(changed.events).toEqual(['todo.*']);
    const ping = await erp.webhooks.test(hook.id);
    expect(ping).toMatchObject({ eventType: 'webhook.test', status: 'pending' });
    await rx.until(() => rx.got.length >= 2);
    expect(
      verifyWebhook(rx.got[1]?.body ?? '', rx.got[1]?.headers ?? {}, hook.secret),
    ).toMatchObject({ type: 'webhook.test', webhook: { id: hook.id } });

    const { items } = await erp.webhooks.deliveries(hook.id, { limit: 10 });
    const created = items.find((d) => d.eventType === 'todo.created');
    expect(created).toMatchObject({ attempts: 1 });
    const replay = await erp.webhooks.replay(hook.id, created?.id ?? 0);
    expect(replay.replayOf).toBe(created?.id);
    await rx.until(() => rx.got.length >= 3);

    const rotated = await erp.webhooks.rotateSecret(hook.id);
    expect(rotated.secret).not.toBe(hook.secret);
    await erp.webhooks.test(hook.id);
    await rx.until(() => rx.got.length >= 4);
    const last = rx.got[3];
    expect(verifyWebhook(last?.body ?? '', last?.headers ?? {}, rotated.secret)).toBeTruthy();
    expect(verifyWebhook(last?.body ?? '', last?.headers ?? {}, hook.secret)).toBeTruthy();

    await erp.webhooks.delete(hook.id);
    const gone = await erp.webhooks.get(hook.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(BzCtrlError);
    expect((gone as BzCtrlError).status).toBe(404);
  });

  it('throws a BzCtrlError naming the field of a refused subscription', async () => {
    const admin = new BzCtrlClient({
      baseUrl: s.url,
      username: 'admin@example.com',
      password: PASSWORDS['admin@example.com'],
    });
    const err = await admin.webhooks
      .create({ url: 'ftp://example.com/x', events: ['todo.*'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BzCtrlError);
    expect((err as BzCtrlError).status).toBe(400);
    expect((err as BzCtrlError).errors.map((f) => f.field)).toEqual(['url']);
  });
});
