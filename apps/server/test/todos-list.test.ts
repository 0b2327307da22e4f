import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyProvisioning,
  validateProvisionDoc,
} from '../src/core/provisioning/provision.service.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const LIST = '/bzctrl-core-api/api/v1/todos';
const SWA = 'IMP-NLD-EXA-SWA';
const FIN = 'VTT-NLD-TML-FIN';
const OPS = 'OTH-BEL-ANT-OPS';
const PAG = 'PAG-NLD-TST-LST';

type Row = Record<string, unknown>;

describe.each(dialects)('GET /todos (list and search) on %s', (dialect) => {
  let t: TestServer;
  let admin: string;
  let example: string;
  let seedUser: string;
  let outsider: string;
  /** Keys of the named todos, in creation order. */
  const k: Record<string, string> = {};

  const create = async (body: Row, token = admin) => {
    const res = await t.request('POST', ADD, { token, body: { todoType: 'TASK', ...body } });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
    return res.body as { id: number; key: string };
  };
  const list = (query: string, token = admin) => t.request('GET', `${LIST}?${query}`, { token });
  /** The keys a list answers, asserting it answered 200. */
  const keys = async (query: string, token = admin) => {
    const res = await list(query, token);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as Array<{ key: string }>).map((i) => i.key);
  };
  const sorted = (xs: string[]) => [...xs].sort();
  const setColumns = (key: string, values: Row) =>
    t.server.db.kysely.updateTable('todos').set(values).where('key', '=', key).execute();
  const clientToken = async (clientId: string, secret: string) => {
    const res = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };

  beforeAll(async () => {
    t = await startTestServer(dialect);
    // A workspace of its own for the pagination tests, so their counts are exact.
    await applyProvisioning(
      t.server.db,
      { scryptLogN: 14 },
      validateProvisionDoc({
        domains: [
          { code: 'PAG-NLD-TST', name: 'Paging', workspaces: [{ code: 'LST', name: 'Lists' }] },
        ],
      }),
    );
    [admin, example, seedUser, outsider] = await Promise.all([
      t.login('admin@example.com'),
      t.login('example@example.com'),
      t.login('username@example.com'),
      t.login('outsider@other.example'),
    ]);
    const swa = { domainWorkSpace: SWA };
    const fin = { domainWorkSpace: FIN, reporter: 'user@vtti.com', assignee: 'rge@vtti.com' };
    k.A = (
      await create({
        ...swa,
        title: 'Container seal mismatch',
        description: 'Seal numbers differ from the manifest',
        status: 'TODO',
        priority: 'HIGH',
        impact: 'HIGH',
        likelihood: 'LOW',
        reporter: 'username@example.com',
        assignee: 'example@example.com',
        tags: ['urgent', 'bug-fix'],
        category: ['Customs'],
        reminderDate: '2026-03-10',
      })
    ).key;
    k.B = (
      await create({
        ...swa,
        todoType: 'INCIDENT',
        title: 'Late vessel arrival',
        description: 'MT Example arrived two days late',
        result: 'Demurrage claimed from the carrier',
        status: 'In Progress',
        priority: 'LOW',
        impact: 'MEDIUM',
        likelihood: 'MEDIUM',
        reporter: 'example@example.com',
        tags: ['frontend'],
        category: ['Fetsa'],
        subCategory: ['high'],
        orderID: 'SO 777',
        reminderDate: '2026-03-20',
      })
    ).key;
    k.C = (
      await create({
        ...swa,
        title: 'Customs declaration check',
        description: 'Verify the declaration',
        status: 'DONE',
        priority: 'MEDIUM',
        reporter: 'username@example.com',
        lrn: '24NL0000000000001',
        category: ['Customs', 'Fetsa'],
      })
    ).key;
    k.D = (
      await create({
        ...fin,
        title: 'Invoice container fees',
        description: 'Fees charged twice',
        status: 'TODO',
        priority: 'HIGH',
        tags: ['urgent'],
      })
    ).key;
    k.E = (
      await create({
        ...fin,
        todoType: 'INCIDENT',
        title: 'Tank leak',
        description: 'Inlet valve of tank 12',
        status: 'INPROGRESS',
      })
    ).key;
    k.F = (
      await create({
        domainWorkSpace: OPS,
        title: 'Container audit',
        description: 'Yearly audit of the terminal',
        reporter: 'outsider@other.example',
      })
    ).key;
    // Controlled timestamps and dates, set directly: the API stamps the real time.
    const at: Record<string, [string, string, string | null]> = {
      A: ['2026-01-10T10:00:00.000Z', '2026-02-01T09:00:00.000Z', '2026-02-01'],
      B: ['2026-01-11T23:30:00.000Z', '2026-02-03T09:00:00.000Z', null],
      C: ['2026-01-12T00:30:00.000Z', '2026-02-02T09:00:00.000Z', '2026-02-15'],
      D: ['2026-01-13T08:00:00.000Z', '2026-02-04T09:00:00.000Z', null],
      E: ['2026-01-14T08:00:00.000Z', '2026-02-05T09:00:00.000Z', null],
      F: ['2026-01-15T08:00:00.000Z', '2026-02-06T09:00:00.000Z', null],
    };
    for (const [name, [createdAt, updatedAt, dueDate]] of Object.entries(at)) {
      await setColumns(k[name] as string, { createdAt, updatedAt, dueDate });
    }
    await setColumns(k.A as string, { externalSystem: 'erp', externalId: 'SO-1' });
  });
  afterAll(async () => t?.close());

  const ALL_SEEDED = () => [k.A, k.B, k.C, k.D, k.E, k.F] as string[];
  const seededOnly = (got: string[]) => got.filter((x) => ALL_SEEDED().includes(x));

  describe('tenant isolation', () => {
    it('shows each caller only the todos of its workspaces', async () => {
      expect(sorted(seededOnly(await keys('limit=200', admin)))).toEqual(sorted(ALL_SEEDED()));
      expect(sorted(await keys('', seedUser))).toEqual(sorted([k.A, k.B, k.C] as string[]));
      expect(sorted(await keys('', example))).toEqual(
        sorted([k.A, k.B, k.C, k.D, k.E] as string[]),
      );
      expect(await keys('', outsider)).toEqual([k.F]);
      // Searching never reaches across tenants either.
      expect(await keys('q=container', seedUser)).toEqual([k.A]);
      expect(await keys('q=container', outsider)).toEqual([k.F]);
      const counted = await list('total=true', seedUser);
      expect(counted.body.total).toBe(3);
    });

    it('limits an API client to its own workspaces', async () => {
      const erp = await clientToken('erp', 'erp-client-secret-0001');
      const other = await clientToken('other', 'other-client-secret-01');
      expect(sorted(await keys('', erp))).toEqual(sorted([k.A, k.B, k.C, k.D, k.E] as string[]));
      expect(await keys('', other)).toEqual([k.F]);
    });

    it('answers a workspace the caller may not use like one that does not exist', async () => {
      const foreign = await list(`workspace=${FIN}`, seedUser);
      const missing = await list('workspace=NOP-NLD-XXX-ZZZ', seedUser);
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(foreign.body.code).toBe('workspace_not_found');
      expect(foreign.body.errors).toEqual([{ field: 'workspace', message: `no workspace ${FIN}` }]);
      const { requestId: _a, detail: _d1, errors: _e1, ...a } = foreign.body;
      const { requestId: _b, detail: _d2, errors: _e2, ...b } = missing.body;
      expect(a).toEqual(b);
    });

    it('requires a token', async () => {
      const res = await t.request('GET', LIST);
      expect(res.status).toBe(401);
    });
  });

  describe('filters', () => {
    it('returns complete todos', async () => {
      const res = await list(`externalRef=erp:SO-1`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [expect.any(Object)], nextCursor: null });
      expect(res.body.items[0]).toMatchObject({
        key: k.A,
        todoType: 'TASK',
        title: 'Container seal mismatch',
        status: 'TODO',
        priority: 'HIGH',
        assignee: 'example@example.com',
        reporter: 'username@example.com',
        tags: ['urgent', 'bug-fix'],
        category: ['Customs'],
        workspace: SWA,
        workspaceName: 'Inbound Control',
        domain: 'IMP-NLD-EXA',
        reminderDate: '2026-03-10',
        dueDate: '2026-02-01',
        createdAt: '2026-01-10T10:00:00.000Z',
        taskLink: `https://bzctrl.test/app/#/todo/${k.A}`,
      });
      const b = (await list(`q=vessel`)).body.items[0];
      expect(b).toMatchObject({ key: k.B, subCategory: ['high'], category: ['Fetsa'] });
      expect(b.tags).toEqual(['frontend', 'SO 777']);
    });

    it('filters by workspace, repeated or comma-separated', async () => {
      expect(sorted(await keys(`workspace=${FIN}`, example))).toEqual(
        sorted([k.D, k.E] as string[]),
      );
      const both = sorted([k.A, k.B, k.C, k.D, k.E] as string[]);
      expect(sorted(await keys(`workspace=${SWA},${FIN}`, example))).toEqual(both);
      expect(
        sorted(await keys(`workspace=${SWA}&workspace=${FIN.toLowerCase()}`, example)),
      ).toEqual(both);
    });

    it('filters by type, status, priority, impact and likelihood, forgiving like create', async () => {
      const q = (s: string) => keys(`${s}&workspace=${SWA},${FIN},${OPS}`);
      expect(sorted(await q('type=incident'))).toEqual(sorted([k.B, k.E] as string[]));
      expect(sorted(await q('status=in progress'))).toEqual(sorted([k.B, k.E, k.F] as string[]));
      expect(sorted(await q('status=TODO&status=done'))).toEqual(
        sorted([k.A, k.C, k.D] as string[]),
      );
      expect(sorted(await q('status=to_do,Done'))).toEqual(sorted([k.A, k.C, k.D] as string[]));
      expect(sorted(await q('priority=High'))).toEqual(sorted([k.A, k.D] as string[]));
      expect(await q('impact=medium')).toEqual([k.B]);
      expect(await q('likelihood=LOW')).toEqual([k.A]);
    });

    it('filters by assignee and reporter e-mail', async () => {
      expect(sorted(await keys('assignee=EXAMPLE@example.com', example))).toEqual(
        sorted([k.A, k.B] as string[]),
      );
      expect(sorted(await keys('reporter=username@example.com', example))).toEqual(
        sorted([k.A, k.C] as string[]),
      );
      expect(await keys('assignee=rge@vtti.com', seedUser)).toEqual([]);
      expect(await keys('assignee=nobody@example.com', example)).toEqual([]);
    });

    it('filters by tag and category', async () => {
      expect(sorted(await keys('tag=urgent', example))).toEqual(sorted([k.A, k.D] as string[]));
      expect(sorted(await keys('tag=frontend,urgent', example))).toEqual(
        sorted([k.A, k.B, k.D] as string[]),
      );
      expect(await keys('tag=SO 777', example)).toEqual([k.B]);
      expect(sorted(await keys('category=Customs', example))).toEqual(
        sorted([k.A, k.C] as string[]),
      );
      expect(sorted(await keys('category=Fetsa', example))).toEqual(sorted([k.B, k.C] as string[]));
      expect(await keys('category=high', example)).toEqual([]);
    });

    it('filters by creation and change time, a date meaning the whole day', async () => {
      const ws = `workspace=${SWA}`;
      expect(await keys(`${ws}&createdFrom=2026-01-11&createdTo=2026-01-11`)).toEqual([k.B]);
      expect(sorted(await keys(`${ws}&createdTo=2026-01-11T23:30:00Z`))).toEqual(
        sorted([k.A, k.B] as string[]),
      );
      expect(await keys(`${ws}&createdFrom=2026-01-12T00:30:00.000%2B00:00`)).toEqual([k.C]);
      // An unencoded `+` arrives as a space; it still reads as an offset.
      expect(await keys(`${ws}&createdFrom=2026-01-12T01:30:00+01:00`)).toEqual([k.C]);
      expect(await keys(`${ws}&updatedFrom=2026-02-02&updatedTo=2026-02-02`)).toEqual([k.C]);
      expect(sorted(await keys(`${ws}&updatedFrom=2026-02-02T09:00:00Z`))).toEqual(
        sorted([k.B, k.C] as string[]),
      );
    });

    it('filters by due and reminder dates', async () => {
      const ws = `workspace=${SWA}`;
      expect(await keys(`${ws}&dueFrom=2026-02-01&dueTo=2026-02-01`)).toEqual([k.A]);
      expect(sorted(await keys(`${ws}&dueFrom=2026-01-01`))).toEqual(
        sorted([k.A, k.C] as string[]),
      );
      expect(await keys(`${ws}&reminderFrom=2026-03-11`)).toEqual([k.B]);
      expect(await keys(`${ws}&reminderTo=2026-03-10`)).toEqual([k.A]);
    });

    it('filters by external reference', async () => {
      expect(await keys('externalRef=erp:SO-1')).toEqual([k.A]);
      expect(await keys('externalRef=erp:SO-2')).toEqual([]);
      expect(await keys('externalRef=erp:SO-1', outsider)).toEqual([]);
    });

    it('combines filters with AND', async () => {
      expect(await keys('status=TODO&priority=HIGH&tag=urgent', seedUser)).toEqual([k.A]);
      expect(await keys('status=TODO&priority=HIGH&tag=urgent', example)).toEqual([k.D, k.A]);
      expect(await keys('type=INCIDENT&q=tank&status=inprogress', example)).toEqual([k.E]);
      expect(await keys('type=TASK&q=tank', example)).toEqual([]);
    });
  });

  describe('full-text search', () => {
    it('matches every word as a prefix, over title, description, result and tags', async () => {
      expect(await keys('q=contain', example)).toEqual([k.D, k.A]);
      expect(await keys('q=Seal Manifest', example)).toEqual([k.A]);
      expect(await keys('q=seal vessel', example)).toEqual([]);
      expect(await keys('q=demurrage', example)).toEqual([k.B]);
      expect(await keys('q=carr', example)).toEqual([k.B]);
      expect(await keys('q=frontend', example)).toEqual([k.B]);
      expect(await keys('q=bug', example)).toEqual([k.A]);
      expect(await keys('q=24nl', example)).toEqual([k.C]);
      expect(await keys('q=so 777', example)).toEqual([k.B]);
    });

    it('treats query syntax as plain text, never as an error', async () => {
      for (const q of [
        '"',
        'AND (',
        '*',
        "'",
        'NEAR(seal',
        'seal:*',
        'a & | ! b',
        '\\',
        '-seal',
        'title:seal',
        '(((',
        '😀',
      ]) {
        const res = await list(`q=${encodeURIComponent(q)}`, example);
        expect(res.status, `${q}: ${res.text}`).toBe(200);
      }
      expect(await keys(`q=${encodeURIComponent('"seal')}`, example)).toEqual([k.A]);
      expect(await keys(`q=${encodeURIComponent('seal:*')}`, example)).toEqual([k.A]);
      expect(await keys(`q=${encodeURIComponent('"')}`, example)).toEqual([]);
      // An empty q is no filter at all.
      expect((await keys('q=', seedUser)).length).toBe(3);
    });

    it('finds a todo the moment its create returned', async () => {
      const created = await create({
        domainWorkSpace: SWA,
        title: 'Zebracrossing inspection',
        description: 'Fresh todo',
        reporter: 'example@example.com',
        tags: ['quokka'],
      });
      expect(await keys('q=zebracross', example)).toEqual([created.key]);
      expect(await keys('q=quokka', example)).toEqual([created.key]);
      await setColumns(created.key, { deletedAt: new Date().toISOString() });
    });

    it('lists matches newest first, page by page, also where ids and creation times disagree', async () => {
      // On SQLite a newest-first search walks the index by id and checks the todos whose
      // creation time is older than a lower id's (todo_order_breaks); these cases break
      // that shortcut where it would give a wrong order if the check were missing.
      const made: Array<{ key: string; id: number }> = [];
      const nth = (i: number) => made[i] ?? { key: '', id: 0 };
      for (let i = 0; i < 12; i++) {
        made.push(
          await create({
            domainWorkSpace: SWA,
            title: `Lighthouse beacon ${i}`,
            description: 'x',
            reporter: 'admin@example.com',
          }),
        );
      }
      const stored = async () =>
        (
          await t.server.db.kysely
            .selectFrom('todos')
            .select(['key', 'id', 'createdAt'])
            .where(
              'key',
              'in',
              made.map((m) => m.key),
            )
            .execute()
        )
          .sort((a, b) =>
            a.createdAt === b.createdAt
              ? Number(b.id) - Number(a.id)
              : a.createdAt < b.createdAt
                ? 1
                : -1,
          )
          .map((r) => r.key);
      const walk = async (limit: number) => {
        const out: string[] = [];
        let cursor: string | null = null;
        for (let n = 0; n < 20; n++) {
          const res = await list(
            `q=lighthouse&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(res.status, res.text).toBe(200);
          out.push(...res.body.items.map((i: { key: string }) => i.key));
          cursor = res.body.nextCursor;
          if (cursor === null) return out;
        }
        throw new Error('pagination did not end');
      };
      const breaks = async () =>
        dialect === 'sqlite'
          ? (
              await sql<{ id: number }>`select id from todo_order_breaks where id in (${sql.join(
                made.map((m) => m.id),
              )}) order by id`.execute(t.server.db.kysely)
            ).rows.map((r) => Number(r.id))
          : [];

      // Stored one after another: ids and creation times agree.
      const newestFirst = [...made].reverse().map((m) => m.key);
      expect(await stored()).toEqual(newestFirst);
      expect(await breaks()).toEqual([]);
      for (const limit of [5, 4, 12, 50])
        expect(await walk(limit), `limit ${limit}`).toEqual(newestFirst);

      // The second newest by id made the oldest of all: it sorts last.
      await setColumns(nth(10).key, { createdAt: '2020-01-01T00:00:00.000Z' });
      if (dialect === 'sqlite') expect(await breaks()).toEqual([nth(10).id]);
      for (const limit of [5, 6, 50])
        expect(await walk(limit), `limit ${limit}`).toEqual(await stored());

      // An old id made the newest of all: it leads, though the first page by id lacks it.
      await setColumns(nth(2).key, { createdAt: '2999-01-01T00:00:00.000Z' });
      expect((await stored())[0]).toBe(nth(2).key);
      for (const limit of [5, 6, 50])
        expect(await walk(limit), `limit ${limit}`).toEqual(await stored());

      // A todo stored now with an older creation time than those before it (as a
      // request that took its time stamp first but was stored last).
      const { id: _id, ...copy } = await t.server.db.kysely
        .selectFrom('todos')
        .selectAll()
        .where('key', '=', nth(11).key)
        .executeTakeFirstOrThrow();
      delete (copy as { search?: unknown }).search; // PostgreSQL's generated column
      const late = {
        ...copy,
        key: `${copy.key}-LATE`,
        seq: 900_000,
        createdAt: '2021-06-01T00:00:00.000Z',
      };
      const inserted = await t.server.db.kysely
        .insertInto('todos')
        .values(late)
        .returning('id')
        .executeTakeFirstOrThrow();
      made.push({ key: late.key, id: Number(inserted.id) });
      if (dialect === 'sqlite') expect(await breaks()).toContain(Number(inserted.id));
      const expected = await stored();
      expect(expected.indexOf(late.key)).toBe(expected.length - 2); // after all but the 2020 one
      for (const limit of [3, 5, 50]) expect(await walk(limit), `limit ${limit}`).toEqual(expected);

      for (const m of made) await setColumns(m.key, { deletedAt: new Date().toISOString() });
    });
  });

  describe('sorting and pagination', () => {
    /** 23 todos in the paging workspace; some share a creation time to test tie-breaks. */
    const paged: Array<{ key: string; id: number; createdAt: string; dueDate: string | null }> = [];
    beforeAll(async () => {
      for (let i = 0; i < 23; i++) {
        const { key, id } = await create({
          domainWorkSpace: PAG,
          title: `Paged todo ${i}`,
          description: 'For paging',
          reporter: 'admin@example.com',
        });
        const createdAt = `2026-04-${String(1 + Math.floor(i / 3)).padStart(2, '0')}T08:00:00.000Z`;
        const dueDate = i % 4 === 0 ? null : `2026-05-${String(1 + (i % 5)).padStart(2, '0')}`;
        await setColumns(key, { createdAt, dueDate });
        paged.push({ key, id, createdAt, dueDate });
      }
    });

    const expectedOrder = (column: 'createdAt' | 'dueDate', descending: boolean) =>
      [...paged]
        .sort((a, b) => {
          const av = a[column];
          const bv = b[column];
          if (av !== bv) {
            if (av === null) return 1;
            if (bv === null) return -1;
            return (av < bv ? -1 : 1) * (descending ? -1 : 1);
          }
          return (a.id - b.id) * (descending ? -1 : 1);
        })
        .map((p) => p.key);

    /** Every page of a list, following nextCursor; fails on a page repeated forever. */
    const allPages = async (query: string, onPage?: (n: number) => Promise<void>) => {
      const out: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 50; n++) {
        const res = await list(
          `workspace=${PAG}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status, res.text).toBe(200);
        out.push(...res.body.items.map((i: { key: string }) => i.key));
        sizes.push(res.body.items.length);
        cursor = res.body.nextCursor;
        await onPage?.(n);
        if (cursor === null) return { keys: out, sizes };
      }
      throw new Error('pagination did not end');
    };

    it('sorts newest first by default, the id breaking ties', async () => {
      expect(await keys(`workspace=${PAG}&limit=200`)).toEqual(expectedOrder('createdAt', true));
      expect(await keys(`workspace=${PAG}&limit=200&sort=-createdAt`)).toEqual(
        expectedOrder('createdAt', true),
      );
      expect(await keys(`workspace=${PAG}&limit=200&sort=createdAt`)).toEqual(
        expectedOrder('createdAt', false),
      );
    });

    it('sorts by due date with todos without one last, in both directions', async () => {
      const asc = await keys(`workspace=${PAG}&limit=200&sort=dueDate`);
      expect(asc).toEqual(expectedOrder('dueDate', false));
      const desc = await keys(`workspace=${PAG}&limit=200&sort=-dueDate`);
      expect(desc).toEqual(expectedOrder('dueDate', true));
      const nulls = paged.filter((p) => p.dueDate === null).length;
      expect(nulls).toBeGreaterThan(0);
      expect(
        desc.slice(-nulls).every((x) => paged.find((p) => p.key === x)?.dueDate === null),
      ).toBe(true);
    });

    it('sorts by change time and reminder date', async () => {
      const ws = `workspace=${SWA}`;
      expect(await keys(`${ws}&sort=updatedAt`)).toEqual([k.A, k.C, k.B]);
      expect(await keys(`${ws}&sort=-updatedAt`)).toEqual([k.B, k.C, k.A]);
      expect(await keys(`${ws}&sort=reminderDate`)).toEqual([k.A, k.B, k.C]);
      expect(await keys(`${ws}&sort=-reminderDate`)).toEqual([k.B, k.A, k.C]);
    });

    it('walks every page without duplicates or gaps, in every sort order', async () => {
      for (const [sort, column, descending] of [
        ['-createdAt', 'createdAt', true],
        ['createdAt', 'createdAt', false],
        ['dueDate', 'dueDate', false],
        ['-dueDate', 'dueDate', true],
      ] as const) {
        const { keys: got, sizes } = await allPages(`limit=4&sort=${sort}`);
        expect(got, sort).toEqual(expectedOrder(column, descending));
        expect(sizes).toEqual([4, 4, 4, 4, 4, 3]);
      }
      const exact = await allPages('limit=23');
      expect(exact.sizes).toEqual([23]);
    });

    it('stays stable when todos are created while paging', async () => {
      const before = expectedOrder('createdAt', true);
      const inserted: string[] = [];
      const { keys: got } = await allPages('limit=5', async (n) => {
        if (n > 1) return;
        const { key } = await create({
          domainWorkSpace: PAG,
          title: `Inserted while paging ${n}`,
          description: 'x',
          reporter: 'admin@example.com',
        });
        inserted.push(key);
      });
      expect(got).toEqual(before);
      // The new todos (created now, so newest) open a fresh walk.
      expect((await keys(`workspace=${PAG}&limit=2`)).sort()).toEqual(inserted.sort());
      for (const key of inserted) await setColumns(key, { deletedAt: new Date().toISOString() });
    });

    it('counts every match only when asked', async () => {
      const res = await list(`workspace=${PAG}&limit=1&total=true`);
      expect(res.body.total).toBe(23);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.nextCursor).toEqual(expect.any(String));
      const without = await list(`workspace=${PAG}&limit=1`);
      expect(without.body).not.toHaveProperty('total');
      const filtered = await list(`workspace=${SWA},${FIN}&q=container&total=true`, example);
      expect(filtered.body.total).toBe(2);
      expect((await list('total=true&q=nothingmatchesthis')).body).toEqual({
        items: [],
        nextCursor: null,
        total: 0,
      });
    });

    it('rejects a cursor it did not make, or one of another sort order', async () => {
      const first = await list(`workspace=${PAG}&limit=2`);
      const cursor = first.body.nextCursor as string;
      for (const bad of [
        'garbage',
        Buffer.from('{"s":"-createdAt","v":"x","id":1}').toString('base64url'),
        Buffer.from('{"s":"-createdAt","v":"2026-01-01T00:00:00Z","id":-1}').toString('base64url'),
        Buffer.from('{"s":"-createdAt","v":null,"id":5}').toString('base64url'),
        Buffer.from('[]').toString('base64url'),
      ]) {
        const res = await list(`workspace=${PAG}&cursor=${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
      const other = await list(`workspace=${PAG}&sort=dueDate&cursor=${cursor}`);
      expect(other.status).toBe(400);
      expect(other.body.errors[0].message).toMatch(/sort order/);
    });
  });

  describe('deleted todos', () => {
    it('never appear, in lists, counts or search', async () => {
      const { key } = await create({
        domainWorkSpace: SWA,
        title: 'Soon deleted wombat',
        description: 'x',
        reporter: 'example@example.com',
        tags: ['urgent'],
      });
      expect(await keys('q=wombat', example)).toEqual([key]);
      const before = (await list('total=true', example)).body.total;
      await setColumns(key, { deletedAt: new Date().toISOString() });
      expect(await keys('q=wombat', example)).toEqual([]);
      expect((await list('total=true', example)).body.total).toBe(before - 1);
      expect(await keys('tag=urgent&limit=200', example)).not.toContain(key);
    });
  });

  describe('bad parameters', () => {
    const expectField = async (query: string, field: string, token = example) => {
      const res = await list(query, token);
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      return res.body;
    };

    it('names the parameter of each bad value', async () => {
      const body = await expectField('status=DONE,finished', 'status');
      expect(body.errors).toEqual([
        { field: 'status', message: '"finished" is not one of TODO, INPROGRESS, DONE, EXPIRED' },
      ]);
      await expectField('type=Bug', 'type');
      await expectField('priority=urgent', 'priority');
      await expectField('impact=huge', 'impact');
      await expectField('likelihood=often', 'likelihood');
      await expectField('assignee=not-an-email', 'assignee');
      await expectField('reporter=a@b', 'reporter');
      await expectField('createdFrom=yesterday', 'createdFrom');
      await expectField('createdTo=2026-01-01T10:00:00', 'createdTo');
      await expectField('updatedFrom=2026-13-01', 'updatedFrom');
      await expectField('updatedTo=2026-02-30T10:00:00Z', 'updatedTo');
      await expectField('dueFrom=2026-02-30', 'dueFrom');
      await expectField('dueTo=2026-1-1', 'dueTo');
      await expectField('reminderFrom=today', 'reminderFrom');
      await expectField('reminderTo=2026/01/01', 'reminderTo');
      await expectField('externalRef=SO-1', 'externalRef');
      await expectField('externalRef=erp:', 'externalRef');
      await expectField('sort=title', 'sort');
      await expectField('limit=0', 'limit');
      await expectField('limit=201', 'limit');
      await expectField('limit=ten', 'limit');
      await expectField('total=maybe', 'total');
      await expectField(`q=${Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')}`, 'q');
      await expectField(`q=${'x'.repeat(201)}`, 'q');
      await expectField('stauts=DONE', 'stauts');
    });

    it('reports every bad parameter at once', async () => {
      const body = await expectField('status=nope&priority=nope&dueTo=x', 'status');
      expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'dueTo',
        'priority',
        'status',
      ]);
    });
  });
});

