import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type Reply, startTestServer, type TestServer } from './support/harness.ts';

const ROUNDS = 20;

/**
 * An ITSM update sets the incident's category by name, which the server turns into the
 * todo's whole category list; a native PATCH changes that list at the same moment. The
 * ITSM update must work on the list as it is when it writes, or the other change is lost.
 */
describe.each(dialects)('ITSM updates racing native changes on %s', (dialect) => {
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
   * adds a tag, the way a careful client does: read (before the round), then If-Match; a 412 reads again.
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
});
