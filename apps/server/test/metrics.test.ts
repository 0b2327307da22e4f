import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { checkHistogram, type Family, parseExposition, sampleValue } from './support/prometheus.ts';

/**
 * `GET /metrics` (SPEC §9): Prometheus text format, read back with a parser of that format,
 * counting requests by route pattern, creates by dialect, failed sign-ins, database time
 * and the webhook queue, next to the process metrics.
 */

const API = '/bzctrl-core-api/api/v1';
const TOKEN = '/bzctrl-core-api/oauth/token';

describe.each(dialects)('metrics on %s', (dialect) => {
  let t: TestServer;
  let member: string;

  beforeAll(async () => {
    // Behind a trusted proxy, so a test can speak from another address (X-Forwarded-For).
    t = await startTestServer(dialect, {
      env: {
        BZCTRL_TRUST_PROXY: 'true',
        BZCTRL_METRICS_TOKEN: 'metrics-token-0123456789',
        // A low cap, so the test can reach the sign-in throttle.
        BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
        // A webhook to loopback; the harness runs no jobs, so its deliveries stay queued.
        BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
    });
    member = await t.login('example@example.com');
  });
  afterAll(() => t?.close());

  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('counts requests, creates per dialect and failed sign-ins, with consistent histograms', async () => {
    const before = await scrape();
    const created = (m: Map<string, Family>, d: string) =>
      sampleValue(m, 'bzctrl_todos_created_total', { dialect: d });
    const route = { route: `${API}/todos/:ref`, method: 'GET', status: '200' };

    const native = await t.request('POST', `${API}/todos`, {
      token: member,
      body: { todoType: 'TASK', workspace: 'IMP-NLD-EXA-SWA', title: 'n', description: 'd' },
    });
    expect(native.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const added = await t.request('POST', `${API}/task/add-task`, {
        token: member,
        body: {
          todoType: 'TASK',
          domainWorkSpace: 'IMP-NLD-EXA-SWA',
          title: `b${i}`,
          description: 'd',
          reporter: 'example@example.com',
        },
      });
      expect(added.status).toBe(201);
    }
    // The same route pattern for two keys: one series, not one per URL.
    for (const key of [native.body.key, native.body.key]) {
      expect((await t.request('GET', `${API}/todos/${key}`, { token: member })).status).toBe(200);
    }
    const failed = await t.request('POST', TOKEN, {
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'example@example.com',
        password: 'not the password',
      }),
    });
    expect(failed.status).toBe(400);
    // Another account: two wrong passwords, then the throttle (the cap is 2).
    const wrongGuesses = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.request('POST', TOKEN, {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'rge@vtti.com',
          password: 'x',
        }),
      });
      wrongGuesses.push(res.status);
    }
    expect(wrongGuesses).toEqual([400, 400, 429]);
    const webSignIn = await t.request('POST', `${API}/session`, {
      body: { username: 'username@example.com', password: 'not the password' },
    });
    expect(webSignIn.status).toBe(401);
    expect((await t.request('GET', '/no/such/route')).status).toBe(404);

    const after = await scrape();
    expect(created(after, 'native') - created(before, 'native')).toBe(1);
    expect(created(after, 'bzctrl') - created(before, 'bzctrl')).toBe(2);
    expect(created(after, 'short') - created(before, 'short')).toBe(0);
    const loginFailures = (m: Map<string, Family>) =>
      sampleValue(m, 'bzctrl_login_failures_total', { endpoint: 'token' });
    expect(loginFailures(after) - loginFailures(before)).toBe(3);
    const throttled = (m: Map<string, Family>) =>
      sampleValue(m, 'bzctrl_login_throttled_total', { endpoint: 'token' });
    expect(throttled(after) - throttled(before)).toBe(1);
    const webFailures = (m: Map<string, Family>) =>
      sampleValue(m, 'bzctrl_login_failures_total', { endpoint: 'session' });
    expect(webFailures(after) - webFailures(before)).toBe(1);

    const requests = (m: Map<string, Family>, labels: Record<string, string>) =>
      sampleValue(m, 'bzctrl_http_requests_total', labels);
    expect(requests(after, route) - requests(before, route)).toBe(2);
    const unmatched = { route: 'unmatched', method: 'GET', status: '404' };
    expect(requests(after, unmatched) - requests(before, unmatched)).toBe(1);
    const counted = after.get('bzctrl_http_requests_total')?.samples ?? [];
    expect(counted.some((s) => s.labels.route?.includes(String(native.body.key)))).toBe(false);
    // The first scrape's own answer is counted by the time of the second.
    expect(requests(after, { route: '/metrics', method: 'GET', status: '200' })).toBeGreaterThan(0);

    // Histograms agree with themselves and with the counters.
    const latency = checkHistogram(after, 'bzctrl_http_request_duration_seconds', route);
    expect(latency.count).toBe(requests(after, route));
    expect(latency.sum).toBeGreaterThan(0);
    const queries = checkHistogram(after, 'bzctrl_db_query_duration_seconds');
    expect(queries.count).toBeGreaterThan(
      checkHistogram(before, 'bzctrl_db_query_duration_seconds').count,
    );
    const batches = checkHistogram(after, 'bzctrl_db_write_batch_size');
    if (dialect === 'sqlite') {
      // Every create is one transaction of some batch.
      const earlier = checkHistogram(before, 'bzctrl_db_write_batch_size');
      expect(batches.sum - earlier.sum).toBeGreaterThanOrEqual(3);
      expect(batches.count).toBeGreaterThan(earlier.count);
    } else {
      expect(batches.count).toBe(0);
    }

    expect(after.get('bzctrl_webhook_queue_depth')?.type).toBe('gauge');
    expect(sampleValue(after, 'bzctrl_webhook_queue_depth')).toBe(0);
    expect(sampleValue(after, 'bzctrl_webhook_queue_lag_seconds')).toBe(0);
    // Process metrics, and a help line for every family.
    expect(after.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(after.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    for (const f of after.values()) expect(f.help, f.name).not.toBe('');
  });

  it('reads the webhook queue at scrape time: active subscriptions only', async () => {
    const admin = await t.login('admin@example.com');
    const hook = await t.request('POST', `${API}/webhooks`, {
      token: admin,
      body: { url: 'http://127.0.0.1:9/hook', events: ['todo.*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const ping = await t.request('POST', `${API}/webhooks/${hook.body.id}/test`, {
      token: admin,
    });
    expect(ping.status, ping.text).toBeLessThan(300);
    const queued = await scrape();
    expect(sampleValue(queued, 'bzctrl_webhook_queue_depth')).toBe(1);
    const lag = sampleValue(queued, 'bzctrl_webhook_queue_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);

    const off = await t.request('PATCH', `${API}/webhooks/${hook.body.id}`, {
      token: admin,
      body: { enabled: false },
    });
    expect(off.status, off.text).toBe(200);
    const idle = await scrape();
    expect(sampleValue(idle, 'bzctrl_webhook_queue_depth')).toBe(0);
    expect(sampleValue(idle, 'bzctrl_webhook_queue_lag_seconds')).toBe(0);
  });

  it('answers loopback, and another address only with the token', async () => {
    // From a non-loopback address, as a trusted proxy would pass it on.
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    const refused = await t.request('GET', '/metrics', { headers: remote });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 403, code: 'forbidden' });
    const wrong = await t.request('GET', '/metrics', {
      headers: { ...remote, authorization: 'Bearer metrics-token-wrong' },
    });
    expect(wrong.status).toBe(403);
    const allowed = await t.request('GET', '/metrics', {
      headers: { ...remote, authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(allowed.status).toBe(200);
    expect(parseExposition(allowed.text).has('bzctrl_http_requests_total')).toBe(true);
  });
});
