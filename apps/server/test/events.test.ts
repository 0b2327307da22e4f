import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventActorOf, eventTypesFor } from '../src/core/events/events.model.ts';
import { insertEvent, sweepEvents } from '../src/core/events/events.repository.ts';
import { runJobsOnce } from '../src/core/lifecycle/lifecycle.run.ts';
import { readConfig } from '../src/platform/config.ts';
import { dateInZone } from '../src/platform/values/dates.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * SPEC §8's events and change feed: every path that changes a todo writes its event in
 * the change's transaction, and `GET /events` hands them out per workspace, in order,
 * without skipping one that commits late.
 */

const API = '/bzctrl-core-api/api/v1';
const ADD = `${API}/task/add-task`;
const DAY = 86_400_000;

interface Ev {
  id: number;
  type: string;
  workspace: string;
  todo: { key: string; id: number; status: string; taskLink: string; title: string };
  changes: Record<string, [unknown, unknown]>;
  actor: { type: string; name: string; clientId: string | null };
  dialect: string;
}

describe.each(dialects)('events and the change feed on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let admin: string;
  let outsider: string;
  let erp: string;

  const addTask = async (token: string, extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Check seal numbers',
        description: 'Seal numbers differ from the manifest',
        reporter: 'example@example.com',
        assignee: 'username@example.com',
        ...extra,
      },
    });
    expect(res.status, res.text).toBe(201);
    return { key: res.body.key as string, id: Number(res.body.id) };
  };
  const feed = async (token: string, query = '') => {
    const res = await t.request('GET', `${API}/events${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body as { items: Ev[]; next: string };
  };
  /** The whole feed from the start, page by page. */
  const everything = async (token: string, extra = '') => {
    const all: Ev[] = [];
    let after = '';
    for (;;) {
      const page = await feed(token, `?limit=50${after}${extra}`);
      all.push(...page.items);
      after = `&after=${page.next}`;
      if (page.items.length < 50) return { items: all, next: page.next };
    }
  };
  const ofTodo = (events: Ev[], key: string) => events.filter((e) => e.todo.key === key);

  beforeAll(async () => {
    t = await startTestServer(dialect, { env: { BZCTRL_PUBLIC_URL: 'https://bzctrl.test' } });
    member = await t.login('example@example.com');
    admin = await t.login('admin@example.com');
    outsider = await t.login('outsider@other.example');
    erp = await t.clientLogin('erp', 'erp-client-secret-0001');
  });
  afterAll(() => t?.close());

  it('every dialect and the expiry job write their events, with actor, dialect and fields', async () => {
    const bz = await addTask(member);
    const auth = await t.request('POST', '/api/authenticate', {
      body: { username: 'example@example.com', password: 'Ex@mpl3!' },
    });
    const short = await t.request('POST', '/api/task', {
      token: auth.body.token,
      body: { type: 'Task', title: 'Short one', description: 'd', workspace: 'IMP-NLD-EXA-SWA' },
    });
    expect(short.status, short.text).toBe(201);
    const shortKey = short.body.reference as string;
    const native = await t.request('POST', `${API}/todos`, {
      token: erp,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'Native one',
        description: 'd',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
      },
    });
    expect(native.status, native.text).toBe(201);
    const nativeKey = native.body.key as string;
    const patched = await t.request('PATCH', `${API}/todos/${nativeKey}`, {
      token: member,
      body: { status: 'DONE', result: 'Seals match' },
    });
    expect(patched.status, patched.text).toBe(200);
    const titled = await t.request('PATCH', `${API}/todos/${nativeKey}`, {
      token: member,
      body: { title: 'Native one, renamed' },
    });
    expect(titled.status, titled.text).toBe(200);
    const commented = await t.request('POST', `${API}/todos/${bz.key}/comments`, {
      token: member,
      body: { body: 'Seal 4411 confirmed' },
    });
    expect(commented.status, commented.text).toBe(201);
    const watched = await t.request('PUT', `${API}/todos/${bz.key}/watchers/username@example.com`, {
      token: member,
    });
    expect(watched.status, watched.text).toBeLessThan(300);
    const fd = new FormData();
    fd.append('file', new Blob([Buffer.from('seal list')], { type: 'text/plain' }), 'seals.txt');
    const up = await t.request('POST', `${API}/uploads`, { token: member, body: fd });
    expect(up.status, up.text).toBe(201);
    const attached = await t.request('POST', `${API}/todos/${bz.key}/attachments`, {
      token: member,
      body: { upload: up.body.ref },
    });
    expect(attached.status, attached.text).toBe(201);
    const detached = await t.request(
      'DELETE',
      `${API}/todos/${bz.key}/attachments/${attached.body.id}`,
      { token: member },
    );
    expect(detached.status, detached.text).toBe(204);
    const incident = await t.request('POST', '/api/v1/incident', {
      token: erp,
      body: {
        subject: 'Scanner down',
        description: 'Gate 3 scanner is down',
        requesterEmail: 'example@example.com',
      },
    });
    expect(incident.status, incident.text).toBeLessThan(300);
    const incidentId = Number(incident.body.id);
    const itsmUpdate = await t.request('POST', `/api/v1/incident/${incidentId}`, {
      token: erp,
      body: { subject: 'Scanner down at gate 3' },
    });
    expect(itsmUpdate.status, itsmUpdate.text).toBeLessThan(300);
    const itsmDelete = await t.request('DELETE', `/api/v1/incident/${incidentId}`, { token: erp });
    expect(itsmDelete.status, itsmDelete.text).toBeLessThan(300);
    const endpoint = await t.request('POST', `${API}/admin/exposed-endpoints`, {
      token: admin,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        name: 'Gate form',
        defaults: { todoType: 'Incident', reporter: 'username@example.com' },
      },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const exposed = await t.request('POST', `${API}/task/add-exposed-task/${endpoint.body.uuid}`, {
      body: { title: 'From the gate form', description: 'Seal broken on arrival' },
    });
    expect(exposed.status, exposed.text).toBe(201);
    const overdue = await addTask(member, { title: 'Overdue one' });
    const yesterday = dateInZone(new Date(Date.now() - DAY), 'UTC');
    await t.server.db.kysely
      .updateTable('todos')
      .set({ dueDate: yesterday })
      .where('id', '=', overdue.id)
      .execute();
    const config = readConfig({
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_TIMEZONE: 'UTC',
    });
    const silentLog = { info() {}, warn() {}, error() {} } as never;
    expect((await runJobsOnce(t.server.db, config, silentLog, new Date())).expired).toBe(1);

    const { items } = await everything(admin);
    const ids = items.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);

    const [created] = ofTodo(items, bz.key);
    expect(created).toMatchObject({
      type: 'todo.created',
      workspace: 'IMP-NLD-EXA-SWA',
      todo: {
        key: bz.key,
        id: bz.id,
        status: 'INPROGRESS',
        title: 'Check seal numbers',
        taskLink: `https://bzctrl.test/app/#/todo/${bz.key}`,
      },
      actor: { type: 'user', name: 'example@example.com', clientId: null },
      dialect: 'bzctrl',
    });
    expect(created?.changes.title).toEqual([null, 'Check seal numbers']);
    expect(ofTodo(items, bz.key).map((e) => e.type)).toEqual([
      'todo.created',
      'todo.commented',
      'todo.attachment_added',
      'todo.attachment_removed',
    ]);
    expect(ofTodo(items, bz.key)[1]?.changes).toEqual({ comment: [null, 'Seal 4411 confirmed'] });
    expect(ofTodo(items, bz.key)[2]?.changes).toEqual({ attachment: [null, 'seals.txt'] });
    expect(ofTodo(items, shortKey)).toEqual([
      expect.objectContaining({ type: 'todo.created', dialect: 'short' }),
    ]);
    const nativeEvents = ofTodo(items, nativeKey);
    expect(nativeEvents.map((e) => [e.type, e.todo.status, e.actor.type, e.dialect])).toEqual([
      ['todo.created', 'INPROGRESS', 'client', 'native'],
      ['todo.updated', 'DONE', 'user', 'native'],
      ['todo.status_changed', 'DONE', 'user', 'native'],
      ['todo.updated', 'DONE', 'user', 'native'],
    ]);
    expect(nativeEvents[0]?.actor).toEqual({ type: 'client', name: 'erp', clientId: 'erp' });
    expect(nativeEvents[1]?.changes).toMatchObject({
      status: ['INPROGRESS', 'DONE'],
      result: [null, 'Seals match'],
    });
    expect(nativeEvents[2]?.changes).toEqual({ status: ['INPROGRESS', 'DONE'] });
    expect(nativeEvents[3]?.changes).toEqual({ title: ['Native one', 'Native one, renamed'] });
    expect(nativeEvents[3]?.todo.title).toBe('Native one, renamed');
    expect(items.filter((e) => e.todo.title === 'From the gate form')).toEqual([
      expect.objectContaining({
        type: 'todo.created',
        dialect: 'exposed',
        actor: { type: 'endpoint', name: 'Gate form', clientId: null },
      }),
    ]);
    const incidentEvents = items.filter((e) => e.todo.id === incidentId);
    expect(incidentEvents.map((e) => [e.type, e.dialect, e.actor.clientId])).toEqual([
      ['todo.created', 'itsm', 'erp'],
      ['todo.updated', 'itsm', 'erp'],
      ['todo.deleted', 'itsm', 'erp'],
    ]);
    expect(ofTodo(items, overdue.key).map((e) => [e.type, e.actor.type, e.dialect])).toEqual([
      ['todo.created', 'user', 'bzctrl'],
      ['todo.expired', 'system', 'system'],
      ['todo.status_changed', 'system', 'system'],
    ]);
    expect(ofTodo(items, overdue.key)[1]?.changes).toEqual({ status: ['INPROGRESS', 'EXPIRED'] });

    // No change without its events: every audit row of a todo has exactly its events.
    const audit = await t.server.db.kysely
      .selectFrom('auditEvents')
      .select(['action', 'changes'])
      .where('entityType', '=', 'todo')
      .execute();
    const expected = audit.flatMap((a) => eventTypesFor(a.action, JSON.parse(a.changes))).length;
    const stored = await t.server.db.kysely
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(expected);
    expect(items).toHaveLength(expected);
  });

  it('pages without skipping or repeating, and long-polls until an event arrives', async () => {
    for (let i = 0; i < 5; i++) await addTask(member, { title: `Paged ${i}` });
    const all = await everything(member);
    const seen: number[] = [];
    let after = '';
    for (;;) {
      const page = await feed(member, `?limit=3${after}`);
      seen.push(...page.items.map((e) => e.id));
      after = `&after=${page.next}`;
      if (page.items.length === 0) break;
    }
    expect(seen).toEqual(all.items.map((e) => e.id));
    // Nothing new: an empty page with the same place to go on from.
    const quiet = await feed(member, `?after=${all.next}`);
    expect(quiet.items).toEqual([]);

    const started = Date.now();
    const polling = feed(member, `?after=${all.next}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const made = await addTask(member, { title: 'Long-polled' });
    const got = await polling;
    expect(got.items.map((e) => e.todo.key)).toEqual([made.key]);
    expect(Date.now() - started).toBeLessThan(15_000);
    // And a wait that sees nothing ends empty at its deadline.
    const none = await feed(member, `?after=${got.next}&wait=1`);
    expect(none.items).toEqual([]);
    expect(none.next).toBe(got.next);
  });

  it('refuses bad parameters by name', async () => {
    for (const [query, field] of [
      ['?after=bm9wZQ', 'after'],
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?wait=31', 'wait'],
      ['?workspace=NOPE-NOPE-X', 'workspace'],
      ['?after=', 'after'],
      ['?after=%FF%FE%00', 'after'],
      ['?after=cDotMQ', 'after'],
      ['?limit=abc', 'limit'],
      ['?wait=-1', 'wait'],
      ['?includeOwn=maybe', 'includeOwn'],
    ] as const) {
      const res = await t.request('GET', `${API}/events${query}`, { token: member });
      expect(res.status, query).toBeGreaterThanOrEqual(400);
      expect(res.status, query).toBeLessThan(500);
      expect(res.text, query).toContain(field);
    }
    expect((await t.request('GET', `${API}/events`)).status).toBe(401);
  });

  it("keeps an API client's own events from it unless it asks, and each tenant to its workspaces", async () => {
    const mine = await t.request('POST', `${API}/todos`, {
      token: erp,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'Made by the ERP',
        description: 'd',
        assignee: 'username@example.com',
        reporter: 'example@example.com',
      },
    });
    expect(mine.status, mine.text).toBe(201);
    const key = mine.body.key as string;
    expect(ofTodo((await everything(erp)).items, key)).toEqual([]);
    expect(ofTodo((await everything(erp, '&includeOwn=true')).items, key)).toHaveLength(1);
    expect(ofTodo((await everything(member)).items, key)).toHaveLength(1);

    const theirs = await t.request('POST', ADD, {
      token: outsider,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'OTH-BEL-ANT-OPS',
        title: 'Other tenant',
        description: 'd',
        reporter: 'outsider@other.example',
        assignee: 'outsider@other.example',
      },
    });
    expect(theirs.status, theirs.text).toBe(201);
    const outsiders = (await everything(outsider)).items;
    expect(outsiders.length).toBeGreaterThan(0);
    expect(outsiders.every((e) => e.workspace === 'OTH-BEL-ANT-OPS')).toBe(true);
    expect((await everything(member)).items.some((e) => e.workspace === 'OTH-BEL-ANT-OPS')).toBe(
      false,
    );
    const narrowed = (await everything(member, '&workspace=VTT-NLD-TML-FIN')).items;
    expect(narrowed.every((e) => e.workspace === 'VTT-NLD-TML-FIN')).toBe(true);
    const notMine = await t.request('GET', `${API}/events?workspace=OTH-BEL-ANT-OPS`, {
      token: member,
    });
    expect(notMine.status).toBe(404);
  });

  it.skipIf(dialect !== 'postgres')(
    'never skips an event whose transaction commits after a later one',
    async () => {
      const early = await addTask(member, { title: 'Committed late' });
      const before = (await everything(member)).next;
      // A transaction writes its event and stays open while another create commits.
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let wrote: () => void = () => {};
      const written = new Promise<void>((r) => {
        wrote = r;
      });
      const trx = t.server.db.kysely.transaction().execute(async (tx) => {
        await insertEvent(tx, {
          ...eventActorOf({
            kind: 'user',
            userId: null,
            userEmail: 'example@example.com',
            apiClientId: null,
            clientId: null,
            isAdmin: false,
            workspaceIds: null,
            defaultWorkspaceId: null,
            scopes: new Set(),
            tokenId: '',
          }),
          type: 'todo.updated',
          occurredAt: new Date().toISOString(),
          todoId: early.id,
          changes: { title: ['Committed late', 'Committed late'] },
          dialect: 'native',
          requestId: null,
        });
        wrote();
        await held;
      });
      await written;
      const later = await addTask(member, { title: 'Committed first' });
      const first = await feed(member, `?after=${before}`);
      expect(first.items.map((e) => e.todo.key)).toEqual([later.key]);
      release();
      await trx;
      const second = await feed(member, `?after=${first.next}`);
      expect(second.items.map((e) => [e.type, e.todo.key])).toEqual([['todo.updated', early.key]]);
    },
  );

  it('answers 410 for a cursor behind the retention sweep, and starts at the oldest kept', async () => {
    const old = (await feed(member, '?limit=1')).next;
    await addTask(member, { title: 'Kept' });
    const swept = await sweepEvents(t.server.db, new Date(Date.now() - 1000).toISOString());
    expect(swept).toBeGreaterThan(0);
    const gone = await t.request('GET', `${API}/events?after=${old}`, { token: member });
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ status: 410 });
    expect(gone.body.detail).toMatch(/retention/);
    const fresh = await everything(member);
    expect(fresh.items.map((e) => e.todo.title)).toContain('Kept');
    // The jobs sweep what is past BZCTRL_EVENT_RETENTION_DAYS (30 by default).
    const config = readConfig({ BZCTRL_DATABASE_URL: t.databaseUrl });
    const silentLog = { info() {}, warn() {}, error() {} } as never;
    const soon = await runJobsOnce(t.server.db, config, silentLog, new Date(Date.now() + 29 * DAY));
    expect(soon.eventsSwept).toBe(0);
    const later = await runJobsOnce(
      t.server.db,
      config,
      silentLog,
      new Date(Date.now() + 31 * DAY),
    );
    expect(later.eventsSwept).toBeGreaterThan(0);
    expect((await everything(member)).items).toEqual([]);
    const stale = await t.request('GET', `${API}/events?after=${fresh.next}`, { token: member });
    expect(stale.status).toBe(200);
  });

  it('ends a long poll at once when the server stops', async () => {
    const own = await startTestServer(dialect);
    try {
      const token = await own.login('example@example.com');
      const started = Date.now();
      const polling = own.request('GET', `${API}/events?wait=25`, { token }).catch(() => null);
      await new Promise((r) => setTimeout(r, 300));
      await own.close();
      await polling;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await own.close();
    }
  });
});
