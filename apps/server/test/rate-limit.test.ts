import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type Reply, startTestServer, type TestServer } from './support/harness.ts';

const READ = '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-99';
const TOKEN = '/bzctrl-core-api/oauth/token';
const LIMIT = 6;

const expectTooMany = (res: Reply) => {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: 'urn:bzctrl:problem:too-many-requests',
    title: 'Too many requests',
    status: 429,
    code: 'too_many_requests',
    requestId: res.headers.get('x-request-id'),
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(res.headers.get('ratelimit-reset'))).toBe(retryAfter);
};

describe.each(dialects)('API caller rate limit on %s', (dialect) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(dialect, { env: { BZCTRL_RATE_LIMIT: String(LIMIT) } });
  });
  afterAll(() => t?.close());

  it('limits each caller on its own, across its tokens, then anonymous callers per address', async () => {
    // Three sign-ins: anonymous calls, counted for this address (3 of 6).
    const [first, second, other] = [
      await t.login('example@example.com'),
      await t.login('example@example.com'),
      await t.login('username@example.com'),
    ];

    for (let i = 1; i <= LIMIT; i++) {
      const res = await t.request('GET', READ, { token: first });
      expect(res.status).toBe(404);
      expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(res.headers.get('ratelimit-remaining')).toBe(String(LIMIT - i));
      expect(res.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=60`);
      const reset = Number(res.headers.get('ratelimit-reset'));
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
      expect(res.headers.get('retry-after')).toBeNull();
    }
    expectTooMany(await t.request('GET', READ, { token: first }));
    // The same user through another token shares the quota: it is the caller's.
    expectTooMany(await t.request('GET', READ, { token: second }));
    // Another user has a quota of its own.
    const fresh = await t.request('GET', READ, { token: other });
    expect(fresh.status).toBe(404);
    expect(fresh.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));

    // Anonymous: the token endpoint counts per address, and answers a problem too.
    const bad = () =>
      t.request('POST', TOKEN, {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'x@example.com',
          password: 'x',
        }),
      });
    for (let used = 3; used < LIMIT; used++) {
      const res = await bad();
      expect(res.status).toBe(400);
      expect(res.headers.get('ratelimit-remaining')).toBe(String(LIMIT - used - 1));
    }
    expectTooMany(await bad());
  });

  it('leaves health probes and the docs alone', async () => {
    for (let i = 0; i < LIMIT * 2; i++) {
      for (const path of ['/healthz', '/readyz']) {
        const res = await t.request('GET', path);
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBeNull();
      }
    }
    const docs = await t.request('GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('ratelimit-limit')).toBeNull();
  });
});
