import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../src/platform/db/migrate.ts';
import { dialects, type Reply, startTestServer, type TestServer } from './support/harness.ts';

const ROUNDS = 20;

/**
 * What the ITSM dialect keeps beside a todo stays right: an ITSM update sets the
 * incident's category by name, which the server turns into the todo's whole category
 * list, so it must work on the list as it is when it writes, or a native change made at
 * the same moment is lost; and migration 007, which moves the dialect's own values from
 * columns of todos to itsm_incidents, keeps what an incident stored before it.
 */
describe.each(dialects)('ITSM incident data on %s', (dialect) => {
  let t: TestServer;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    // One workspace: the ITSM create needs no default workspace for this user.
    token = await t.login('username@example.com');
  });
  afterAll(async () => {
    await t?.close();
  });

  const itsmUpdate = (id: number, body: Record<string, unknown>) =>
    t.request('POST', `/api/v1/incident/${id}`, { token, body });

  /**
   * Puts this round's category in place of the last round's (at most 20 categories) and
   * adds a tag the way a careful client does: read (before the round), then If-Match; a 412
   * reads again.
   */
  const nativeChange = async (key: string, category: string, tag: string, first: Reply) => {
    let read = first;
    for (let attempt = 0; attempt < 50; attempt++) {
      const others = read.body.category.filter((c: string) => !c.startsWith('native-'));
      const res = await t.request('PATCH', `/bzctrl-core-api/api/v1/todos/${key}`, {
        token,
        headers: { 'if-match': read.headers.get('etag') ?? '' },
        body: { category: [...others, category], tags: [...read.body.tags, tag] },
      });
      if (res.status !== 412) {
        expect(res.status, res.text).toBe(200);
        return;
      }
      read = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}`, { token });
    }
    throw new Error(`${category}: never got through`);
  };

  it(`loses no category or tag over ${ROUNDS} rounds of simultaneous changes`, async () => {
    const created = await t.request('POST', '/api/v1/incident', {
      token,
      body: { subject: 'Race', requesterEmail: 'username@example.com', categoryName: 'Hardware' },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.body.id as number;
    const { key } = (await t.request('GET', `/bzctrl-core-api/api/v1/todos/${id}`, { token })).body;

    const names = ['Software', 'Hardware'];
    const lost: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Read first, so both changes leave at the same moment.
      const read = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}`, { token });
      const [itsm] = await Promise.all([
        itsmUpdate(id, { categoryName: names[i % 2] }),
        nativeChange(key, `native-${i}`, `t${i}`, read),
      ]);
      expect(itsm.status, itsm.text).toBe(200);
      const todo = (await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}`, { token })).body;
      if (!todo.category.includes(`native-${i}`)) lost.push(`native-${i}`);
      // The ITSM category replaced the one before it: it is there, once, whoever came last.
      expect(todo.category.filter((c: string) => names.includes(c))).toEqual([names[i % 2]]);
    }
    expect(lost, `native categories lost: ${lost.length} of ${ROUNDS}`).toEqual([]);

    const last = names[(ROUNDS - 1) % 2] as string;
    const todo = (await t.request('GET', `/bzctrl-core-api/api/v1/todos/${key}`, { token })).body;
    expect(todo.category).toEqual(expect.arrayContaining([`native-${ROUNDS - 1}`, last]));
    expect(todo.tags).toEqual(Array.from({ length: ROUNDS }, (_, i) => `t${i}`));
    const incident = await t.request('GET', `/api/v1/incident/${id}`, { token });
    expect(incident.body.categoryName).toBe(last);
  });

  const incident = async (id: number) => {
    const res = await t.request('GET', `/api/v1/incident/${id}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  it('keeps what an incident stored before 007, and 007 undone keeps it too', async () => {
    const made = await t.request('POST', '/api/v1/incident', {
      token,
      body: {
        subject: 'Made before',
        requesterEmail: 'username@example.com',
        requesterName: 'Requester Before',
        categoryName: 'Incident',
        status: 'Pending',
        impact: 'ONDEPARTMENT',
        priority: 'URGENT',
        urgency: 'MEDIUM',
        spam: true,
        locationName: 'Ahmedabad',
      },
    });
    expect(made.status, made.text).toBe(200);
    const shown = await incident(made.body.id);

    // Todos made through the native API, the first given ITSM values below in the old
    // schema's columns, as the ITSM dialect wrote them then. (Made before going back: the
    // server's authentication needs a later migration's table.)
    const native = await t.request('POST', '/bzctrl-core-api/api/v1/todos', {
      token,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'TASK',
        title: 'Old-style incident',
        description: 'stored before 007',
        reporter: 'username@example.com',
        status: 'INPROGRESS',
        impact: 'LOW',
        priority: 'MEDIUM',
      },
    });
    expect(native.status, native.text).toBe(201);
    // One with nothing of the dialect's: it reads as before, with the defaults.
    const plain = await t.request('POST', '/bzctrl-core-api/api/v1/todos', {
      token,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        todoType: 'INCIDENT',
        title: 'Plain',
        description: 'no ITSM values',
        status: 'TODO',
        reporter: 'username@example.com',
      },
    });
    expect(plain.status, plain.text).toBe(201);

    // Back to the schema before 007: the values go back into columns of todos.
    await migrateTo(t.server.db, '006-due-date-by-done');
    const db = t.server.db.kysely;
    // (The result's names come camel-cased, as every query's.)
    const back = await sql<{ itsmStatus: string; urgency: string; spam: number }>`
      SELECT itsm_status, urgency, spam FROM todos WHERE id = ${made.body.id}`.execute(db);
    expect(back.rows.map((r) => ({ ...r, spam: Number(r.spam) }))).toEqual([
      { itsmStatus: 'Pending', urgency: 'MEDIUM', spam: 1 },
    ]);

    const old = native.body.id as number;
    await sql`UPDATE todos SET itsm_status = 'Pending', itsm_impact = 'ONUSER',
      itsm_priority = 'MEDIUM', urgency = 'HIGH', requester_name = 'Old Requester',
      category_name = 'Hardware', spam = 1 WHERE id = ${old}`.execute(db);
    await migrateToLatest(t.server.db);
    expect(await incident(made.body.id)).toEqual(shown);
    expect(await incident(old)).toMatchObject({
      subject: 'Old-style incident',
      requesterName: 'Old Requester',
      categoryName: 'Hardware',
      status: 'Pending',
      impact: 'ONUSER',
      priority: 'MEDIUM',
      urgency: 'HIGH',
      spam: true,
    });
    expect(await incident(plain.body.id)).toMatchObject({
      categoryName: 'Incident',
      status: 'Open',
      impact: 'LOW',
      priority: 'LOW',
      urgency: 'LOW',
      spam: false,
      requesterName: 'Seed User',
    });
    const rows = await db
      .selectFrom('itsmIncidents')
      .select('todoId')
      .where('todoId', 'in', [made.body.id, old, plain.body.id])
      .execute();
    expect(rows.map((r) => Number(r.todoId)).sort()).toEqual([made.body.id, old].sort());

    // After 007 the values change through the dialect as before, audited as before.
    const upd = await t.request('POST', `/api/v1/incident/${old}`, {
      token,
      body: { urgency: 'LOW', spam: false },
    });
    expect(upd.status, upd.text).toBe(200);
    expect(await incident(old)).toMatchObject({ urgency: 'LOW', spam: false });
    const history = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${old}/history`, {
      token,
    });
    expect(history.body.items.at(-1).changes).toEqual([
      { field: 'urgency', old: 'HIGH', new: 'LOW' },
      { field: 'spam', old: 1, new: 0 },
    ]);
  });
});
