import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireOverdueTodos } from '../src/core/lifecycle/lifecycle.jobs.ts';
import { readConfig } from '../src/platform/config.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

const API = '/bzctrl-core-api/api/v1';
const DASHBOARD = `${API}/dashboard`;

/** A calendar date `days` from today (UTC, the test server's time zone). */
const day = (days: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

describe.each(dialects)('dashboard on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let admin: string;
  let outsider: string;
  const keys: Record<string, string> = {};

  /** Creates a todo through the native API as `token`; remembers its key under `name`. */
  const create = async (token: string, name: string, body: Record<string, unknown>) => {
    const res = await t.request('POST', `${API}/todos`, {
      token,
      body: { description: 'For the dashboard', title: name, ...body },
    });
    expect(res.status, res.text).toBe(201);
    keys[name] = res.body.key;
    return res.body;
  };
  const incident = (extra: Record<string, unknown>) => ({ todoType: 'INCIDENT', ...extra });
  const task = (extra: Record<string, unknown>) => ({ todoType: 'TASK', ...extra });
  const dashboard = async (token: string, query = '') => {
    const res = await t.request('GET', `${DASHBOARD}${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const cell = (
    body: { riskMatrix: { cells: Array<Record<string, unknown>> } },
    i: string,
    l: string,
  ) => body.riskMatrix.cells.find((c) => c.impact === i && c.likelihood === l)?.count;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    [member, admin, outsider] = await Promise.all([
      t.login('example@example.com'),
      t.login('admin@example.com'),
      t.login('outsider@other.example'),
    ]);
    const SWA = { workspace: 'IMP-NLD-EXA-SWA' };
    const FIN = { workspace: 'VTT-NLD-TML-FIN' };

    // Expired first, by the real job, before anything else is overdue.
    await create(member, 'fin-expired', task({ ...FIN, status: 'TODO', dueDate: day(-1) }));
    await expireOverdueTodos(t.server.db, readConfig({}), new Date());

    const rated = { impact: 'HIGH', likelihood: 'LOW' };
    await create(
      member,
      'swa-1',
      incident({ ...SWA, ...rated, status: 'TODO', financialImpact: '0.10' }),
    );
    await create(
      member,
      'swa-2',
      incident({ ...SWA, ...rated, status: 'INPROGRESS', financialImpact: 0.2 }),
    );
    await create(
      member,
      'swa-3',
      incident({ ...SWA, impact: 'MEDIUM', likelihood: 'HIGH', status: 'INPROGRESS' }),
    );
    await create(member, 'swa-unrated', incident({ ...SWA, impact: 'LOW', status: 'INPROGRESS' }));
    await create(
      member,
      'swa-done',
      incident({
        ...SWA,
        impact: 'HIGH',
        likelihood: 'HIGH',
        status: 'DONE',
        financialImpact: '100',
      }),
    );
    await create(
      member,
      'swa-task-reminder',
      task({ ...SWA, status: 'INPROGRESS', financialImpact: '5.00', reminderDate: day(-3) }),
    );
    await create(member, 'swa-task-due', task({ ...SWA, status: 'TODO', dueDate: day(-2) }));
    await create(member, 'swa-soon', task({ ...SWA, status: 'INPROGRESS', dueDate: day(3) }));
    await create(
      member,
      'swa-week',
      incident({ ...SWA, impact: 'LOW', likelihood: 'LOW', status: 'TODO', dueDate: day(7) }),
    );
    await create(
      member,
      'swa-later',
      task({ ...SWA, status: 'INPROGRESS', dueDate: day(8), reminderDate: day(0) }),
    );
    await create(
      member,
      'swa-deleted',
      incident({
        ...SWA,
        ...rated,
        status: 'INPROGRESS',
        financialImpact: '1000',
        reminderDate: day(-9),
        dueDate: day(1),
      }),
    );
    const del = await t.request('DELETE', `${API}/todos/${keys['swa-deleted']}`, { token: member });
    expect(del.status).toBe(204);
    await create(
      member,
      'fin-1',
      incident({ ...FIN, ...rated, status: 'TODO', financialImpact: '1234.50' }),
    );
    await create(
      outsider,
      'ops-1',
      incident({
        workspace: 'OTH-BEL-ANT-OPS',
        ...rated,
        status: 'TODO',
        financialImpact: '999',
        reminderDate: day(-1),
        dueDate: day(2),
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts open incidents by impact × likelihood, unrated apart, done and deleted left out', async () => {
    const body = await dashboard(member);
    expect(body.today).toBe(day(0));
    expect(body.workspace).toBeNull();
    expect(
      body.riskMatrix.cells.map(
        (c: { impact: string; likelihood: string }) => `${c.impact}/${c.likelihood}`,
      ),
    ).toEqual([
      'HIGH/LOW',
      'HIGH/MEDIUM',
      'HIGH/HIGH',
      'MEDIUM/LOW',
      'MEDIUM/MEDIUM',
      'MEDIUM/HIGH',
      'LOW/LOW',
      'LOW/MEDIUM',
      'LOW/HIGH',
    ]);
    expect(cell(body, 'HIGH', 'LOW')).toBe(3);
    expect(cell(body, 'MEDIUM', 'HIGH')).toBe(1);
    expect(cell(body, 'LOW', 'LOW')).toBe(1);
    expect(cell(body, 'HIGH', 'HIGH')).toBe(0);
    expect(body.riskMatrix.unrated).toBe(1);
    expect(body.riskMatrix.total).toBe(6);
  });

  it('counts todos by workspace and status, every workspace of the caller and no other', async () => {
    const body = await dashboard(member);
    expect(body.byStatus).toEqual([
      {
        workspace: 'IMP-NLD-EXA-SWA',
        workspaceName: 'Inbound Control',
        counts: { TODO: 3, INPROGRESS: 6, DONE: 1, EXPIRED: 0 },
        open: 9,
      },
      {
        workspace: 'VTT-NLD-TML-FIN',
        workspaceName: 'Finance',
        counts: { TODO: 1, INPROGRESS: 0, DONE: 0, EXPIRED: 1 },
        open: 1,
      },
    ]);
  });

  it('sums the open incidents’ financial impact per workspace exactly to the cent', async () => {
    const body = await dashboard(member);
    expect(body.financialImpact).toEqual({
      totalEur: '1234.80',
      byWorkspace: [
        {
          workspace: 'IMP-NLD-EXA-SWA',
          workspaceName: 'Inbound Control',
          totalEur: '0.30',
          incidents: 2,
        },
        {
          workspace: 'VTT-NLD-TML-FIN',
          workspaceName: 'Finance',
          totalEur: '1234.50',
          incidents: 1,
        },
      ],
    });
  });

  it('lists overdue todos (due date passed) apart from those past their reminder date', async () => {
    const body = await dashboard(member);
    // A passed reminder without a due date is not overdue: it is its own figure.
    expect(body.overdue).toEqual({
      count: 1,
      items: [
        {
          key: keys['swa-task-due'],
          title: 'swa-task-due',
          todoType: 'TASK',
          status: 'TODO',
          date: day(-2),
          dateField: 'dueDate',
          workspace: 'IMP-NLD-EXA-SWA',
          workspaceName: 'Inbound Control',
        },
      ],
    });
    expect(body.remindersPassed).toEqual({
      count: 1,
      items: [
        expect.objectContaining({
          key: keys['swa-task-reminder'],
          date: day(-3),
          dateField: 'reminderDate',
        }),
      ],
    });
    expect(body.expiringSoon.until).toBe(day(7));
    expect(body.expiringSoon.count).toBe(2);
    expect(
      body.expiringSoon.items.map((i: { key: string; date: string }) => [i.key, i.date]),
    ).toEqual([
      [keys['swa-soon'], day(3)],
      [keys['swa-week'], day(7)],
    ]);
  });

  it('narrows every figure to one workspace', async () => {
    const body = await dashboard(member, '?workspace=vtt-nld-tml-fin');
    expect(body.workspace).toBe('VTT-NLD-TML-FIN');
    expect(cell(body, 'HIGH', 'LOW')).toBe(1);
    expect(body.riskMatrix.total).toBe(1);
    expect(body.byStatus.map((w: { workspace: string }) => w.workspace)).toEqual([
      'VTT-NLD-TML-FIN',
    ]);
    expect(body.financialImpact.totalEur).toBe('1234.50');
    expect(body.overdue).toEqual({ count: 0, items: [] });
    expect(body.remindersPassed).toEqual({ count: 0, items: [] });
    expect(body.expiringSoon.count).toBe(0);
  });

  it('never counts another tenant’s todos, and an administrator sees every workspace', async () => {
    const theirs = await dashboard(outsider);
    expect(theirs.byStatus.map((w: { workspace: string }) => w.workspace)).toEqual([
      'OTH-BEL-ANT-OPS',
    ]);
    expect(theirs.riskMatrix.total).toBe(1);
    expect(theirs.financialImpact.totalEur).toBe('999.00');
    expect(theirs.overdue.count).toBe(0);
    expect(theirs.remindersPassed.items.map((i: { key: string }) => i.key)).toEqual([
      keys['ops-1'],
    ]);
    expect(theirs.expiringSoon.items.map((i: { key: string }) => i.key)).toEqual([keys['ops-1']]);

    const all = await dashboard(admin);
    expect(all.byStatus.map((w: { workspace: string }) => w.workspace)).toEqual([
      'IMP-NLD-EXA-SWA',
      'OTH-BEL-ANT-OPS',
      'VTT-NLD-TML-FIN',
    ]);
    expect(all.riskMatrix.total).toBe(7);
    expect(all.financialImpact.totalEur).toBe('2233.80');
    expect(all.overdue.count).toBe(1);
    expect(all.remindersPassed.count).toBe(2);
  });

  it('refuses a workspace the caller may not use exactly like one that does not exist', async () => {
    const foreign = await t.request('GET', `${DASHBOARD}?workspace=OTH-BEL-ANT-OPS`, {
      token: member,
    });
    const missing = await t.request('GET', `${DASHBOARD}?workspace=NOPE-NOPE-NOPE`, {
      token: member,
    });
    for (const [res, key] of [
      [foreign, 'OTH-BEL-ANT-OPS'],
      [missing, 'NOPE-NOPE-NOPE'],
    ] as const) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('workspace_not_found');
      expect(res.body.errors).toEqual([{ field: 'workspace', message: `no workspace ${key}` }]);
    }
  });

  it('names a bad parameter, and asks for a token', async () => {
    const typo = await t.request('GET', `${DASHBOARD}?worksapce=IMP-NLD-EXA-SWA`, {
      token: member,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([{ field: 'worksapce', message: 'is not a known parameter' }]);
    const twice = await t.request(
      'GET',
      `${DASHBOARD}?workspace=IMP-NLD-EXA-SWA&workspace=VTT-NLD-TML-FIN`,
      { token: member },
    );
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0].field).toBe('workspace');
    const anonymous = await t.request('GET', DASHBOARD);
    expect(anonymous.status).toBe(401);
  });

  it('counts every todo past its reminder but lists the first 10, earliest first', async () => {
    for (let i = 0; i < 11; i++) {
      await create(
        member,
        `fin-reminder-${i}`,
        task({ workspace: 'VTT-NLD-TML-FIN', status: 'TODO', reminderDate: day(-20 + i) }),
      );
    }
    const body = await dashboard(member, '?workspace=VTT-NLD-TML-FIN');
    expect(body.overdue.count).toBe(0);
    expect(body.remindersPassed.count).toBe(11);
    expect(body.remindersPassed.items).toHaveLength(10);
    expect(body.remindersPassed.items.map((i: { date: string }) => i.date)).toEqual(
      Array.from({ length: 10 }, (_, i) => day(-20 + i)),
    );
  });
});
