import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * Webhook delivery across processes: a `serve` killed with -9 while deliveries are
 * pending loses none of them; two processes on one PostgreSQL deliver each event once;
 * and the lag from a create to its receiver under a steady 100 creates/s.
 */

const API = '/bzctrl-core-api/api/v1';
const HOOKS = `${API}/webhooks`;

const todo = (title: string) => ({
  todoType: 'TASK',
  workspace: 'IMP-NLD-EXA-SWA',
  title,
  description: 'Webhook delivery check',
  assignee: 'username@example.com',
  reporter: 'example@example.com',
});

describe.each(dialects)('webhook delivery across processes on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let member: string;
  const children: ServeProcess[] = [];

  beforeAll(async () => {
    // Only writes here; the spawned `serve` processes deliver.
    t = await startTestServer(dialect, { env: { BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    admin = await t.login('admin@example.com');
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
    await t?.close();
  });

  const serve = (env: Record<string, string> = {}) => {
    const child = spawnServe({
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_LOG_LEVEL: 'warn',
      BZCTRL_JOBS: 'true',
      BZCTRL_JOB_INTERVAL: '3600',
      BZCTRL_RATE_LIMIT: '1000000',
      BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
      BZCTRL_WEBHOOK_BACKOFF_MS: '50',
      BZCTRL_WEBHOOK_TIMEOUT_MS: '2000',
      ...env,
    });
    children.push(child);
    return child;
  };
  const subscribe = async (url: string) => {
    const res = await t.request('POST', HOOKS, {
      token: admin,
      body: { url, events: ['todo.*'] },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as number;
  };
  /** Creates todos and updates each, `n` at a time; returns their keys. */
  const write = async (prefix: string, count: number) => {
    const keys: string[] = [];
    for (let i = 0; i < count; i += 5) {
      await Promise.all(
        Array.from({ length: Math.min(5, count - i) }, async (_, j) => {
          const res = await t.request('POST', `${API}/todos`, {
            token: member,
            body: todo(`${prefix} ${i + j}`),
          });
          expect(res.status, res.text).toBe(201);
          const key = res.body.key as string;
          keys.push(key);
          const up = await t.request('PATCH', `${API}/todos/${key}`, {
            token: member,
            body: { title: `${prefix} ${i + j} updated` },
          });
          expect(up.status, up.text).toBe(200);
        }),
      );
    }
    return keys;
  };
  /** The ids of the events of these todos, from the outbox itself. */
  const eventIds = async (keys: string[]) =>
    (
      await t.server.db.kysely
        .selectFrom('events')
        .select('id')
        .where('todoKey', 'in', keys)
        .orderBy('id')
        .execute()
    ).map((r) => Number(r.id));

  it('loses no delivery when serve is killed with -9 while deliveries are pending', async () => {
    let down = true;
    const rx = await startReceiver(() => (down ? 503 : 204));
    try {
      const id = await subscribe(rx.url);
      let child = serve();
      await child.listening;
      const before = await write('before the crash', 20);
      // Attempts are under way and failing: deliveries are pending (some mid-attempt).
      await rx.until(() => rx.got.length >= 10, 20_000);
      await child.kill9();
      // Events that arrive while no process delivers.
      const during = await write('while down', 10);
      down = false;
      child = serve();
      await child.listening;
      const ids = await eventIds([...before, ...during]);
      expect(ids).toHaveLength(60);
      const seen = () => new Set(rx.delivered().map((r) => r.json.id as number));
      await rx.until(() => ids.every((e) => seen().has(e)), 60_000);
      // At least once; and per todo the first deliveries came in event order.
      const first = new Map<string, number[]>();
      const counted = new Set<number>();
      for (const r of rx.delivered()) {
        if (counted.has(r.json.id)) continue;
        counted.add(r.json.id);
        first.set(r.json.todo.key, [...(first.get(r.json.todo.key) ?? []), r.json.id]);
      }
      for (const [key, list] of first) {
        expect(list, key).toEqual([...list].sort((a, b) => a - b));
      }
      const log = await t.request('GET', `${HOOKS}/${id}/deliveries?limit=200`, { token: admin });
      expect(log.body.items).toHaveLength(60);
      await child.stop();
      expect(child.output()).not.toMatch(/"level":(50|60)/);
    } finally {
      await rx.close();
    }
  }, 120_000);

  it.skipIf(dialect !== 'postgres')(
    'two serve processes on one PostgreSQL deliver each event once per subscription',
    async () => {
      const a = await startReceiver();
      const b = await startReceiver();
      try {
        await subscribe(a.url);
        await subscribe(b.url);
        const one = serve();
        const two = serve();
        await Promise.all([one.listening, two.listening]);
        const keys = await write('two processes', 40);
        const ids = await eventIds(keys);
        expect(ids).toHaveLength(80);
        for (const rx of [a, b]) {
          await rx.until(() => new Set(rx.got.map((r) => r.json.id)).size >= ids.length, 60_000);
        }
        // Time for a duplicate to show up, had there been one.
        await new Promise((r) => setTimeout(r, 1000));
        for (const rx of [a, b]) {
          const mine = rx.got.filter((r) => ids.includes(r.json.id));
          const webhookIds = mine.map((r) => String(r.headers['webhook-id']));
          expect(new Set(webhookIds).size).toBe(ids.length);
          expect(webhookIds).toHaveLength(ids.length);
        }
        await Promise.all([one.stop(), two.stop()]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
    120_000,
  );
});

describe.each(dialects)('webhook delivery lag on %s', (dialect) => {
  let t: TestServer;
  let child: ServeProcess | undefined;

  beforeAll(async () => {
    t = await startTestServer(dialect, { env: { BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await child?.stop();
    await t?.close();
  });

  it('delivers within a fraction of a second at 100 creates/s', async () => {
    const arrived = new Map<string, number>();
    const rx = await startReceiver((r) => {
      arrived.set(r.json?.todo?.key, performance.now());
      return 204;
    });
    try {
      // The server in a process of its own, as deployed: this one only loads it and receives.
      child = spawnServe({
        BZCTRL_DATABASE_URL: t.databaseUrl,
        BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
        BZCTRL_LOG_LEVEL: 'warn',
        BZCTRL_JOBS: 'true',
        BZCTRL_JOB_INTERVAL: '3600',
        BZCTRL_RATE_LIMIT: '1000000',
        BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
      });
      const url = await child.listening;
      const admin = await t.login('admin@example.com');
      const member = await t.login('example@example.com');
      const sub = await t.request('POST', HOOKS, {
        token: admin,
        body: { url: rx.url, events: ['todo.created'] },
      });
      expect(sub.status).toBe(201);
      // Steady state is measured: a server without subscriptions looks for one once a
      // second, so one create is delivered before the clock starts.
      const warm = await fetch(`${url}${API}/todos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
        body: JSON.stringify(todo('lag warm-up')),
      });
      expect(warm.status).toBe(201);
      await rx.until(() => arrived.size >= 1, 10_000);
      const COUNT = 200;
      const acked = new Map<string, number>();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: COUNT }, async (_, i) => {
          // A steady 100/s: each create starts at its own 10 ms slot.
          const wait = started + i * 10 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const res = await fetch(`${url}${API}/todos`, {
            method: 'POST',
            headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
            body: JSON.stringify(todo(`lag ${i}`)),
          });
          const body = (await res.json()) as { key: string };
          expect(res.status).toBe(201);
          acked.set(body.key, performance.now());
        }),
      );
      await rx.until(() => arrived.size >= COUNT + 1, 30_000);
      const lags = [...acked]
        .map(([key, at]) => Math.max(0, (arrived.get(key) ?? Number.NaN) - at))
        .sort((x, y) => x - y);
      const p = (q: number) =>
        Math.round(lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0);
      console.info(
        `webhook lag on ${dialect}: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`,
      );
      expect(lags.every((l) => Number.isFinite(l))).toBe(true);
      // The target is p99 ≤ 200 ms, a benchmark's to hold on a quiet machine; on a shared
      // 2-core CI machine running the load, the server and the receiver the tail varies, so
      // this only keeps the median clear of a once-a-second timer.
      expect(p(0.5)).toBeLessThan(1000);
    } finally {
      await rx.close();
    }
  }, 60_000);
});
