import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, PASSWORDS, startTestServer, type TestServer } from './support/harness.ts';

const SESSION = '/bzctrl-core-api/api/v1/session';
const TODOS = '/bzctrl-core-api/api/v1/todos';
const ADMIN_USERS = '/bzctrl-core-api/api/v1/admin/users';

const task = (workspace: string, reporter: string) => ({
  todoType: 'TASK',
  workspace,
  title: 'Check seal numbers',
  description: 'Seal numbers differ from the manifest',
  reporter,
});

interface Signed {
  cookie: string;
  csrf: string;
  setCookie: string;
}

describe.each(dialects)('browser sessions on %s', (dialect) => {
  let t: TestServer;

  const signIn = async (email: string, password = PASSWORDS[email] ?? ''): Promise<Signed> => {
    const res = await t.request('POST', SESSION, { body: { username: email, password } });
    expect(res.status, res.text).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0] ?? '', csrf: res.body.csrfToken, setCookie };
  };
  const withCookie = (s: Signed, csrf?: string) => ({
    cookie: s.cookie,
    ...(csrf ? { 'x-csrf-token': csrf } : {}),
  });

  beforeAll(async () => {
    // A low per-account cap so the throttle test stays short.
    t = await startTestServer(dialect, { env: { BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } });
  });
  afterAll(async () => t?.close());

  it('signs in with an HttpOnly, SameSite=Lax, Secure cookie and returns user and CSRF token', async () => {
    const res = await t.request('POST', SESSION, {
      body: { username: 'example@example.com', password: PASSWORDS['example@example.com'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { email: 'example@example.com', name: 'Example User', role: 'member' },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(12 * 3600 * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3600 * 1000);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.get('set-cookie') ?? '';
    // 256 random bits, base64url: 43 characters.
    expect(cookie).toMatch(/^bzctrl_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('; HttpOnly');
    expect(cookie).toContain('; SameSite=Lax');
    expect(cookie).toContain('; Path=/');
    expect(cookie).toContain(`; Max-Age=${12 * 3600}`);
    // The test server's public URL is https.
    expect(cookie).toContain('; Secure');
  });

  it('GET session returns the current user and the same CSRF token; 401 without a cookie', async () => {
    const s = await signIn('admin@example.com');
    const res = await t.request('GET', SESSION, { headers: withCookie(s) });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ email: 'admin@example.com', name: 'Admin', role: 'admin' });
    expect(res.body.csrfToken).toBe(s.csrf);
    expect((await t.request('GET', SESSION)).status).toBe(401);
    const bogus = await t.request('GET', SESSION, {
      headers: { cookie: 'bzctrl_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(bogus.status).toBe(401);
    expect(bogus.headers.get('content-type')).toContain('application/problem+json');
  });

  it('GET session?optional=true answers 204 without a live session, the session with one', async () => {
    const none = await t.request('GET', `${SESSION}?optional=true`);
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
    expect(none.headers.get('cache-control')).toBe('no-store');
    const ended = await t.request('GET', `${SESSION}?optional=true`, {
      headers: { cookie: 'bzctrl_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(ended.status).toBe(204);
    const s = await signIn('example@example.com');
    const live = await t.request('GET', `${SESSION}?optional=true`, { headers: withCookie(s) });
    expect(live.status).toBe(200);
    expect(live.body.csrfToken).toBe(s.csrf);
    expect((await t.request('GET', `${SESSION}?optional=false`)).status).toBe(401);
    const bad = await t.request('GET', `${SESSION}?optional=maybe`);
    expect(bad.status).toBe(400);
  });

  it('the cookie works on the native API; writes need X-CSRF-Token, Bearer does not', async () => {
    const s = await signIn('example@example.com');
    const list = await t.request('GET', TODOS, { headers: withCookie(s) });
    expect(list.status, list.text).toBe(200);

    const body = task('IMP-NLD-EXA-SWA', 'example@example.com');
    const missing = await t.request('POST', TODOS, { body, headers: withCookie(s) });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ status: 403, detail: 'CSRF token missing or wrong' });
    const wrong = await t.request('POST', TODOS, { body, headers: withCookie(s, 'x'.repeat(43)) });
    expect(wrong.status).toBe(403);
    const ok = await t.request('POST', TODOS, { body, headers: withCookie(s, s.csrf) });
    expect(ok.status, ok.text).toBe(201);
    // Made in the web app: recorded as such, not as a native API call.
    expect(ok.body.createdVia).toBe('web');
    // The audit trail names the user, as for a password-grant token.
    const history = await t.request('GET', `${TODOS}/${ok.body.key}/history`, {
      headers: withCookie(s),
    });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain('user:example@example.com');
    expect(history.body.items[0]).toMatchObject({ action: 'create', dialect: 'web' });

    // Bearer requests never need a CSRF token, even with a cookie alongside.
    const token = await t.login('example@example.com');
    const bearer = await t.request('POST', TODOS, {
      body,
      token,
      headers: { cookie: s.cookie },
    });
    expect(bearer.status).toBe(201);
    expect(bearer.body.createdVia).toBe('native');
    // A bad Bearer token is not rescued by a good cookie.
    const badBearer = await t.request('GET', TODOS, {
      token: 'not-a-token',
      headers: { cookie: s.cookie },
    });
    expect(badBearer.status).toBe(401);
  });

  it('tenant isolation is the same as with a token', async () => {
    const outsider = await signIn('outsider@other.example');
    const member = await signIn('username@example.com');
    const created = await t.request('POST', TODOS, {
      body: task('IMP-NLD-EXA-SWA', 'username@example.com'),
      headers: withCookie(member, member.csrf),
    });
    expect(created.status).toBe(201);
    const foreign = await t.request('GET', `${TODOS}/${created.body.key}`, {
      headers: withCookie(outsider),
    });
    expect(foreign.status).toBe(404);
    const list = await t.request('GET', TODOS, { headers: withCookie(outsider) });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const intoForeign = await t.request('POST', TODOS, {
      body: task('IMP-NLD-EXA-SWA', 'outsider@other.example'),
      headers: withCookie(outsider, outsider.csrf),
    });
    expect(intoForeign.status).toBeGreaterThanOrEqual(400);
    expect(intoForeign.status).toBeLessThan(500);
    expect(intoForeign.status).not.toBe(201);
    // Admin routes need the admin role, as with a member's token.
    expect((await t.request('GET', ADMIN_USERS, { headers: withCookie(member) })).status).toBe(403);
    const admin = await signIn('admin@example.com');
    expect((await t.request('GET', ADMIN_USERS, { headers: withCookie(admin) })).status).toBe(200);
  });

  it('sign-out revokes the session and clears the cookie; it needs the CSRF token', async () => {
    const s = await signIn('rge@vtti.com');
    const noCsrf = await t.request('DELETE', SESSION, { headers: withCookie(s) });
    expect(noCsrf.status).toBe(403);
    const out = await t.request('DELETE', SESSION, { headers: withCookie(s, s.csrf) });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^bzctrl_session=; .*Max-Age=0/);
    expect((await t.request('GET', SESSION, { headers: withCookie(s) })).status).toBe(401);
    expect((await t.request('GET', TODOS, { headers: withCookie(s) })).status).toBe(401);
    // Signing out again is harmless.
    expect((await t.request('DELETE', SESSION, { headers: withCookie(s) })).status).toBe(204);
  });

  it('a wrong password is 401; field errors for missing fields; throttled like the token endpoint', async () => {
    const missing = await t.request('POST', SESSION, { body: { username: 'user@vtti.com' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ field: 'password', message: 'is required' }]);
    const form = await t.request('POST', SESSION, {
      body: new URLSearchParams({ username: 'user@vtti.com', password: 'x' }),
    });
    expect(form.status).toBe(415);

    for (let i = 0; i < 3; i++) {
      const wrong = await t.request('POST', SESSION, {
        body: { username: 'user@vtti.com', password: 'wrong-password' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
    }
    // The cap is shared with the token endpoint: the right password is refused now too.
    const locked = await t.request('POST', SESSION, {
      body: { username: 'user@vtti.com', password: PASSWORDS['user@vtti.com'] },
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await expect(t.login('user@vtti.com')).rejects.toThrow(/429/);
  });

  it('disabling the user or changing the password ends the session', async () => {
    const admin = await signIn('admin@example.com');
    const adminCall = (method: string, path: string, body: unknown) =>
      t.request(method, `${ADMIN_USERS}${path}`, {
        body,
        headers: withCookie(admin, admin.csrf),
      });
    const created = await adminCall('POST', '', {
      email: 'browser@example.com',
      name: 'Browser',
      password: 'Browser-pass-1',
      workspaces: ['IMP-NLD-EXA-SWA'],
    });
    expect(created.status, created.text).toBe(201);

    const first = await signIn('browser@example.com', 'Browser-pass-1');
    expect(
      (await adminCall('PATCH', '/browser@example.com', { password: 'Browser-pass-2' })).status,
    ).toBe(200);
    expect((await t.request('GET', TODOS, { headers: withCookie(first) })).status).toBe(401);

    const second = await signIn('browser@example.com', 'Browser-pass-2');
    expect((await t.request('GET', TODOS, { headers: withCookie(second) })).status).toBe(200);
    expect((await adminCall('PATCH', '/browser@example.com', { disabled: true })).status).toBe(200);
    expect((await t.request('GET', TODOS, { headers: withCookie(second) })).status).toBe(401);
    expect((await t.request('GET', SESSION, { headers: withCookie(second) })).status).toBe(401);
    const again = await t.request('POST', SESSION, {
      body: { username: 'browser@example.com', password: 'Browser-pass-2' },
    });
    expect(again.status).toBe(401);
  });
});
