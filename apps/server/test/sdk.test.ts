import { BzCtrlClient, BzCtrlError, type TokenSet } from '@bzctrl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpAuthGeneration } from '../src/core/access/actor-cache.ts';
import { dialects, PASSWORDS, startTestServer, type TestServer } from './support/harness.ts';

/**
 * The SDK against a real server: sign-in, token renewal, idempotent retries, back-off and
 * its error type. Where a test needs a failing network or a busy server, it wraps the real
 * fetch (the SDK's `fetch` option); the server behind it is always the real one.
 */

const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';
const WS = 'IMP-NLD-EXA-SWA';

/** A fetch that records every call and lets a test change the answer of some. */
function recordingFetch(
  intercept?: (call: number, url: string, init: RequestInit) => Promise<Response> | undefined,
) {
  const calls: { url: string; method: string; headers: Headers }[] = [];
  const fn: typeof fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, method: init.method ?? 'GET', headers: new Headers(init.headers) });
    const answer = intercept?.(calls.length, url, init);
    return answer ?? fetch(input, init);
  };
  return { fn, calls };
}

const task = (title: string) => ({
  todoType: 'TASK',
  domainWorkSpace: WS,
  title,
  description: 'Made by the SDK test',
  reporter: 'example@example.com',
});

describe.each(dialects)('SDK on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s?.close());

  const asUser = (extra: Partial<ConstructorParameters<typeof BzCtrlClient>[0]> = {}) =>
    new BzCtrlClient({
      baseUrl: s.url,
      username: 'example@example.com',
      password: PASSWORDS['example@example.com'],
      ...extra,
    });

  /** Todos with this exact title the user can see, through the API. */
  async function countTitled(title: string): Promise<number> {
    const token = await s.login('example@example.com');
    const res = await s.request(
      'GET',
      `/bzctrl-core-api/api/v1/todos?q=${encodeURIComponent(title)}&limit=100`,
      { token },
    );
    expect(res.status).toBe(200);
    return res.body.items.filter((t: { title: string }) => t.title === title).length;
  }

  it('signs in with the password grant on the first call and uses the typed raw client', async () => {
    const seen: TokenSet[] = [];
    const bz = asUser({ onTokens: (t) => seen.push(t) });
    const { data, error, response } = await bz.raw.POST(ADD_TASK, { body: task('raw create') });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    const key = data && 'key' in data ? data.key : undefined;
    expect(key).toMatch(/^IMP-NLD-EXA-SWA-\d{2,}$/);
    expect(seen).toHaveLength(1);
    expect(bz.tokens?.refreshToken).toBeTruthy();
    expect(bz.tokens?.expiresAt).toBeGreaterThan(Date.now());
    const read = await bz.raw.GET('/bzctrl-core-api/api/v1/tasks/{key}', {
      params: { path: { key: key ?? '' } },
    });
    expect(read.data?.title).toBe('raw create');
  });

  it('signs in as an API client with the client-credentials grant', async () => {
    const bz = new BzCtrlClient({
      baseUrl: s.url,
      clientId: 'erp',
      clientSecret: 'erp-client-secret-0001',
    });
    const page = await bz.todos.list({ limit: 1 });
    expect(Array.isArray(page.items)).toBe(true);
    expect(bz.tokens?.accessToken).toBeTruthy();
    expect(bz.tokens?.refreshToken).toBeUndefined();
  });

  it('tells bad credentials as a BzCtrlError from the token endpoint', async () => {
    const bz = asUser({ password: 'wrong-password' });
    const err = await bz.signIn().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BzCtrlError);
    expect(err).toMatchObject({ code: 'invalid_grant' });
    expect((err as BzCtrlError).status).toBeGreaterThanOrEqual(400);
    expect((err as BzCtrlError).detail).toBeTruthy();
  });

  it('refreshes once on a 401 when the access token was expired on the server, rotating the refresh token', async () => {
    const rec = recordingFetch();
    const bz = asUser({ fetch: rec.fn });
    const first = await bz.signIn();
    // Expire every access token on the server; the refresh token stays valid.
    await s.server.db.kysely
      .updateTable('oauthTokens')
      .set({ expiresAt: new Date(Date.now() - 60_000).toISOString() })
      .where('kind', '=', 'access')
      .execute();
    // Changed behind the server's back: tell its token cache, as BzCtrl's own changes do.
    await bumpAuthGeneration(s.server.db.kysely);
    const page = await bz.todos.list({ limit: 1 });
    expect(page.items).toBeDefined();
    // Signed in, refused (401), refreshed, and the same call again.
    expect(rec.calls.map((c) => new URL(c.url).pathname)).toEqual([
      '/bzctrl-core-api/oauth/token',
      '/bzctrl-core-api/api/v1/todos',
      '/bzctrl-core-api/oauth/token',
      '/bzctrl-core-api/api/v1/todos',
    ]);
    expect(bz.tokens?.accessToken).not.toBe(first.accessToken);
    expect(bz.tokens?.refreshToken).not.toBe(first.refreshToken);
    // The old refresh token was rotated away: a client resuming with it is refused.
    const stale = new BzCtrlClient({ baseUrl: s.url, refreshToken: first.refreshToken });
    await expect(stale.todos.list()).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refreshes before the call when the access token is about to expire', async () => {
    const first = await asUser().signIn();
    const rec = recordingFetch();
    const bz = new BzCtrlClient({
      baseUrl: s.url,
      accessToken: first.accessToken,
      refreshToken: first.refreshToken,
      accessTokenExpiresAt: Date.now() + 5_000,
      fetch: rec.fn,
    });
    await bz.todos.list({ limit: 1 });
    expect(rec.calls.map((c) => new URL(c.url).pathname)).toEqual([
      '/bzctrl-core-api/oauth/token',
      '/bzctrl-core-api/api/v1/todos',
    ]);
    expect(bz.tokens?.accessToken).not.toBe(first.accessToken);
  });

  it('retries a write whose answer was lost with the same Idempotency-Key: one todo exists', async () => {
    const title = `lost answer ${dialect} ${Date.now()}`;
    const rec = recordingFetch((call, url, init) => {
      if (call !== 2 || !url.endsWith(ADD_TASK)) return undefined;
      // The server handles the request; the answer is lost on the way back.
      return fetch(url, init).then(async (res) => {
        await res.text();
        throw new TypeError('fetch failed: socket hang up');
      });
    });
    const bz = asUser({ fetch: rec.fn, retryPolicy: { baseDelayMs: 10 } });
    const { data, response } = await bz.raw.POST(ADD_TASK, { body: task(title) });
    expect(response.status).toBe(201);
    const writes = rec.calls.filter((c) => c.url.endsWith(ADD_TASK));
    expect(writes).toHaveLength(2);
    const keys = writes.map((c) => c.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(response.headers.get('idempotency-replayed')).toBe('true');
    expect(data?.title).toBe(title);
    expect(await countTitled(title)).toBe(1);
  });

  it('gives each call its own Idempotency-Key, and none to a GET', async () => {
    const rec = recordingFetch();
    const bz = asUser({ fetch: rec.fn });
    await bz.raw.POST(ADD_TASK, { body: task('key one') });
    await bz.raw.POST(ADD_TASK, { body: task('key two') });
    await bz.todos.list({ limit: 1 });
    const api = rec.calls.filter((c) => !c.url.endsWith('/oauth/token'));
    const keys = api.map((c) => c.headers.get('idempotency-key'));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBeTruthy();
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBeNull();
  });

  it('waits as Retry-After says on a 503, then succeeds', async () => {
    const rec = recordingFetch((_call, url) => {
      const apiCalls = rec.calls.filter((c) => c.url === url).length;
      if (!url.includes('/api/v1/todos') || apiCalls > 1) return undefined;
      return Promise.resolve(
        new Response(JSON.stringify({ code: 'unavailable', detail: 'busy' }), {
          status: 503,
          headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
        }),
      );
    });
    const bz = asUser({ fetch: rec.fn });
    await bz.signIn();
    const started = Date.now();
    const page = await bz.todos.list({ limit: 1 });
    expect(page.items).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(rec.calls.filter((c) => c.url.includes('/api/v1/todos'))).toHaveLength(2);
  });

  it('gives up on 429 after its retries, with the server’s error', async () => {
    const rec = recordingFetch((_call, url) =>
      url.includes('/api/v1/todos')
        ? Promise.resolve(
            new Response(
              JSON.stringify({ code: 'too_many_requests', detail: 'Slow down', requestId: 'r-1' }),
              { status: 429, headers: { 'retry-after': '0' } },
            ),
          )
        : undefined,
    );
    const bz = asUser({ fetch: rec.fn, retries: 2 });
    const err = await bz.todos.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BzCtrlError);
    expect(err).toMatchObject({ status: 429, code: 'too_many_requests', requestId: 'r-1' });
    expect(rec.calls.filter((c) => c.url.includes('/api/v1/todos'))).toHaveLength(3);
  });

  it('hands a throttled sign-in back at once with retryAfter, session or password grant', async () => {
    const throttle = (retryAfter: string) =>
      Promise.resolve(
        new Response(
          JSON.stringify({ code: 'too_many_requests', detail: 'Too many failed sign-in attempts' }),
          { status: 429, headers: { 'retry-after': retryAfter } },
        ),
      );
    // A short Retry-After the transport would otherwise wait out and retry.
    const rec = recordingFetch((_call, url) =>
      url.endsWith('/api/v1/session') ? throttle('2') : undefined,
    );
    const web = new BzCtrlClient({ baseUrl: s.url, session: true, fetch: rec.fn });
    const started = Date.now();
    const err = await web.session.signIn('example@example.com', 'wrong').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(BzCtrlError);
    expect(err).toMatchObject({ status: 429, code: 'too_many_requests', retryAfter: 2 });
    expect(rec.calls).toHaveLength(1);

    // Retry-After as an HTTP date, on the token endpoint: seconds from now, rounded up.
    const at = new Date(Date.now() + 90_000).toUTCString();
    const grant = recordingFetch((_call, url) =>
      url.endsWith('/oauth/token') ? throttle(at) : undefined,
    );
    const tokenErr = await asUser({ fetch: grant.fn })
      .signIn()
      .catch((e: unknown) => e);
    expect(tokenErr).toMatchObject({ status: 429 });
    const wait = (tokenErr as BzCtrlError).retryAfter ?? 0;
    expect(wait).toBeGreaterThanOrEqual(88);
    expect(wait).toBeLessThanOrEqual(90);
    expect(grant.calls).toHaveLength(1);
  });

  it('throws a BzCtrlError with the field errors and request id, without retrying a 400', async () => {
    const rec = recordingFetch();
    const bz = asUser({ fetch: rec.fn });
    const err = await bz.todos.list({ status: ['NOT-A-STATUS'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BzCtrlError);
    const e = err as BzCtrlError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    expect(e.errors.map((x) => x.field)).toContain('status');
    expect(e.requestId).toBeTruthy();
    expect(rec.calls.filter((c) => c.url.includes('/api/v1/todos'))).toHaveLength(1);
  });
  it('changes a todo only if nobody else did: getWithETag, then updateIfMatch (412 when stale)', async () => {
    const bz = asUser();
    const created = await bz.todos.create({
      workspace: WS,
      todoType: 'TASK',
      title: `sdk if-match ${dialect}`,
      description: 'Two people at once',
      reporter: 'example@example.com',
    });
    const { todo, etag } = await bz.todos.getWithETag(created.key);
    expect(todo).toEqual(created);
    expect(etag).toMatch(/^W\/"/);

    // Someone else changes it in between.
    await asUser().todos.update(created.key, { priority: 'LOW' });
    const stale = await bz.todos
      .updateIfMatch(created.key, etag, { priority: 'HIGH' })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(BzCtrlError);
    expect((stale as BzCtrlError).status).toBe(412);
    expect((await bz.todos.get(created.key)).priority).toBe('LOW');

    const fresh = await bz.todos.getWithETag(created.key);
    const after = await bz.todos.updateIfMatch(created.key, fresh.etag, { priority: 'HIGH' });
    expect(after.todo.priority).toBe('HIGH');
    expect(after.etag).toBeDefined();
    expect(after.etag).not.toBe(fresh.etag);
  });

  it('covers the todo lifecycle with its convenience methods, within the caller’s workspaces', async () => {
    const bz = asUser();
    const body = {
      workspace: WS,
      todoType: 'INCIDENT',
      title: `sdk lifecycle ${dialect}`,
      description: 'Seal broken at gate 3',
      reporter: 'example@example.com',
      priority: 'High',
    };
    const preview = await bz.todos.create(body, { dryRun: true });
    expect(preview).toMatchObject({ key: null, title: body.title, priority: 'HIGH' });
    const todo = await bz.todos.create(body);
    expect(todo.key).toMatch(/^IMP-NLD-EXA-SWA-\d{2,}$/);
    expect(await bz.todos.get(todo.key)).toEqual(todo);
    expect(await bz.todos.get(todo.id)).toEqual(todo);

    const second = await bz.todos.create({ ...body, title: `${body.title} 2` });
    const page = await bz.todos.list({ workspace: [WS], limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toBeTruthy();
    const keys: string[] = [];
    for await (const t of bz.todos.all({ workspace: [WS], limit: 1 })) keys.push(t.key);
    expect(keys).toEqual(expect.arrayContaining([todo.key, second.key]));
    expect(new Set(keys).size).toBe(keys.length);

    const done = await bz.todos.update(todo.key, { status: 'DONE' });
    expect(done.status).toBe('DONE');
    const comment = await bz.todos.comment(todo.key, 'Customs released it');
    expect(comment.body).toBe('Customs released it');
    const history = await bz.todos.history(todo.key);
    expect(history.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['create', 'comment']),
    );

    // Another customer's client neither reads it nor finds it.
    const other = new BzCtrlClient({
      baseUrl: s.url,
      clientId: 'other',
      clientSecret: 'other-client-secret-01',
    });
    await expect(other.todos.get(todo.key)).rejects.toMatchObject({ status: 404 });
    const theirs: string[] = [];
    for await (const t of other.todos.all()) theirs.push(t.key);
    expect(theirs).not.toContain(todo.key);

    await bz.todos.delete(second.key);
    await expect(bz.todos.get(second.key)).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('polls the change feed as an async iterator, resuming from the cursor it hands out', async () => {
    const bz = asUser();
    const start = await bz.events.list({ limit: 1000 });
    let stored = start.next;
    const stop = new AbortController();
    const seen: string[] = [];
    const cursors: string[] = [];
    const polling = (async () => {
      for await (const event of bz.events.poll({
        after: stored,
        wait: 5,
        signal: stop.signal,
        onCursor: (c) => {
          cursors.push(c);
          stored = c;
        },
      })) {
        seen.push(`${event.type} ${event.todo.title}`);
        if (seen.length === 2) stop.abort();
      }
    })();
    try {
      for (const title of ['Polled one', 'Polled two']) {
        await bz.todos.create({
          todoType: 'TASK',
          workspace: WS,
          title,
          description: 'Made by the SDK test',
          reporter: 'example@example.com',
        });
      }
    } finally {
      setTimeout(() => stop.abort(), 10_000).unref();
      await polling;
    }
    expect(seen).toEqual(['todo.created Polled one', 'todo.created Polled two']);
    // Resuming from the last stored cursor finds nothing already seen.
    const rest = await bz.events.list({ after: stored });
    expect(rest.items.map((e) => e.todo.title)).not.toContain('Polled one');
    expect(cursors.length).toBeGreaterThan(0);
  });
});