describe.each(dialects)('GET /todos date bounds in the deployment time zone on %s', (dialect) => {
  let t: TestServer;
  afterAll(async () => t?.close());

  it('reads a date as that day in BZCTRL_TIMEZONE', async () => {
    t = await startTestServer(dialect, { env: { BZCTRL_TIMEZONE: 'Europe/Amsterdam' } });
    const token = await t.login('example@example.com');
    const res = await t.request('POST', ADD, {
      token,
      body: {
        todoType: 'TASK',
        domainWorkSpace: SWA,
        title: 'Late evening todo',
        description: 'x',
        reporter: 'example@example.com',
      },
    });
    expect(res.status).toBe(201);
    // 23:30 UTC on 11 January is 00:30 on 12 January in Amsterdam (UTC+1 in winter).
    await t.server.db.kysely
      .updateTable('todos')
      .set({ createdAt: '2026-01-11T23:30:00.000Z' })
      .where('key', '=', res.body.key)
      .execute();
    const on = async (day: string) => {
      const r = await t.request('GET', `${LIST}?createdFrom=${day}&createdTo=${day}`, { token });
      expect(r.status).toBe(200);
      return r.body.items.map((i: { key: string }) => i.key);
    };
    expect(await on('2026-01-12')).toEqual([res.body.key]);
    expect(await on('2026-01-11')).toEqual([]);
  });
});
