import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProvisioning,
  ensureFirstAdmin,
  type ProvisionDoc,
  ProvisionError,
  type ProvisionSummary,
  readProvisionFile,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import type { Db } from '../src/platform/db/database.ts';
import { dialects, fixture, startTestServer, type TestServer } from './support/harness.ts';

/** What provisioning needs from the configuration; the harness hashes with logN 14 too. */
const config = { scryptLogN: 14 };
const TOKEN_PATH = '/bzctrl-core-api/oauth/token';

/** Every problem a document gets, or a failure when it is accepted. */
function problemsOf(doc: unknown): string[] {
  try {
    validateProvisionDoc(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ProvisionError);
    return (err as ProvisionError).problems;
  }
  throw new Error('the document was accepted');
}

/** Every row of the tables provisioning writes, in a stable order. */
async function snapshot(db: Db) {
  const k = db.kysely;
  return {
    domains: await k.selectFrom('domains').selectAll().orderBy('id').execute(),
    workspaces: await k.selectFrom('workspaces').selectAll().orderBy('id').execute(),
    users: await k.selectFrom('users').selectAll().orderBy('id').execute(),
    members: await k
      .selectFrom('workspaceMembers')
      .selectAll()
      .orderBy('userId')
      .orderBy('workspaceId')
      .execute(),
    clients: await k.selectFrom('apiClients').selectAll().orderBy('id').execute(),
    clientWorkspaces: await k
      .selectFrom('apiClientWorkspaces')
      .selectAll()
      .orderBy('apiClientId')
      .orderBy('workspaceId')
      .execute(),
    locations: await k.selectFrom('locations').selectAll().orderBy('id').execute(),
    customFields: await k.selectFrom('customFields').selectAll().orderBy('id').execute(),
  };
}

const counts = (created: number, updated: number, unchanged: number) => ({
  created,
  updated,
  unchanged,
});

/** Only `unchanged` entries: nothing was created or updated anywhere. */
function expectOnlyUnchanged(sum: ProvisionSummary) {
  for (const [kind, c] of Object.entries(sum)) {
    expect({ kind, created: c.created, updated: c.updated }).toEqual({
      kind,
      created: 0,
      updated: 0,
    });
  }
}

