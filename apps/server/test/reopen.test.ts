import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobsOnce } from '../src/core/lifecycle/lifecycle.run.ts';
import { type Config, readConfig } from '../src/platform/config.ts';
import * as migration006 from '../src/platform/db/migrations/006-due-date-by-done.ts';
import { dateInZone } from '../src/platform/values/dates.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * Reopening a todo (docs/decisions.md, "Reopening a todo"): the due date DONE set is
 * undone on reopen, in every dialect that changes a status, shown in the history, and
 * the expiry job leaves the reopened todo open; a due date a person set stays.
 */

const TODOS = '/bzctrl-core-api/api/v1/todos';
const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const DAY = 86_400_000;

/** The server's "today" (UTC, its default zone), `n` days from now. */
const day = (n: number) => dateInZone(new Date(Date.now() + n * DAY), 'UTC');

/** A logger that keeps the errors the jobs report, so a failing job fails the test. */
function errorLog() {
  const errors: unknown[] = [];
  const log = {
    level: 'warn',
    error: (obj: unknown) => errors.push(obj),
    fatal: (obj: unknown) => errors.push(obj),
    warn: () => {},
    info: () => {},
    debug: () => {},
    trace: () => {},
    silent: () => {},
    child: () => log,
  };
  return { log: log as unknown as FastifyBaseLogger, errors };
}

interface Change {
  field: string;
  old: unknown;
  new: unknown;
}

