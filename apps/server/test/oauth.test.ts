import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpAuthGeneration } from '../src/core/access/actor-cache.ts';
import {
  applyProvisioning,
  type ProvisionDoc,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import { tokenDigest } from '../src/platform/values/secrets.ts';
import {
  dialects,
  fixture,
  PASSWORDS,
  type Reply,
  startTestServer,
  type TestServer,
} from './support/harness.ts';

/** SPEC §2: two paths, one token endpoint. */
const TOKEN_PATHS = ['/bzctrl-core-api/oauth/token', '/api/oauth/token'] as const;
const TOKEN = TOKEN_PATHS[0];
const AUTHENTICATE = '/api/authenticate';
/** A protected route: 404 for an unknown key proves the token was accepted. */
const PROBE = '/bzctrl-core-api/api/v1/tasks/IMP-NLD-EXA-SWA-9999';
const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';

const ERP_SECRET = 'erp-client-secret-0001';
const OTHER_SECRET = 'other-client-secret-01';
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const ERP = basic('erp', ERP_SECRET);
const OTHER = basic('other', OTHER_SECRET);

/** Seed 003 verbatim: its Basic header (main-web-app-client:main-web-app-secret) and boundary. */
const SEED_003_BASIC = 'Basic bWFpbi13ZWItYXBwLWNsaWVudDptYWluLXdlYi1hcHAtc2VjcmV0';
const SEED_003_BOUNDARY = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
function seed003Body(fields: Record<string, string>): string {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${SEED_003_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return `${parts.join('')}--${SEED_003_BOUNDARY}--\r\n`;
}

/** The accounts this suite changes, so the fixture users stay as every suite expects. */
const SUITE_USERS = [
  { email: 'leaver@example.com', name: 'Leaver', password: 'Leaver-pass-1' },
  { email: 'changer@example.com', name: 'Changer', password: 'Changer-pass-1' },
  { email: 'keeper@example.com', name: 'Keeper', password: 'Keeper-pass-1' },
].map((u) => ({ ...u, workspaces: ['IMP-NLD-EXA-SWA'] }));

const world: ProvisionDoc = validateProvisionDoc({
  ...fixture,
  users: [...(fixture.users ?? []), ...SUITE_USERS],
  clients: [
    ...(fixture.clients ?? []),
    {
      clientId: 'main-web-app-client',
      clientSecret: 'main-web-app-secret',
      name: 'ITSM seed client',
      workspaces: ['IMP-NLD-EXA-SWA'],
    },
    {
      clientId: 'special',
      clientSecret: 'plus+and%2F-percent-secret',
      name: 'A client whose secret has form-encoding characters',
      workspaces: ['IMP-NLD-EXA-SWA'],
    },
    {
      clientId: 'retired',
      clientSecret: 'retired-client-secret',
      name: 'A client that gets disabled',
      workspaces: ['IMP-NLD-EXA-SWA'],
    },
  ],
});

const passwordOf = (email: string) =>
  PASSWORDS[email] ?? SUITE_USERS.find((u) => u.email === email)?.password ?? '';

function tokenRequest(
  t: TestServer,
  params: Record<string, string>,
  headers: Record<string, string> = {},
  path: string = TOKEN,
): Promise<Reply> {
  return t.request('POST', path, { body: new URLSearchParams(params), headers });
}

function passwordGrant(
  t: TestServer,
  email: string,
  opts: {
    password?: string;
    headers?: Record<string, string>;
    extra?: Record<string, string>;
  } = {},
): Promise<Reply> {
  return tokenRequest(
    t,
    {
      grant_type: 'password',
      username: email,
      password: opts.password ?? passwordOf(email),
      ...opts.extra,
    },
    opts.headers,
  );
}

function refreshGrant(
  t: TestServer,
  refreshToken: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return tokenRequest(t, { grant_type: 'refresh_token', refresh_token: refreshToken }, headers);
}

function expectTokenResponse(res: Reply, opts: { refresh: boolean } = { refresh: true }) {
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const keys = ['access_token', 'token_type', 'expires_in', 'scope', 'jti'];
  if (opts.refresh) keys.push('refresh_token');
  expect(Object.keys(res.body).sort()).toEqual(keys.sort());
  expect(res.body).toMatchObject({
    access_token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    token_type: 'Bearer',
    expires_in: 3600,
    scope: expect.stringMatching(/\S/),
    jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  if (opts.refresh) {
    expect(res.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(res.body.refresh_token).not.toBe(res.body.access_token);
  }
}

function expectOAuthError(res: Reply, status: number, error: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toEqual({ error, error_description: expect.stringMatching(/\S/) });
}

function expectInvalidClient(res: Reply) {
  expectOAuthError(res, 401, 'invalid_client');
  expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="bzctrl"/);
}

function expectInvalidToken(res: Reply) {
  expect(res.status, res.text).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="bzctrl"/);
  expect(challenge).toContain('error="invalid_token"');
}

/** 404 from the probe means the token was accepted (the key does not exist). */
async function probe(t: TestServer, token: string): Promise<Reply> {
  return t.request('GET', PROBE, { token });
}

async function expectAccepted(t: TestServer, token: string) {
  const res = await probe(t, token);
  expect(res.status, res.text).toBe(404);
  expect(res.body).toMatchObject({ code: 'not_found' });
}

async function expectRejected(t: TestServer, token: string) {
  expectInvalidToken(await probe(t, token));
}

function taskBody(workspace: string) {
  return {
    todoType: 'TASK',
    domainWorkSpace: workspace,
    title: 't',
    description: 'd',
    reporter: 'outsider@other.example',
  };
}

describe.each(dialects)('OAuth token endpoint and bearer auth on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect, { provision: world });
  });
  afterAll(() => t?.close());

  /** Re-applies provisioning for some users, as an operator would. */
  const provisionUsers = (users: NonNullable<ProvisionDoc['users']>) =>
    applyProvisioning(t.server.db, { scryptLogN: 14 }, validateProvisionDoc({ users }));

  describe('password grant', () => {
    it.each(TOKEN_PATHS)('issues tokens on %s for an urlencoded body', async (path) => {
      const res = await tokenRequest(
        t,
        { grant_type: 'password', username: 'example@example.com', password: 'Ex@mpl3!' },
        {},
        path,
      );
      expectTokenResponse(res);
      expect(res.body.scope.split(' ').sort()).toEqual(['todo:read', 'todo:write']);
      await expectAccepted(t, res.body.access_token);
    });

    it.each(TOKEN_PATHS)(
      'takes seed 003 verbatim on %s (Basic client, multipart)',
      async (path) => {
        const res = await t.request('POST', path, {
          body: seed003Body({
            username: 'example@example.com',
            password: 'Ex@mpl3!',
            grant_type: 'password',
          }),
          headers: {
            authorization: SEED_003_BASIC,
            'content-type': `multipart/form-data; boundary=${SEED_003_BOUNDARY}`,
          },
        });
        expectTokenResponse(res);
        await expectAccepted(t, res.body.access_token);
      },
    );

    it.each(TOKEN_PATHS)('takes a multipart body built by a client library on %s', async (path) => {
      const form = new FormData();
      form.set('username', 'admin@example.com');
      form.set('password', 'Admin@12345');
      form.set('grant_type', 'password');
      const res = await t.request('POST', path, { body: form, headers: { authorization: ERP } });
      expectTokenResponse(res);
      await expectAccepted(t, res.body.access_token);
    });

    it.each(TOKEN_PATHS)('refuses a JSON body (RFC 6749 §3.2: a form) on %s', async (path) => {
      const res = await t.request('POST', path, {
        body: { grant_type: 'password', username: 'rge@vtti.com', password: 'Rge-pass-1' },
      });
      expectOAuthError(res, 400, 'invalid_request');
      expect(res.body.error_description).toContain('application/x-www-form-urlencoded');
    });

    it('gives an administrator the admin scope and honours a narrower requested scope', async () => {
      const admin = await passwordGrant(t, 'admin@example.com');
      expectTokenResponse(admin);
      expect(admin.body.scope.split(' ').sort()).toEqual(['admin', 'todo:read', 'todo:write']);

      const readOnly = await passwordGrant(t, 'example@example.com', {
        extra: { scope: 'todo:read' },
      });
      expectTokenResponse(readOnly);
      expect(readOnly.body.scope).toBe('todo:read');
      await expectAccepted(t, readOnly.body.access_token);
      const write = await t.request('POST', ADD_TASK, {
        token: readOnly.body.access_token,
        body: taskBody('IMP-NLD-EXA-SWA'),
      });
      expect(write.status, write.text).toBe(403);
      expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

      const tooMuch = await passwordGrant(t, 'example@example.com', { extra: { scope: 'admin' } });
      expectOAuthError(tooMuch, 400, 'invalid_scope');
    });

    it('issues a fresh pair on every sign-in', async () => {
      const a = await passwordGrant(t, 'user@vtti.com');
      const b = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(a);
      expectTokenResponse(b);
      expect(b.body.access_token).not.toBe(a.body.access_token);
      expect(b.body.refresh_token).not.toBe(a.body.refresh_token);
      expect(b.body.jti).not.toBe(a.body.jti);
    });

    it('stores only digests of the tokens', async () => {
      const res = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(res);
      const rows = await t.server.db.kysely
        .selectFrom('oauthTokens')
        .select(['id', 'kind', 'tokenHash'])
        .where('tokenHash', 'in', [
          tokenDigest(res.body.access_token),
          tokenDigest(res.body.refresh_token),
        ])
        .execute();
      expect(rows.map((r) => r.kind).sort()).toEqual(['access', 'refresh']);
      expect(rows.find((r) => r.kind === 'access')?.id).toBe(res.body.jti);
      const raw = await t.server.db.kysely
        .selectFrom('oauthTokens')
        .select('id')
        .where('tokenHash', 'in', [res.body.access_token, res.body.refresh_token])
        .execute();
      expect(raw).toEqual([]);
    });

    it('answers a wrong password, an unknown user and a disabled user identically', async () => {
      const wrong = await passwordGrant(t, 'example@example.com', { password: 'not-the-password' });
      const unknown = await passwordGrant(t, 'nobody@example.com', { password: 'whatever-pass' });
      expectOAuthError(wrong, 400, 'invalid_grant');
      expectOAuthError(unknown, 400, 'invalid_grant');
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.headers.get('www-authenticate')).toBeNull();
      expect(wrong.headers.get('www-authenticate')).toBeNull();
    });

    it('finds the account whatever the case of the e-mail address', async () => {
      const res = await passwordGrant(t, 'Example@Example.COM', { password: 'Ex@mpl3!' });
      expectTokenResponse(res);
    });

    it.each([
      ['grant_type is missing', { username: 'example@example.com', password: 'Ex@mpl3!' }],
      ['username is missing', { grant_type: 'password', password: 'Ex@mpl3!' }],
      ['password is missing', { grant_type: 'password', username: 'example@example.com' }],
      [
        'password is empty',
        { grant_type: 'password', username: 'example@example.com', password: '' },
      ],
    ])('answers invalid_request when %s', async (_case, params) => {
      expectOAuthError(await tokenRequest(t, params), 400, 'invalid_request');
    });

    it('answers invalid_request for an empty body and for a repeated parameter', async () => {
      expectOAuthError(
        await t.request('POST', TOKEN, {
          body: '',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        400,
        'invalid_request',
      );
      const repeated = await t.request('POST', TOKEN, {
        body: 'grant_type=password&grant_type=password&username=example%40example.com&password=Ex%40mpl3!',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectOAuthError(repeated, 400, 'invalid_request');
    });

    it('refuses a file in a multipart token request without a server error', async () => {
      const form = new FormData();
      form.set('grant_type', 'password');
      form.set('username', 'example@example.com');
      form.set('password', new Blob(['Ex@mpl3!']), 'password.txt');
      const res = await t.request('POST', TOKEN, { body: form });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('answers unsupported_grant_type for a grant it does not know', async () => {
      const res = await tokenRequest(t, { grant_type: 'authorization_code', code: 'abc' });
      expectOAuthError(res, 400, 'unsupported_grant_type');
      const implicit = await tokenRequest(t, {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      });
      expectOAuthError(implicit, 400, 'unsupported_grant_type');
    });
  });

  describe('POST /api/authenticate (seed 002)', () => {
    it('returns {token}, usable as a Bearer token', async () => {
      const res = await t.request('POST', AUTHENTICATE, {
        body: { username: 'username@example.com', password: 'Username1!' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['token']);
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      await expectAccepted(t, res.body.token);
    });

    it('refuses a wrong password and a missing field', async () => {
      const wrong = await t.request('POST', AUTHENTICATE, {
        body: { username: 'username@example.com', password: 'wrong-password' },
      });
      expectOAuthError(wrong, 400, 'invalid_grant');
      const missing = await t.request('POST', AUTHENTICATE, {
        body: { username: 'username@example.com' },
      });
      expectOAuthError(missing, 400, 'invalid_request');
    });
  });

  describe('client authentication', () => {
    it('accepts client_id and client_secret in the body', async () => {
      const res = await passwordGrant(t, 'example@example.com', {
        extra: { client_id: 'erp', client_secret: ERP_SECRET },
      });
      expectTokenResponse(res);
      const row = await t.server.db.kysely
        .selectFrom('oauthTokens as t')
        .innerJoin('apiClients as c', 'c.id', 't.apiClientId')
        .select('c.clientId')
        .where('t.id', '=', res.body.jti)
        .executeTakeFirst();
      expect(row?.clientId).toBe('erp');
    });

    it('accepts Basic together with the same client_id in the body', async () => {
      const res = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
        extra: { client_id: 'erp' },
      });
      expectTokenResponse(res);
    });

    it('accepts a Basic secret with + and % whether the client form-encodes it or not', async () => {
      const secret = 'plus+and%2F-percent-secret';
      const raw = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: basic('special', secret) },
      });
      expectTokenResponse(raw);
      const encoded = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: basic('special', encodeURIComponent(secret)) },
      });
      expectTokenResponse(encoded);
      const wrong = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: basic('special', 'plus and/-percent-secret') },
      });
      expect(wrong.status).toBe(401);
    });

    it('answers a wrong secret and an unknown client with the same invalid_client', async () => {
      const wrong = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: basic('erp', 'not-the-secret-at-all') },
      });
      const unknown = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: basic('no-such-client', 'whatever-secret-1') },
      });
      expectInvalidClient(wrong);
      expectInvalidClient(unknown);
      expect(unknown.body).toEqual(wrong.body);
    });

    it('answers invalid_client for a wrong secret in the body', async () => {
      const res = await passwordGrant(t, 'example@example.com', {
        extra: { client_id: 'erp', client_secret: 'not-the-secret-at-all' },
      });
      expectInvalidClient(res);
    });

    it('answers invalid_client for a client_id without its secret', async () => {
      const res = await passwordGrant(t, 'example@example.com', { extra: { client_id: 'erp' } });
      expectInvalidClient(res);
    });

    it.each([
      ['not base64', 'Basic !!!!'],
      ['no colon', `Basic ${Buffer.from('erp').toString('base64')}`],
      ['empty client id', `Basic ${Buffer.from(`:${ERP_SECRET}`).toString('base64')}`],
      ['empty secret', `Basic ${Buffer.from('erp:').toString('base64')}`],
      ['no credentials at all', 'Basic'],
    ])('answers invalid_client for a malformed Basic header (%s)', async (_what, header) => {
      const res = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: header },
      });
      expectInvalidClient(res);
    });

    it('takes an empty client (Swagger UI with no client configured) as no client', async () => {
      const emptyBasic = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: `Basic ${Buffer.from(':').toString('base64')}` },
      });
      expectTokenResponse(emptyBasic);
      const emptyBody = await passwordGrant(t, 'example@example.com', {
        extra: { client_id: '', client_secret: '' },
      });
      expectTokenResponse(emptyBody);
      // Such a token acts for the user alone, not through a client.
      const row = await t.server.db.kysely
        .selectFrom('oauthTokens')
        .select('apiClientId')
        .where('id', 'in', [emptyBasic.body.jti, emptyBody.body.jti])
        .execute();
      expect(row.map((r) => r.apiClientId)).toEqual([null, null]);
    });

    it('answers invalid_request when Basic and a body secret are both sent', async () => {
      const res = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
        extra: { client_id: 'erp', client_secret: ERP_SECRET },
      });
      expectOAuthError(res, 400, 'invalid_request');
      const secretOnly = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
        extra: { client_secret: ERP_SECRET },
      });
      expectOAuthError(secretOnly, 400, 'invalid_request');
    });

    it('answers invalid_request when the body names another client than Basic', async () => {
      const res = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
        extra: { client_id: 'other' },
      });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('stops accepting a client once it is disabled, and its tokens with it', async () => {
      const cc = await tokenRequest(
        t,
        { grant_type: 'client_credentials' },
        { authorization: basic('retired', 'retired-client-secret') },
      );
      expectTokenResponse(cc, { refresh: false });
      await expectAccepted(t, cc.body.access_token);

      await applyProvisioning(
        t.server.db,
        { scryptLogN: 14 },
        validateProvisionDoc({
          clients: [
            {
              clientId: 'retired',
              clientSecret: 'retired-client-secret',
              name: 'A client that gets disabled',
              workspaces: ['IMP-NLD-EXA-SWA'],
              disabled: true,
            },
          ],
        }),
      );
      await expectRejected(t, cc.body.access_token);
      const again = await tokenRequest(
        t,
        { grant_type: 'client_credentials' },
        { authorization: basic('retired', 'retired-client-secret') },
      );
      expectInvalidClient(again);
    });
  });

  describe('client_credentials grant', () => {
    it('issues an access token without a refresh token to an authenticated client', async () => {
      const res = await tokenRequest(
        t,
        { grant_type: 'client_credentials' },
        { authorization: ERP },
      );
      expectTokenResponse(res, { refresh: false });
      expect(res.body.scope.split(' ').sort()).toEqual(['todo:read', 'todo:write']);
      await expectAccepted(t, res.body.access_token);

      const viaBody = await tokenRequest(t, {
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: ERP_SECRET,
      });
      expectTokenResponse(viaBody, { refresh: false });
    });

    it('acts as the client itself: only in its own workspaces', async () => {
      const res = await tokenRequest(
        t,
        { grant_type: 'client_credentials' },
        { authorization: OTHER },
      );
      expectTokenResponse(res, { refresh: false });
      const own = await t.request('POST', ADD_TASK, {
        token: res.body.access_token,
        body: taskBody('OTH-BEL-ANT-OPS'),
      });
      expect(own.status, own.text).toBe(201);
      const foreign = await t.request('POST', ADD_TASK, {
        token: res.body.access_token,
        body: { ...taskBody('IMP-NLD-EXA-SWA'), reporter: 'example@example.com' },
      });
      expect(foreign.status, foreign.text).toBe(404);
      expect(foreign.body).toMatchObject({ code: 'workspace_not_found' });
    });

    it('answers invalid_client without client authentication', async () => {
      expectInvalidClient(await tokenRequest(t, { grant_type: 'client_credentials' }));
    });
  });

  describe('refresh_token grant', () => {
    it('rotates: the new pair works and a reused old refresh token revokes the family', async () => {
      const first = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(first);
      const second = await refreshGrant(t, first.body.refresh_token, { authorization: ERP });
      expectTokenResponse(second);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect(second.body.access_token).not.toBe(first.body.access_token);
      expect(second.body.scope).toBe(first.body.scope);
      await expectAccepted(t, second.body.access_token);

      const third = await refreshGrant(t, second.body.refresh_token, { authorization: ERP });
      expectTokenResponse(third);
      await expectAccepted(t, third.body.access_token);

      // An unrelated session of the same user must survive the revocation.
      const bystander = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(bystander);

      const replay = await refreshGrant(t, first.body.refresh_token, { authorization: ERP });
      expectOAuthError(replay, 400, 'invalid_grant');

      // The whole family is gone, down to the newest pair.
      await expectRejected(t, first.body.access_token);
      await expectRejected(t, second.body.access_token);
      await expectRejected(t, third.body.access_token);
      expectOAuthError(
        await refreshGrant(t, third.body.refresh_token, { authorization: ERP }),
        400,
        'invalid_grant',
      );
      await expectAccepted(t, bystander.body.access_token);
      expectTokenResponse(
        await refreshGrant(t, bystander.body.refresh_token, { authorization: ERP }),
      );
    });

    it('rotates tokens issued without a client, on the ITSM path too', async () => {
      const first = await passwordGrant(t, 'rge@vtti.com');
      expectTokenResponse(first);
      const second = await tokenRequest(
        t,
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
        {},
        '/api/oauth/token',
      );
      expectTokenResponse(second);
      await expectAccepted(t, second.body.access_token);
      expectOAuthError(await refreshGrant(t, first.body.refresh_token), 400, 'invalid_grant');
      await expectRejected(t, second.body.access_token);
    });

    it('refuses a refresh token presented by another client, or by none, without burning it', async () => {
      const pair = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(pair);
      const byOther = await refreshGrant(t, pair.body.refresh_token, { authorization: OTHER });
      expectOAuthError(byOther, 400, 'invalid_grant');
      const byNobody = await refreshGrant(t, pair.body.refresh_token);
      expectOAuthError(byNobody, 400, 'invalid_grant');
      await expectAccepted(t, pair.body.access_token);
      expectTokenResponse(await refreshGrant(t, pair.body.refresh_token, { authorization: ERP }));
    });

    it('refuses a missing, unknown, expired refresh token and an access token', async () => {
      expectOAuthError(
        await tokenRequest(t, { grant_type: 'refresh_token' }),
        400,
        'invalid_request',
      );
      expectOAuthError(await refreshGrant(t, 'no-such-refresh-token'), 400, 'invalid_grant');

      const pair = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(pair);
      expectOAuthError(await refreshGrant(t, pair.body.access_token), 400, 'invalid_grant');

      await t.server.db.kysely
        .updateTable('oauthTokens')
        .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
        .where('tokenHash', '=', tokenDigest(pair.body.refresh_token))
        .execute();
      expectOAuthError(await refreshGrant(t, pair.body.refresh_token), 400, 'invalid_grant');
    });

    it('narrows the scope on request but never widens it', async () => {
      const pair = await passwordGrant(t, 'example@example.com');
      expectTokenResponse(pair);
      const narrowed = await tokenRequest(t, {
        grant_type: 'refresh_token',
        refresh_token: pair.body.refresh_token,
        scope: 'todo:read',
      });
      expectTokenResponse(narrowed);
      expect(narrowed.body.scope).toBe('todo:read');
      const widened = await tokenRequest(t, {
        grant_type: 'refresh_token',
        refresh_token: narrowed.body.refresh_token,
        scope: 'todo:read todo:write',
      });
      expectOAuthError(widened, 400, 'invalid_scope');
    });
  });

  describe('Bearer checks (RFC 6750)', () => {
    it('challenges a request without credentials, without an error code', async () => {
      for (const res of [
        await t.request('GET', PROBE),
        await t.request('POST', ADD_TASK, { body: taskBody('IMP-NLD-EXA-SWA') }),
      ]) {
        expect(res.status, res.text).toBe(401);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
        const challenge = res.headers.get('www-authenticate');
        expect(challenge).toMatch(/^Bearer realm="bzctrl"$/);
      }
    });

    it.each([
      ['an unknown token', 'Bearer 0123456789abcdefghijklmnopqrstuvwxyzABCDEFG'],
      ['characters a token cannot have', 'Bearer not a token'],
      ['an empty token', 'Bearer '],
      ['another scheme', `Basic ${Buffer.from('example@example.com:Ex@mpl3!').toString('base64')}`],
    ])('answers invalid_token for %s', async (_what, header) => {
      expectInvalidToken(await t.request('GET', PROBE, { headers: { authorization: header } }));
      expectInvalidToken(
        await t.request('POST', ADD_TASK, {
          headers: { authorization: header },
          body: taskBody('IMP-NLD-EXA-SWA'),
        }),
      );
    });

    it('answers invalid_token for a refresh token used as an access token', async () => {
      const pair = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(pair);
      await expectRejected(t, pair.body.refresh_token);
    });

    it('answers invalid_token for an expired access token', async () => {
      const pair = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(pair);
      await expectAccepted(t, pair.body.access_token);
      await t.server.db.kysely
        .updateTable('oauthTokens')
        .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', pair.body.jti)
        .execute();
      // Changed behind the server's back: tell its token cache, as BzCtrl's own changes do.
      await bumpAuthGeneration(t.server.db.kysely);
      await expectRejected(t, pair.body.access_token);
    });

    it('answers invalid_token for a revoked access token', async () => {
      const pair = await passwordGrant(t, 'user@vtti.com');
      expectTokenResponse(pair);
      await expectAccepted(t, pair.body.access_token);
      await t.server.db.kysely
        .updateTable('oauthTokens')
        .set({ revokedAt: new Date().toISOString() })
        .where('id', '=', pair.body.jti)
        .execute();
      // Changed behind the server's back: tell its token cache, as BzCtrl's own changes do.
      await bumpAuthGeneration(t.server.db.kysely);
      await expectRejected(t, pair.body.access_token);
    });
  });

  describe('account changes end sessions', () => {
    const leaver = SUITE_USERS[0] as (typeof SUITE_USERS)[number];
    const changer = SUITE_USERS[1] as (typeof SUITE_USERS)[number];
    const keeper = SUITE_USERS[2] as (typeof SUITE_USERS)[number];

    it('disabling a user revokes their access and refresh tokens', async () => {
      const pair = await passwordGrant(t, leaver.email);
      expectTokenResponse(pair);
      await expectAccepted(t, pair.body.access_token);

      await provisionUsers([{ ...leaver, disabled: true }]);
      await expectRejected(t, pair.body.access_token);
      expectOAuthError(await refreshGrant(t, pair.body.refresh_token), 400, 'invalid_grant');
      const login = await passwordGrant(t, leaver.email);
      const unknown = await passwordGrant(t, 'nobody@example.com', { password: leaver.password });
      expectOAuthError(login, 400, 'invalid_grant');
      expect(login.body).toEqual(unknown.body);

      await provisionUsers([leaver]);
      expectTokenResponse(await passwordGrant(t, leaver.email));
      await expectRejected(t, pair.body.access_token);
    });

    it('a new password revokes existing tokens; only the new password signs in', async () => {
      const pair = await passwordGrant(t, changer.email);
      expectTokenResponse(pair);
      await expectAccepted(t, pair.body.access_token);

      await provisionUsers([{ ...changer, password: 'Changer-pass-2' }]);
      await expectRejected(t, pair.body.access_token);
      expectOAuthError(await refreshGrant(t, pair.body.refresh_token), 400, 'invalid_grant');
      expectOAuthError(await passwordGrant(t, changer.email), 400, 'invalid_grant');
      expectTokenResponse(await passwordGrant(t, changer.email, { password: 'Changer-pass-2' }));
    });

    it('re-applying the same password keeps every session', async () => {
      const pair = await passwordGrant(t, keeper.email);
      expectTokenResponse(pair);
      const summary = await provisionUsers([keeper]);
      expect(summary.users).toEqual({ created: 0, updated: 0, unchanged: 1 });
      await expectAccepted(t, pair.body.access_token);
      expectTokenResponse(await refreshGrant(t, pair.body.refresh_token));
    });
  });

  describe('a user acting through a client', () => {
    it('is limited to the workspaces both may use', async () => {
      const direct = await t.login('admin@example.com');
      const created = await t.request('POST', ADD_TASK, {
        token: direct,
        body: taskBody('OTH-BEL-ANT-OPS'),
      });
      expect(created.status, created.text).toBe(201);

      const viaErp = await passwordGrant(t, 'admin@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(viaErp);
      const refused = await t.request('POST', ADD_TASK, {
        token: viaErp.body.access_token,
        body: taskBody('OTH-BEL-ANT-OPS'),
      });
      expect(refused.status, refused.text).toBe(404);
      expect(refused.body).toMatchObject({ code: 'workspace_not_found' });
      // ...and cannot read what is there either.
      const read = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${created.body.key}`, {
        token: viaErp.body.access_token,
      });
      expect(read.status, read.text).toBe(404);
      const readDirect = await t.request(
        'GET',
        `/bzctrl-core-api/api/v1/tasks/${created.body.key}`,
        { token: direct },
      );
      expect(readDirect.status, readDirect.text).toBe(200);

      const allowed = await t.request('POST', ADD_TASK, {
        token: viaErp.body.access_token,
        body: { ...taskBody('IMP-NLD-EXA-SWA'), reporter: 'example@example.com' },
      });
      expect(allowed.status, allowed.text).toBe(201);
    });

    it('keeps the limit after a refresh', async () => {
      const viaErp = await passwordGrant(t, 'admin@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(viaErp);
      const refreshed = await refreshGrant(t, viaErp.body.refresh_token, { authorization: ERP });
      expectTokenResponse(refreshed);
      const refused = await t.request('POST', ADD_TASK, {
        token: refreshed.body.access_token,
        body: taskBody('OTH-BEL-ANT-OPS'),
      });
      expect(refused.status, refused.text).toBe(404);
      expect(refused.body).toMatchObject({ code: 'workspace_not_found' });
    });

    it('a member through a client gets the intersection, not the client’s workspaces', async () => {
      const pair = await passwordGrant(t, 'username@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(pair);
      const res = await t.request('POST', ADD_TASK, {
        token: pair.body.access_token,
        body: { ...taskBody('VTT-NLD-TML-FIN'), reporter: 'user@vtti.com' },
      });
      expect(res.status, res.text).toBe(404);
      expect(res.body).toMatchObject({ code: 'workspace_not_found' });
    });
  });
});

describe.each(dialects)('deployment switches on %s', (dialect) => {
  describe('BZCTRL_PASSWORD_GRANT=false', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(dialect, { env: { BZCTRL_PASSWORD_GRANT: 'false' } });
    });
    afterAll(() => t?.close());

    it('refuses the password grant on both paths and /api/authenticate', async () => {
      for (const path of TOKEN_PATHS) {
        const res = await tokenRequest(
          t,
          { grant_type: 'password', username: 'example@example.com', password: 'Ex@mpl3!' },
          { authorization: ERP },
          path,
        );
        expectOAuthError(res, 400, 'unsupported_grant_type');
      }
      const auth = await t.request('POST', AUTHENTICATE, {
        body: { username: 'example@example.com', password: 'Ex@mpl3!' },
      });
      expectOAuthError(auth, 400, 'unsupported_grant_type');
    });

    it('still serves client_credentials', async () => {
      const res = await tokenRequest(
        t,
        { grant_type: 'client_credentials' },
        { authorization: ERP },
      );
      expectTokenResponse(res, { refresh: false });
      await expectAccepted(t, res.body.access_token);
    });
  });

  describe('BZCTRL_REQUIRE_CLIENT_AUTH=true', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(dialect, { env: { BZCTRL_REQUIRE_CLIENT_AUTH: 'true' } });
    });
    afterAll(() => t?.close());

    it('answers invalid_client to a password grant without a client', async () => {
      expectInvalidClient(await passwordGrant(t, 'example@example.com'));
    });

    it('does not let /api/authenticate bypass the requirement', async () => {
      const res = await t.request('POST', AUTHENTICATE, {
        body: { username: 'example@example.com', password: 'Ex@mpl3!' },
      });
      expectInvalidClient(res);
    });

    it('issues and refreshes tokens for an authenticated client', async () => {
      const pair = await passwordGrant(t, 'example@example.com', {
        headers: { authorization: ERP },
      });
      expectTokenResponse(pair);
      expectInvalidClient(await refreshGrant(t, pair.body.refresh_token));
      expectTokenResponse(await refreshGrant(t, pair.body.refresh_token, { authorization: ERP }));
    });
  });
});

describe.each(dialects)('login throttling on %s', (dialect) => {
  /** Every failure answer is a 4xx of RFC 6749 shape; never a server error. */
  function expectRefusal(res: Reply) {
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
  }

  function expectThrottled(res: Reply) {
    expect(res.status, res.text).toBe(429);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  }

  describe('per account', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(dialect, {
        env: {
          BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
          BZCTRL_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
          BZCTRL_LOGIN_WINDOW: '3600',
        },
      });
    });
    afterAll(() => t?.close());

    it('locks the account after the cap, even for the right password, and only that account', async () => {
      for (let i = 0; i < 3; i++) {
        expectOAuthError(
          await passwordGrant(t, 'example@example.com', { password: `wrong-${i}` }),
          400,
          'invalid_grant',
        );
      }
      expectThrottled(await passwordGrant(t, 'example@example.com'));
      expectThrottled(
        await t.request('POST', AUTHENTICATE, {
          body: { username: 'EXAMPLE@example.com', password: 'Ex@mpl3!' },
        }),
      );
      expectThrottled(
        await passwordGrant(t, 'example@example.com', { headers: { authorization: ERP } }),
      );
      // Other accounts from the same address are unaffected.
      expectTokenResponse(await passwordGrant(t, 'rge@vtti.com'));
    });

    it('reopens the account once the window has passed', async () => {
      for (let i = 0; i < 3; i++) {
        expectRefusal(await passwordGrant(t, 'user@vtti.com', { password: `wrong-${i}` }));
      }
      expectThrottled(await passwordGrant(t, 'user@vtti.com'));
      await t.server.db.kysely
        .updateTable('loginThrottle')
        .set({ windowStart: new Date(Date.now() - 3601_000).toISOString() })
        .where('key', '=', 'account:user@vtti.com')
        .execute();
      expectTokenResponse(await passwordGrant(t, 'user@vtti.com'));
    });

    it('a successful sign-in resets the account counter', async () => {
      for (let i = 0; i < 2; i++) {
        expectOAuthError(
          await passwordGrant(t, 'username@example.com', { password: `wrong-${i}` }),
          400,
          'invalid_grant',
        );
      }
      expectTokenResponse(await passwordGrant(t, 'username@example.com'));
      for (let i = 0; i < 2; i++) {
        expectOAuthError(
          await passwordGrant(t, 'username@example.com', { password: `wrong-again-${i}` }),
          400,
          'invalid_grant',
        );
      }
      expectTokenResponse(await passwordGrant(t, 'username@example.com'));
    });

    it('counts unknown accounts too, with the same answers', async () => {
      const answers: Reply[] = [];
      for (let i = 0; i < 3; i++) {
        answers.push(await passwordGrant(t, 'ghost@example.com', { password: `wrong-${i}` }));
      }
      for (const a of answers) expectOAuthError(a, 400, 'invalid_grant');
      expectThrottled(await passwordGrant(t, 'ghost@example.com', { password: 'anything-1' }));
    });

    it('holds the cap under parallel guesses, with no server error', async () => {
      const guesses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          passwordGrant(t, 'outsider@other.example', { password: `parallel-${i}` }),
        ),
      );
      for (const g of guesses) expectRefusal(g);
      const tried = guesses.filter((g) => g.status === 400);
      for (const g of tried) expect(g.body.error).toBe('invalid_grant');
      expect(tried.length).toBeLessThanOrEqual(3);
      for (const g of guesses.filter((g) => g.status !== 400)) expectThrottled(g);
      expectThrottled(await passwordGrant(t, 'outsider@other.example'));
    });
  });

  describe('per address', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(dialect, {
        env: {
          BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
          BZCTRL_LOGIN_MAX_FAILURES_PER_ADDRESS: '4',
        },
      });
    });
    afterAll(() => t?.close());

    it('locks the address after the cap, for every account and grant', async () => {
      // Successful sign-ins do not count against the address.
      for (let i = 0; i < 5; i++) expectTokenResponse(await passwordGrant(t, 'rge@vtti.com'));

      expectOAuthError(
        await passwordGrant(t, 'example@example.com', { password: 'wrong-1' }),
        400,
        'invalid_grant',
      );
      expectOAuthError(
        await passwordGrant(t, 'nobody@example.com', { password: 'wrong-2' }),
        400,
        'invalid_grant',
      );
      expectInvalidClient(
        await tokenRequest(
          t,
          { grant_type: 'client_credentials' },
          { authorization: basic('erp', 'wrong-client-secret') },
        ),
      );
      expectOAuthError(
        await t.request('POST', AUTHENTICATE, {
          body: { username: 'user@vtti.com', password: 'wrong-4' },
        }),
        400,
        'invalid_grant',
      );

      expectThrottled(await passwordGrant(t, 'admin@example.com'));
      expectThrottled(
        await t.request('POST', AUTHENTICATE, {
          body: { username: 'admin@example.com', password: 'Admin@12345' },
        }),
      );
      expectThrottled(
        await tokenRequest(t, { grant_type: 'client_credentials' }, { authorization: ERP }),
      );
    });
  });

  describe('per address, under parallel guesses', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(dialect, {
        env: {
          BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '100',
          BZCTRL_LOGIN_MAX_FAILURES_PER_ADDRESS: '5',
        },
      });
    });
    afterAll(() => t?.close());

    it('never lets more guesses through than the cap', async () => {
      const emails = Object.keys(PASSWORDS);
      const guesses = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          passwordGrant(t, emails[i % emails.length] as string, { password: `parallel-${i}` }),
        ),
      );
      for (const g of guesses) expectRefusal(g);
      expect(guesses.filter((g) => g.status === 400).length).toBeLessThanOrEqual(5);
      for (const g of guesses.filter((g) => g.status !== 400)) expectThrottled(g);
      expectThrottled(await passwordGrant(t, 'admin@example.com'));
    });
  });
});