describe('validateProvisionDoc', () => {
  it('accepts the documented example and the demo file', async () => {
    expect(() =>
      validateProvisionDoc({
        domains: [
          {
            code: 'IMP-NLD-EXA',
            name: 'Example Import NL',
            workspaces: [{ code: 'SWA', name: 'Inbound Control' }],
          },
        ],
        users: [
          {
            email: 'example@example.com',
            name: 'Example User',
            password: 'Ex@mpl3!',
            role: 'member',
            workspaces: ['IMP-NLD-EXA-SWA'],
          },
        ],
        clients: [
          {
            clientId: 'erp',
            clientSecret: 'a-long-random-secret',
            name: 'ERP',
            workspaces: ['IMP-NLD-EXA-SWA'],
            defaultWorkspace: 'IMP-NLD-EXA-SWA',
          },
        ],
        locations: [{ name: 'Ahmedabad' }],
        customFields: [{ module: 'incident', name: 'Vessel', type: 1, required: false }],
      }),
    ).not.toThrow();
    const demo = await readProvisionFile('examples/demo.provision.json');
    expect(demo.users?.map((u) => u.email)).toContain('admin@example.com');
  });

  it('names the entry of an invalid e-mail address', () => {
    const problems = problemsOf({
      users: [
        { email: 'ok@example.com', name: 'Ok' },
        { email: 'not-an-address', name: 'Bad' },
      ],
    });
    expect(problems).toEqual([expect.stringMatching(/^users\[1\]\.email: .*not-an-address/)]);
  });

  it('names a default workspace that is not among the client’s workspaces', () => {
    const problems = problemsOf({
      clients: [
        {
          clientId: 'erp',
          clientSecret: 'a-long-random-secret',
          name: 'ERP',
          workspaces: ['A-B-C'],
          defaultWorkspace: 'A-B-D',
        },
      ],
    });
    expect(problems).toEqual([expect.stringMatching(/^clients\[0\]\.defaultWorkspace: .*A-B-D/)]);
  });

  it('names each unknown key, at the root and inside an entry', () => {
    const problems = problemsOf({
      users: [{ email: 'a@example.com', name: 'A', colour: 'blue' }],
      tenants: [],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^users\[0\]\.colour: unknown/),
        expect.stringMatching(/^tenants: unknown/),
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it('names duplicates, comparing codes and e-mail addresses case-insensitively', () => {
    const problems = problemsOf({
      domains: [
        { code: 'IMP-NLD-EXA', name: 'One', workspaces: [{ code: 'SWA', name: 'A' }] },
        {
          code: 'imp-nld-exa',
          name: 'Two',
          workspaces: [
            { code: 'FIN', name: 'B' },
            { code: 'fin', name: 'C' },
          ],
        },
      ],
      users: [
        { email: 'a@example.com', name: 'A' },
        { email: 'A@Example.com', name: 'B' },
      ],
      clients: [
        { clientId: 'erp', clientSecret: 'a-long-random-secret', name: 'One' },
        { clientId: 'erp', clientSecret: 'a-long-random-secret', name: 'Two' },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^domains\[1\]\.code: .*IMP-NLD-EXA.*domains\[0\]/),
        expect.stringMatching(/^domains\[1\]\.workspaces\[1\]\.code: .*FIN/),
        expect.stringMatching(/^users\[1\]\.email: .*a@example\.com/),
        expect.stringMatching(/^clients\[1\]\.clientId: .*erp/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('reports every problem at once, each at its path, shape and content alike', () => {
    const problems = problemsOf({
      domains: [{ code: 'bad code', name: '' }],
      users: [
        { email: 'a@example.com', name: 'A', role: 'boss', password: 'short' },
        { email: 'no-at-sign', name: 'B', colour: 'red' },
        { email: 'A@example.com', name: 'C' },
      ],
      customFields: [{ module: 'incident', name: 'Vessel', type: 6 }],
    });
    const paths = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(paths.sort()).toEqual(
      [
        'domains[0].code',
        'domains[0].name',
        'users[0].role',
        'users[0].password',
        'users[1].colour',
        'users[1].email',
        'users[2].email',
        'customFields[0].type',
      ].sort(),
    );
  });

  it('rejects a document that is not an object', () => {
    expect(problemsOf([])).toEqual([expect.stringMatching(/^\(root\)/)]);
    expect(problemsOf(null)).toEqual([expect.stringMatching(/^\(root\)/)]);
  });

  describe('readProvisionFile', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bzctrl-prov-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names the file that is not JSON or cannot be read', async () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{ "users": [ ');
      await expect(readProvisionFile(file)).rejects.toThrow(/broken\.json is not valid JSON/);
      await expect(readProvisionFile(join(dir, 'missing.json'))).rejects.toThrow(
        /cannot read .*missing\.json/,
      );
    });

    it('validates what it read', async () => {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ users: [{ email: 'x', name: 'X' }] }));
      await expect(readProvisionFile(file)).rejects.toMatchObject({
        problems: [expect.stringMatching(/^users\[0\]\.email/)],
      });
    });
  });
});

const BIN = fileURLToPath(new URL('../bin/bzctrl.js', import.meta.url));

describe.each(dialects)('applyProvisioning on %s', (dialect) => {
  let t: TestServer;
  let db: Db;
  beforeAll(async () => {
    t = await startTestServer(dialect, { provision: null });
    db = t.server.db;
  });
  afterAll(() => t?.close());

  const apply = (doc: unknown) => applyProvisioning(db, config, validateProvisionDoc(doc));

  /** 200 and tokens, or the RFC 6749 error. */
  const tokenRequest = (params: Record<string, string>) =>
    t.request('POST', TOKEN_PATH, { body: new URLSearchParams(params) });

  /** Whether an access token is accepted: a valid one reads a missing todo as 404. */
  const tokenWorks = async (token: string) => {
    const r = await t.request('GET', '/bzctrl-core-api/api/v1/tasks/NONE-NONE-NONE-1', { token });
    expect([401, 404]).toContain(r.status);
    return r.status === 404;
  };

  it('creates everything once; applying the same document again changes nothing', async () => {
    const doc: ProvisionDoc = {
      ...fixture,
      customFields: [
        { module: 'incident', name: 'Vessel', type: 1, required: false },
        { module: 'task', name: 'Shift', type: 7, required: true, options: ['Early', 'Late'] },
      ],
    };
    const first = await apply(doc);
    expect(first).toEqual({
      domains: counts(3, 0, 0),
      workspaces: counts(3, 0, 0),
      users: counts(6, 0, 0),
      clients: counts(2, 0, 0),
      locations: counts(1, 0, 0),
      customFields: counts(2, 0, 0),
    });
    const before = await snapshot(db);
    expect(before.members.length).toBeGreaterThan(0);
    expect(before.clientWorkspaces.length).toBeGreaterThan(0);

    const second = await apply(doc);
    expectOnlyUnchanged(second);
    expect(second).toEqual({
      domains: counts(0, 0, 3),
      workspaces: counts(0, 0, 3),
      users: counts(0, 0, 6),
      clients: counts(0, 0, 2),
      locations: counts(0, 0, 1),
      customFields: counts(0, 0, 2),
    });
    // Not a row touched: no re-hashed password, no new updatedAt.
    expect(await snapshot(db)).toEqual(before);
  });

  it('lets two processes apply the same new document at the same moment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-race-'));
    const file = join(dir, 'race.json');
    writeFileSync(
      file,
      JSON.stringify({
        domains: [{ code: 'RACE-DOM', name: 'Race', workspaces: [{ code: 'A', name: 'A' }] }],
        users: [
          {
            email: 'racer@example.com',
            name: 'Racer',
            password: 'Racer-pass-1',
            workspaces: ['RACE-DOM-A'],
          },
        ],
        clients: [
          {
            clientId: 'racer',
            clientSecret: 'racer-client-secret',
            name: 'R',
            workspaces: ['RACE-DOM-A'],
          },
        ],
      }),
    );
    const env = { ...process.env, BZCTRL_DATABASE_URL: t.databaseUrl, BZCTRL_SCRYPT_LOG_N: '14' };
    const run = () =>
      promisify(execFile)(process.execPath, [BIN, 'provision', file], { env, timeout: 60_000 });
    try {
      const outputs = (await Promise.all([run(), run()])).map((r) => r.stdout);
      const created = (what: string) =>
        outputs.filter((o) => new RegExp(`${what}: 1 created`).test(o)).length;
      // Exactly one process created each entry; the other found it unchanged.
      expect(created('domains')).toBe(1);
      expect(created('users')).toBe(1);
      expect(created('clients')).toBe(1);
      expect(
        outputs.filter((o) => /users: 0 created, 0 updated, 1 unchanged/.test(o)),
      ).toHaveLength(1);
      const users = await db.kysely
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'racer@example.com')
        .execute();
      expect(users).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats codes and e-mail addresses case-insensitively when re-applying', async () => {
    await apply({
      domains: [{ code: 'CASE-DOM', name: 'Case', workspaces: [{ code: 'WS', name: 'W' }] }],
      users: [{ email: 'Case.User@Example.com', name: 'Case', workspaces: ['CASE-DOM-WS'] }],
    });
    const again = await apply({
      domains: [{ code: 'case-dom', name: 'Case', workspaces: [{ code: 'ws', name: 'W' }] }],
      users: [{ email: 'case.user@example.com', name: 'Case', workspaces: ['case-dom-ws'] }],
    });
    expectOnlyUnchanged(again);
  });

  it('updates what differs: names, role, memberships, client workspaces, custom fields', async () => {
    const base = {
      domains: [
        {
          code: 'UPD-DOM',
          name: 'Update Domain',
          workspaces: [
            { code: 'ONE', name: 'One' },
            { code: 'TWO', name: 'Two' },
          ],
        },
      ],
      users: [
        { email: 'upd@example.com', name: 'Upd', role: 'member', workspaces: ['UPD-DOM-ONE'] },
        { email: 'keep@example.com', name: 'Keep', workspaces: ['UPD-DOM-ONE'] },
      ],
      clients: [
        {
          clientId: 'upd-client',
          clientSecret: 'upd-client-secret-0001',
          name: 'Upd client',
          workspaces: ['UPD-DOM-ONE'],
        },
      ],
      customFields: [{ module: 'incident', name: 'Berth', type: 1 }],
    };
    await apply(base);

    const sum = await apply({
      domains: [
        {
          code: 'UPD-DOM',
          name: 'Renamed Domain',
          workspaces: [
            { code: 'ONE', name: 'One renamed' },
            { code: 'TWO', name: 'Two' },
          ],
        },
      ],
      users: [
        {
          email: 'upd@example.com',
          name: 'Upd Renamed',
          role: 'admin',
          workspaces: ['UPD-DOM-ONE', 'UPD-DOM-TWO'],
        },
        // Only the memberships differ.
        { email: 'keep@example.com', name: 'Keep', workspaces: ['UPD-DOM-TWO'] },
      ],
      clients: [
        {
          clientId: 'upd-client',
          clientSecret: 'upd-client-secret-0001',
          name: 'Upd client renamed',
          workspaces: ['UPD-DOM-ONE', 'UPD-DOM-TWO'],
          defaultWorkspace: 'UPD-DOM-TWO',
        },
      ],
      customFields: [{ module: 'incident', name: 'Berth', type: 1, required: true }],
    });
    expect(sum).toEqual({
      domains: counts(0, 1, 0),
      workspaces: counts(0, 1, 1),
      users: counts(0, 2, 0),
      clients: counts(0, 1, 0),
      locations: counts(0, 0, 0),
      customFields: counts(0, 1, 0),
    });

    const k = db.kysely;
    const domain = await k
      .selectFrom('domains')
      .selectAll()
      .where('code', '=', 'UPD-DOM')
      .executeTakeFirstOrThrow();
    expect(domain.name).toBe('Renamed Domain');
    const ws = await k
      .selectFrom('workspaces')
      .select(['id', 'key', 'name'])
      .where('domainId', '=', domain.id)
      .orderBy('key')
      .execute();
    expect(ws.map((w) => [w.key, w.name])).toEqual([
      ['UPD-DOM-ONE', 'One renamed'],
      ['UPD-DOM-TWO', 'Two'],
    ]);
    const idOf = (key: string) => Number(ws.find((w) => w.key === key)?.id);

    const user = await k
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'upd@example.com')
      .executeTakeFirstOrThrow();
    expect({ name: user.name, role: user.role }).toEqual({ name: 'Upd Renamed', role: 'admin' });
    const memberOf = async (email: string) =>
      (
        await k
          .selectFrom('workspaceMembers as m')
          .innerJoin('users as u', 'u.id', 'm.userId')
          .select('m.workspaceId')
          .where('u.email', '=', email)
          .execute()
      )
        .map((r) => Number(r.workspaceId))
        .sort();
    expect(await memberOf('upd@example.com')).toEqual(
      [idOf('UPD-DOM-ONE'), idOf('UPD-DOM-TWO')].sort(),
    );
    expect(await memberOf('keep@example.com')).toEqual([idOf('UPD-DOM-TWO')]);

    const client = await k
      .selectFrom('apiClients')
      .selectAll()
      .where('clientId', '=', 'upd-client')
      .executeTakeFirstOrThrow();
    expect(client.name).toBe('Upd client renamed');
    expect(Number(client.defaultWorkspaceId)).toBe(idOf('UPD-DOM-TWO'));
    const clientWs = await k
      .selectFrom('apiClientWorkspaces')
      .select('workspaceId')
      .where('apiClientId', '=', client.id)
      .execute();
    expect(clientWs.map((r) => Number(r.workspaceId)).sort()).toEqual(
      [idOf('UPD-DOM-ONE'), idOf('UPD-DOM-TWO')].sort(),
    );
    const field = await k
      .selectFrom('customFields')
      .selectAll()
      .where('name', '=', 'Berth')
      .executeTakeFirstOrThrow();
    expect(field.required).toBe(1);
  });

  it('a changed password: the old one fails, the new one works, old tokens are revoked', async () => {
    const email = 'pw-change@example.com';
    const doc = (password: string) => ({ users: [{ email, name: 'Pw', password }] });
    await apply(doc('First-pass-1'));
    const first = await tokenRequest({
      grant_type: 'password',
      username: email,
      password: 'First-pass-1',
    });
    expect(first.status).toBe(200);
    const { access_token: oldAccess, refresh_token: oldRefresh } = first.body;
    expect(await tokenWorks(oldAccess)).toBe(true);

    const sum = await apply(doc('Second-pass-2'));
    expect(sum.users).toEqual(counts(0, 1, 0));

    const withOld = await tokenRequest({
      grant_type: 'password',
      username: email,
      password: 'First-pass-1',
    });
    expect(withOld.status).toBe(400);
    expect(withOld.body.error).toBe('invalid_grant');
    expect(await tokenWorks(oldAccess)).toBe(false);
    if (oldRefresh) {
      const refreshed = await tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: oldRefresh,
      });
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');
    }
    expect(await tokenWorks(await t.login(email, 'Second-pass-2'))).toBe(true);
  });

  it('the same password re-applied signs nobody out', async () => {
    const email = 'pw-same@example.com';
    const doc = { users: [{ email, name: 'Same', password: 'Same-pass-1' }] };
    await apply(doc);
    const token = await t.login(email, 'Same-pass-1');
    const again = await apply(doc);
    expect(again.users).toEqual(counts(0, 0, 1));
    expect(await tokenWorks(token)).toBe(true);
    expect(await tokenWorks(await t.login(email, 'Same-pass-1'))).toBe(true);
  });

  it('disabling a user revokes the user’s tokens and refuses new ones', async () => {
    const email = 'to-disable@example.com';
    const user = { email, name: 'Disable me', password: 'Disable-me-1' };
    await apply({ users: [user] });
    const token = await t.login(email, 'Disable-me-1');
    expect((await apply({ users: [{ ...user, disabled: true }] })).users).toEqual(counts(0, 1, 0));
    expect(await tokenWorks(token)).toBe(false);
    const refused = await tokenRequest({
      grant_type: 'password',
      username: email,
      password: 'Disable-me-1',
    });
    expect(refused.status).toBe(400);
  });

  it('a changed client secret revokes the client’s tokens; the new secret works', async () => {
    const client = (clientSecret: string) => ({
      domains: [{ code: 'SEC-DOM', name: 'Secrets', workspaces: [{ code: 'WS', name: 'W' }] }],
      clients: [{ clientId: 'sec-client', clientSecret, name: 'Sec', workspaces: ['SEC-DOM-WS'] }],
    });
    const credentials = (secret: string) =>
      tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'sec-client',
        client_secret: secret,
      });
    await apply(client('sec-client-secret-0001'));
    const first = await credentials('sec-client-secret-0001');
    expect(first.status).toBe(200);
    expect(await tokenWorks(first.body.access_token)).toBe(true);

    expect((await apply(client('sec-client-secret-0001'))).clients).toEqual(counts(0, 0, 1));
    expect(await tokenWorks(first.body.access_token)).toBe(true);

    expect((await apply(client('sec-client-secret-0002'))).clients).toEqual(counts(0, 1, 0));
    expect(await tokenWorks(first.body.access_token)).toBe(false);
    expect((await credentials('sec-client-secret-0001')).status).toBe(401);
    expect((await credentials('sec-client-secret-0002')).status).toBe(200);
  });

  it('rejects unknown workspace references, names every one, and applies nothing', async () => {
    const before = await snapshot(db);
    const doc = validateProvisionDoc({
      domains: [{ code: 'HALF-DOM', name: 'Half', workspaces: [{ code: 'WS', name: 'W' }] }],
      users: [
        {
          email: 'half-ok@example.com',
          name: 'Ok',
          password: 'Half-ok-1',
          workspaces: ['HALF-DOM-WS'],
        },
        { email: 'half-bad@example.com', name: 'Bad', workspaces: ['NOPE-NOPE-WS'] },
      ],
      clients: [
        {
          clientId: 'half-client',
          clientSecret: 'half-client-secret-01',
          name: 'Half',
          workspaces: ['HALF-DOM-WS', 'MISSING-DOM-WS'],
        },
      ],
      locations: [{ name: 'Half location' }],
    });
    const err = await applyProvisioning(db, config, doc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).problems).toEqual([
      expect.stringMatching(/^users\[1\]\.workspaces: .*NOPE-NOPE-WS/),
      expect.stringMatching(/^clients\[0\]\.workspaces: .*MISSING-DOM-WS/),
    ]);
    // Neither the domain created before the bad reference nor the valid first user.
    expect(await snapshot(db)).toEqual(before);
    const login = await tokenRequest({
      grant_type: 'password',
      username: 'half-ok@example.com',
      password: 'Half-ok-1',
    });
    expect(login.status).toBe(400);
  });

  it('takes a workspace listed twice (in any case) as one membership', async () => {
    const doc = {
      domains: [{ code: 'TWICE-DOM', name: 'Twice', workspaces: [{ code: 'WS', name: 'W' }] }],
      users: [
        { email: 'twice@example.com', name: 'Twice', workspaces: ['TWICE-DOM-WS', 'twice-dom-ws'] },
      ],
      clients: [
        {
          clientId: 'twice-client',
          clientSecret: 'twice-client-secret-1',
          name: 'Twice',
          workspaces: ['TWICE-DOM-WS', 'Twice-Dom-Ws'],
          defaultWorkspace: 'twice-dom-ws',
        },
      ],
    };
    const first = await apply(doc);
    expect(first.users).toEqual(counts(1, 0, 0));
    expect(first.clients).toEqual(counts(1, 0, 0));
    expectOnlyUnchanged(await apply(doc));
  });

  it('resolves references to workspaces that exist only in the database', async () => {
    await apply({
      domains: [{ code: 'REF-DOM', name: 'Ref', workspaces: [{ code: 'WS', name: 'W' }] }],
    });
    const sum = await apply({
      users: [{ email: 'ref-user@example.com', name: 'Ref', workspaces: ['ref-dom-ws'] }],
    });
    expect(sum.users).toEqual(counts(1, 0, 0));
  });

  it('ensureFirstAdmin creates an administrator only while no user exists', async () => {
    const empty = await startTestServer(dialect, { provision: null });
    try {
      const userCount = async () =>
        (await empty.server.db.kysely.selectFrom('users').select('id').execute()).length;
      const admin = {
        adminEmail: 'first-admin@example.com',
        adminPassword: 'First-admin-1',
        scryptLogN: 14,
      };
      expect(
        await ensureFirstAdmin(empty.server.db, {
          adminEmail: undefined,
          adminPassword: undefined,
          scryptLogN: 14,
        }),
      ).toBe('missing');
      expect(await userCount()).toBe(0);

      expect(await ensureFirstAdmin(empty.server.db, admin)).toBe('created');
      expect(await userCount()).toBe(1);
      const token = await empty.request('POST', TOKEN_PATH, {
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'first-admin@example.com',
          password: 'First-admin-1',
        }),
      });
      expect(token.status).toBe(200);
      expect(token.body.scope.split(' ')).toContain('admin');

      // A user exists now: neither another address nor another password changes anything.
      expect(
        await ensureFirstAdmin(empty.server.db, {
          ...admin,
          adminEmail: 'second-admin@example.com',
        }),
      ).toBe('exists');
      expect(
        await ensureFirstAdmin(empty.server.db, { ...admin, adminPassword: 'Other-pass-1' }),
      ).toBe('exists');
      expect(await userCount()).toBe(1);
      expect(await empty.login('first-admin@example.com', 'First-admin-1')).toBeTruthy();
    } finally {
      await empty.close();
    }
  });
});