describe.each(dialects)('reopening a todo on %s', (dialect) => {
  let t: TestServer;
  let member: string;
  let erpUser: string;
  let config: Config;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    member = await t.login('example@example.com');
    // A user signed in through the ERP client: the ITSM dialect's default workspace.
    const form = new FormData();
    form.set('username', 'example@example.com');
    form.set('password', 'Ex@mpl3!');
    form.set('grant_type', 'password');
    const token = await t.request('POST', '/api/oauth/token', {
      body: form,
      headers: {
        authorization: `Basic ${Buffer.from('erp:erp-client-secret-0001').toString('base64')}`,
      },
    });
    expect(token.status, token.text).toBe(200);
    erpUser = token.body.access_token;
    config = readConfig({
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_TIMEZONE: 'UTC',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = async (extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', TODOS, {
      token: member,
      body: {
        todoType: 'TASK',
        workspace: 'IMP-NLD-EXA-SWA',
        title: 'Check seal numbers',
        description: 'Seal numbers differ from the manifest',
        ...extra,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { key: string; id: number; dueDate: string | null; status: string };
  };
  const patch = async (key: string, body: Record<string, unknown>) => {
    const res = await t.request('PATCH', `${TODOS}/${key}`, { token: member, body });
    expect(res.status, res.text).toBe(200);
    return res.body as { dueDate: string | null; status: string };
  };
  /** Moves it to DONE; the answer's due date is the day the server took as today. */
  const finish = async (key: string) => {
    const before = day(0);
    const done = await patch(key, { status: 'DONE' });
    expect(done.status).toBe('DONE');
    expect([before, day(0)]).toContain(done.dueDate);
    return done.dueDate as string;
  };
  const get = async (key: string) =>
    (await t.request('GET', `${TODOS}/${key}`, { token: member })).body as {
      dueDate: string | null;
      status: string;
    };
  /** The changes of the todo's update events, oldest first. */
  const updates = async (key: string): Promise<Change[][]> => {
    const res = await t.request('GET', `${TODOS}/${key}/history`, { token: member });
    expect(res.status).toBe(200);
    return res.body.items
      .filter((e: { action: string }) => e.action === 'update')
      .map((e: { changes: Change[] }) => e.changes);
  };
  const dueChange = (changes: Change[] | undefined) => changes?.find((c) => c.field === 'dueDate');
  /** Runs every job as on the day `days` from now; no job may fail. */
  const jobsIn = async (days: number) => {
    const { log, errors } = errorLog();
    const run = await runJobsOnce(t.server.db, config, log, new Date(Date.now() + days * DAY));
    expect(errors).toEqual([]);
    return run;
  };

  it('clears the due date DONE set, shows it in the history, and the todo does not expire', async () => {
    const todo = await create();
    expect(todo.dueDate).toBeNull();
    const doneOn = await finish(todo.key);

    const reopened = await patch(todo.key, { status: 'INPROGRESS' });
    expect(reopened).toMatchObject({ status: 'INPROGRESS', dueDate: null });
    const [toDone, reopen] = await updates(todo.key);
    expect(dueChange(toDone)).toEqual({ field: 'dueDate', old: null, new: doneOn });
    expect(reopen).toEqual(
      expect.arrayContaining([
        { field: 'status', old: 'DONE', new: 'INPROGRESS' },
        { field: 'dueDate', old: doneOn, new: null },
      ]),
    );

    // A todo left open with the day it was done as due date would expire from tomorrow
    // on: this one is overdue by then, so the run does expire something.
    const overdue = await create({ dueDate: day(-1) });
    const run = await jobsIn(2);
    expect(run.expired).toBeGreaterThanOrEqual(1);
    expect((await get(overdue.key)).status).toBe('EXPIRED');
    expect(await get(todo.key)).toMatchObject({ status: 'INPROGRESS', dueDate: null });
    const history = await t.request('GET', `${TODOS}/${todo.key}/history`, { token: member });
    expect(history.body.items.map((e: { action: string }) => e.action)).not.toContain('expire');
  });

  it('gives back a due date a person set before DONE, and the todo does not expire', async () => {
    const due = day(10);
    const todo = await create({ dueDate: due });
    const doneOn = await finish(todo.key);
    expect((await get(todo.key)).dueDate).toBe(doneOn);

    expect(await patch(todo.key, { status: 'TODO' })).toMatchObject({
      status: 'TODO',
      dueDate: due,
    });
    const [toDone, reopen] = await updates(todo.key);
    expect(dueChange(toDone)).toEqual({ field: 'dueDate', old: due, new: doneOn });
    expect(dueChange(reopen)).toEqual({ field: 'dueDate', old: doneOn, new: due });

    await jobsIn(2);
    expect(await get(todo.key)).toMatchObject({ status: 'TODO', dueDate: due });
    // Its own date still counts: past it, it expires like any open todo.
    await jobsIn(12);
    expect((await get(todo.key)).status).toBe('EXPIRED');
  });

  it('does not give back a due date that has passed: the reopened todo has none', async () => {
    const todo = await create({ dueDate: day(-3) });
    const doneOn = await finish(todo.key);
    expect(await patch(todo.key, { status: 'INPROGRESS' })).toMatchObject({ dueDate: null });
    expect(dueChange((await updates(todo.key))[1])).toEqual({
      field: 'dueDate',
      old: doneOn,
      new: null,
    });
    await jobsIn(1);
    expect((await get(todo.key)).status).toBe('INPROGRESS');
  });

  it('keeps a due date a person set while DONE, and one sent with the reopen', async () => {
    const later = day(20);
    const todo = await create();
    await finish(todo.key);
    expect(await patch(todo.key, { dueDate: later })).toMatchObject({
      status: 'DONE',
      dueDate: later,
    });
    const reopened = await patch(todo.key, { status: 'INPROGRESS' });
    expect(reopened).toMatchObject({ status: 'INPROGRESS', dueDate: later });
    expect(dueChange((await updates(todo.key))[2])).toBeUndefined();

    const other = await create({ dueDate: day(5) });
    await finish(other.key);
    expect(await patch(other.key, { status: 'TODO', dueDate: later })).toMatchObject({
      dueDate: later,
    });
  });

  it('clears it when the reopen sends the unchanged due date back, as a whole form does', async () => {
    const todo = await create();
    const doneOn = await finish(todo.key);
    expect(await patch(todo.key, { status: 'INPROGRESS', dueDate: doneOn })).toMatchObject({
      dueDate: null,
    });
  });

  it('clears it for a todo created as DONE (add-task) and reopened', async () => {
    const res = await t.request('POST', ADD, {
      token: member,
      body: {
        todoType: 'TASK',
        domainWorkSpace: 'IMP-NLD-EXA-SWA',
        title: 'Done at once',
        description: 'Reported after the fact',
        reporter: 'example@example.com',
        status: 'Done',
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.dueDate).not.toBeNull();
    expect(await patch(res.body.key, { status: 'INPROGRESS' })).toMatchObject({ dueDate: null });
  });

  it('clears it when the ITSM dialect resolves and reopens an incident', async () => {
    const itsm = (path: string, body: unknown) =>
      t.request('POST', path, {
        token: erpUser,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const created = await itsm('/api/v1/incident', {
      subject: 'Scanner offline',
      requesterEmail: 'example@example.com',
    });
    expect(created.status, created.text).toBe(200);
    const id = created.body.id as number;
    expect((await itsm(`/api/v1/incident/${id}`, { status: 'Resolved' })).status).toBe(200);
    const resolved = await t.request('GET', `${TODOS}/${id}`, { token: member });
    expect(resolved.body).toMatchObject({ status: 'DONE', dueDate: expect.any(String) });
    expect((await itsm(`/api/v1/incident/${id}`, { status: 'In Progress' })).status).toBe(200);
    const reopened = await t.request('GET', `${TODOS}/${id}`, { token: member });
    expect(reopened.body).toMatchObject({ status: 'INPROGRESS', dueDate: null });
    await jobsIn(2);
    const later = await t.request('GET', `/api/v1/incident/${id}`, { token: erpUser });
    expect(later.body.status).toBe('In Progress');
  });

  it('marks todos that were DONE before the upgrade, so their reopen clears the date too', async () => {
    const done = await create();
    const doneOn = await finish(done.key);
    const open = await create({ dueDate: day(4) });
    // The schema as it was before migration 006, with these todos in it; then the upgrade.
    const db = t.server.db;
    await migration006.down(db.kysely);
    await migration006.up(db.kysely, db.engine);
    const flags = await db.kysely
      .selectFrom('todos')
      .select(['key', 'dueDateByDone', 'dueDateBeforeDone'])
      .where('key', 'in', [done.key, open.key])
      .orderBy('id')
      .execute();
    expect(flags.map((r) => [r.key, Number(r.dueDateByDone), r.dueDateBeforeDone])).toEqual([
      [done.key, 1, null],
      [open.key, 0, null],
    ]);
    expect(await patch(done.key, { status: 'INPROGRESS' })).toMatchObject({ dueDate: null });
    expect(dueChange((await updates(done.key))[1])).toEqual({
      field: 'dueDate',
      old: doneOn,
      new: null,
    });
    expect(await patch(open.key, { status: 'TODO' })).toMatchObject({ dueDate: day(4) });
  });
});
