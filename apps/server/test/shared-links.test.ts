import { BzCtrlClient } from '@bzctrl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkKey, signLinkToken } from '../src/core/links/link-token.ts';
import { ConfigError, readConfig } from '../src/platform/config.ts';
import { redactUrl } from '../src/platform/http/log-redaction.ts';
import { dialects, PASSWORDS, startTestServer, type TestServer } from './support/harness.ts';
import { spawnServe } from './support/serve-process.ts';

/**
 * Shared links (SPEC §8): a signed URL shows one todo read-only without signing in, until
 * it expires or is revoked; every link that shows nothing gets the same 404.
 */

const TODOS = '/bzctrl-core-api/api/v1/todos';
const SHARED = '/bzctrl-core-api/api/v1/shared';
/** Set so a test can sign a link the server accepts (an expired one, without waiting). */
const SECRET = 'shared-links-test-secret-0123456789abcdef';
const PREFIX = 'https://bzctrl.test/app/#/shared/';

const tokenOf = (url: string) => {
  expect(url.startsWith(PREFIX), url).toBe(true);
  return url.slice(PREFIX.length);
};

/** The token with one character changed at `index` (negative: from the end). */
const flip = (token: string, index: number) => {
  const i = index < 0 ? token.length + index : index;
  const c = token[i] === 'a' ? 'b' : 'a';
  return `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
};

describe.each(dialects)('shared links on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let outsider: string;

  const createTodo = async (title: string) => {
    const res = await t.request('POST', TODOS, {
      token: member,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'INCIDENT',
        title,
        description: 'Seal 449120 found, the manifest says 449210',
        priority: 'HIGH',
        tags: ['seal'],
        assignee: 'username@example.com',
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { key: string; id: number };
  };
  const share = (key: string, body: unknown = {}, token = member) =>
    t.request('POST', `${TODOS}/${key}/links`, { token, body });
  /** Reads a link with a fixed request id, so two 404s can be compared byte for byte. */
  const read = (token: string) =>
    t.request('GET', `${SHARED}/${token}`, { headers: { 'x-request-id': 'same-request-id' } });

  beforeAll(async () => {
    t = await startTestServer(dialect, { env: { BZCTRL_SECRET_KEY: SECRET } });
    [member, outsider] = await Promise.all([
      t.login('example@example.com'),
      t.login('outsider@other.example'),
    ]);
  });
  afterAll(() => t?.close());

  it('shows the todo read-only without a sign-in, with its history of status and no e-mail', async () => {
    const todo = await createTodo('Seal differs on MSCU1234567');
    // People around the todo: a watcher and a commenter, whose addresses must not show.
    const watch = await t.request('PUT', `${TODOS}/${todo.key}/watchers/username@example.com`, {
      token: member,
    });
    expect(watch.status, watch.text).toBeLessThan(300);
    const comment = await t.request('POST', `${TODOS}/${todo.key}/comments`, {
      token: member,
      body: { body: 'Customs informed' },
    });
    expect(comment.status, comment.text).toBe(201);
    const done = await t.request('PATCH', `${TODOS}/${todo.key}`, {
      token: member,
      body: { status: 'DONE' },
    });
    expect(done.status, done.text).toBe(200);

    const before = Date.now();
    const res = await share(todo.key);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'url']);
    // 900 s by default.
    const expires = Date.parse(res.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 900_000);

    const shown = await read(tokenOf(res.body.url));
    expect(shown.status, shown.text).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.body).toMatchObject({
      key: todo.key,
      todoType: 'INCIDENT',
      title: 'Seal differs on MSCU1234567',
      status: 'DONE',
      priority: 'HIGH',
      tags: ['seal'],
      workspace: 'IMP-NLD-EXA-SWA',
      workspaceName: 'Inbound Control',
      linkExpiresAt: res.body.expiresAt,
    });
    expect(
      shown.body.statusHistory.map((h: { from: string | null; to: string }) => [h.from, h.to]),
    ).toEqual([
      [null, 'INPROGRESS'],
      ['INPROGRESS', 'DONE'],
    ]);
    for (const h of shown.body.statusHistory) expect(Number.isNaN(Date.parse(h.at))).toBe(false);
    // No person, comment, amount or reference: not even an @ anywhere in the answer.
    expect(shown.text).not.toContain('@');
    expect(shown.text).not.toContain('Customs informed');
    for (const field of ['assignee', 'reporter', 'id', 'taskLink', 'externalRef', 'comments']) {
      expect(shown.body).not.toHaveProperty(field);
    }
  });

  it('lives as long as asked, at most a day; anything else is a 400 naming expiresIn', async () => {
    const todo = await createTodo('Link lifetimes');
    const res = await share(todo.key, { expiresIn: 86_400 });
    expect(res.status, res.text).toBe(201);
    expect(Math.abs(Date.parse(res.body.expiresAt) - Date.now() - 86_400_000)).toBeLessThan(5_000);
    for (const expiresIn of [0, 86_401, 'abc', -5, 1.5]) {
      const bad = await share(todo.key, { expiresIn });
      expect(bad.status, `${expiresIn}: ${bad.text}`).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['expiresIn']);
    }
    // No body at all: the default lifetime.
    const bare = await t.request('POST', `${TODOS}/${todo.key}/links`, { token: member });
    expect(bare.status, bare.text).toBe(201);
    const unknown = await share(todo.key, { expiresIn: 60, readOnly: false });
    expect(unknown.status).toBe(400);
  });

  it('is refused (404) to a caller who may not see the todo, for create and revoke', async () => {
    const todo = await createTodo('Not for other customers');
    const create = await share(todo.key, {}, outsider);
    expect(create.status, create.text).toBe(404);
    const revoke = await t.request('DELETE', `${TODOS}/${todo.key}/links`, { token: outsider });
    expect(revoke.status, revoke.text).toBe(404);
    const anonymous = await t.request('POST', `${TODOS}/${todo.key}/links`, { body: {} });
    expect(anonymous.status).toBe(401);
  });

  it('answers unknown, altered, expired, revoked and deleted links with the very same 404', async () => {
    const todo = await createTodo('Every dead link looks alike');
    const link = tokenOf((await share(todo.key)).body.url);
    expect((await read(link)).status).toBe(200);

    // Signed with the server's key, but expired a second ago.
    const now = Date.now();
    const expired = signLinkToken(linkKey(Buffer.from(SECRET)), {
      todoId: todo.id,
      generation: 0,
      expiresAt: Math.floor(now / 1000) - 1,
      issuedAt: now - 60_000,
    });
    // The same, signed with another key.
    const foreign = signLinkToken(linkKey(Buffer.from('another-secret-of-32-characters-or-more')), {
      todoId: todo.id,
      generation: 0,
      expiresAt: Math.floor(now / 1000) + 600,
      issuedAt: now,
    });
    const dead: Record<string, string> = {
      unknown: 'nonsense',
      'well-formed unknown': flip(link, -1).replace(/^[0-9a-z]+/, 'zzzzz'),
      'altered signature': flip(link, -1),
      'altered signature (first character)': flip(link, link.lastIndexOf('.') + 1),
      'altered payload': flip(link, 0),
      expired,
      foreign,
    };
    const bodies = new Map<string, string>();
    for (const [name, token] of Object.entries(dead)) {
      const res = await read(token);
      expect(res.status, name).toBe(404);
      bodies.set(name, res.text);
    }

    const revoked = await t.request('DELETE', `${TODOS}/${todo.key}/links`, { token: member });
    expect(revoked.status, revoked.text).toBe(204);
    bodies.set('revoked', (await read(link)).text);

    // A link made after the revocation works, until its todo is deleted.
    const fresh = tokenOf((await share(todo.key)).body.url);
    expect((await read(fresh)).status).toBe(200);
    const deleted = await t.request('DELETE', `${TODOS}/${todo.key}`, { token: member });
    expect(deleted.status).toBe(204);
    bodies.set('deleted', (await read(fresh)).text);

    const first = bodies.get('unknown');
    expect(JSON.parse(first ?? '')).toMatchObject({ status: 404, code: 'not_found' });
    for (const [name, text] of bodies) expect(text, name).toBe(first);
  });

  it('works through the SDK: links.create, links.read and links.revoke', async () => {
    const todo = await createTodo('Shared through the SDK');
    const bz = new BzCtrlClient({
      baseUrl: t.url,
      username: 'example@example.com',
      password: PASSWORDS['example@example.com'],
    });
    const link = await bz.links.create(todo.key, { expiresIn: 120 });
    const token = tokenOf(link.url);
    // Reading needs no credentials at all.
    const anyone = new BzCtrlClient({ baseUrl: t.url });
    expect((await anyone.links.read(token)).title).toBe('Shared through the SDK');
    await bz.links.revoke(todo.key);
    await expect(anyone.links.read(token)).rejects.toMatchObject({ status: 404 });
  });

  it('keeps the token out of the log', () => {
    expect(redactUrl(`${SHARED}/abc.def?x=1`)).toBe(`${SHARED}/[redacted]?x=1`);
  });
});

// Several processes on one database: one signing secret (generated by whichever starts
// first), and a revocation made through one binds the other at once.
describe.runIf(dialects.includes('postgres'))('shared links across processes', () => {
  it('agree on the generated secret, and a revocation through one binds the other', async () => {
    const a = await startTestServer('postgres');
    const b = spawnServe({
      BZCTRL_DATABASE_URL: a.databaseUrl,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_JOBS: 'false',
    });
    try {
      const bUrl = await b.listening;
      const token = await a.login('example@example.com');
      const created = await a.request('POST', TODOS, {
        token,
        body: {
          workspace: 'IMP-NLD-EXA-SWA',
          todoType: 'TASK',
          title: 'Two processes',
          description: '-',
        },
      });
      expect(created.status, created.text).toBe(201);
      const link = await a.request('POST', `${TODOS}/${created.body.key}/links`, {
        token,
        body: { expiresIn: 300 },
      });
      expect(link.status, link.text).toBe(201);
      const path = `${SHARED}/${tokenOf(link.body.url)}`;
      const onB = () => fetch(`${bUrl}${path}`);
      expect((await onB()).status).toBe(200);
      const revoke = await a.request('DELETE', `${TODOS}/${created.body.key}/links`, { token });
      expect(revoke.status).toBe(204);
      expect((await onB()).status).toBe(404);
      // B logged both reads, without the token.
      expect(b.output()).toContain('/shared/[redacted]');
      expect(b.output()).not.toContain(tokenOf(link.body.url));
    } finally {
      await b.stop();
      await a.close();
    }
  });
});

describe('BZCTRL_SECRET_KEY', () => {
  it('is optional, and refused when shorter than 32 characters without repeating it', () => {
    expect(readConfig({}).secretKey).toBeUndefined();
    expect(readConfig({ BZCTRL_SECRET_KEY: SECRET }).secretKey).toBe(SECRET);
    try {
      readConfig({ BZCTRL_SECRET_KEY: 'short-secret-value' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(/^BZCTRL_SECRET_KEY must be at least 32 characters/),
      ]);
      expect(String(err)).not.toContain('short-secret-value');
    }
  });
});
