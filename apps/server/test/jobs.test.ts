import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireOverdueTodos, sendDueReminders } from '../src/core/lifecycle/lifecycle.jobs.ts';
import {
  overdueCandidates,
  reminderCandidates,
} from '../src/core/lifecycle/lifecycle.repository.ts';
import { runJobsOnce, scheduleJobs } from '../src/core/lifecycle/lifecycle.run.ts';
import { type Config, readConfig } from '../src/platform/config.ts';
import { type Db, openDatabase } from '../src/platform/db/database.ts';
import { enqueueMails } from '../src/platform/mail/outbox.repository.ts';
import { MAX_MAIL_ATTEMPTS } from '../src/platform/mail/retry-policy.ts';
import { dateInZone } from '../src/platform/values/dates.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { spawnServe } from './support/serve-process.ts';

/**
 * The lifecycle jobs (reminders, expiry, the mail outbox) against a real SMTP server, on
 * every dialect: called directly with a controlled `now`, running inside a real server,
 * and (PostgreSQL) in two processes on one database.
 */

const ADD = '/bzctrl-core-api/api/v1/task/add-task';
const DAY = 86_400_000;

interface Received {
  to: string[];
  subject: string;
  body: string;
}

/** A real SMTP server on loopback that keeps what it receives, after `delayMs` if given. */
async function startSmtp(port = 0, delayMs = 0) {
  const received: Received[] = [];
  let receiving = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      receiving++;
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        raw += d;
      });
      stream.on('end', () => {
        setTimeout(() => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(raw) });
          callback();
        }, delayMs);
      });
    },
  });
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', res));
  const bound = (server.server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    received,
    /** Messages whose data has started arriving. */
    receiving: () => receiving,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
type Smtp = Awaited<ReturnType<typeof startSmtp>>;

/** Subject (unfolded) and text body (quoted-printable decoded) of a plain-text mail. */
function parseMail(raw: string): { subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    body = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
  return { subject: /^subject: (.*)$/im.exec(head)?.[1] ?? '', body: body.replace(/\r\n/g, '\n') };
}

/** A logger that keeps its lines, to check what the jobs log. */
function captureLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, obj: {}, msg: obj });
      else lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  const log = {
    level: 'info',
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    fatal: at('fatal'),
    trace: at('trace'),
    silent: () => {},
    child: () => log,
  };
  return { log: log as unknown as FastifyBaseLogger, lines };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dialects)('lifecycle jobs on %s', (dialect) => {
  let t: TestServer;
  let smtp: Smtp;
  let member: string;
  let config: Config;
  const { log, lines } = captureLog();
  /** One clock for the suite, so queued mails are due in every later run. */
  const now = new Date();
  const today = dateInZone(now, 'UTC');
  const daysAgo = (n: number) => dateInZone(new Date(now.getTime() - n * DAY), 'UTC');

  const configWith = (env: Record<string, string>) =>
    readConfig({
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_TIMEZONE: 'UTC',
      ...env,
    });

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestServer(dialect);
    member = await t.login('example@example.com');
    config = configWith({ BZCTRL_SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const db = () => t.server.db.kysely;

  /** Creates a todo through add-task; returns its key and id. */
  const create = async (extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', ADD, {
      token: member,
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
  const setTodo = (
    id: number,
    values: {
      reminderDate?: string | null;
      dueDate?: string | null;
      reminderSentFor?: string | null;
      deletedAt?: string | null;
    },
  ) => db().updateTable('todos').set(values).where('id', '=', id).execute();
  const todoRow = (id: number) =>
    db().selectFrom('todos').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = (id: number, action: string) =>
    db()
      .selectFrom('auditEvents')
      .selectAll()
      .where('entityType', '=', 'todo')
      .where('entityId', '=', id)
      .where('action', '=', action)
      .execute();
  const mailsFor = (key: string) => smtp.received.filter((m) => m.subject.includes(`${key} `));
  const outboxFor = (todoId: number) =>
    db().selectFrom('mailOutbox').selectAll().where('todoId', '=', todoId).execute();

  it('sends one reminder to the assignee, not again, and again once re-armed', async () => {
    const { key, id } = await create({ reminderDate: daysAgo(1), status: 'TODO' });
    await setTodo(id, { dueDate: daysAgo(-5) });

    const first = await runJobsOnce(t.server.db, config, log, now);
    expect(first.reminded).toBeGreaterThanOrEqual(1);
    expect(first.sent).toBeGreaterThanOrEqual(1);
    const mails = mailsFor(key);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual(['username@example.com']);
    expect(mails[0]?.subject).toBe(`Reminder: ${key} Check seal numbers`);
    expect(mails[0]?.body).toContain(`https://bzctrl.test/app/#/todo/${key}`);
    expect(mails[0]?.body).toContain(`Due date:   ${daysAgo(-5)}`);
    expect(mails[0]?.body).toContain('Status:     To do');
    expect((await todoRow(id)).reminderSentFor).toBe(daysAgo(1));
    const [remind, ...more] = await events(id, 'remind');
    expect(more).toHaveLength(0);
    expect(remind).toMatchObject({
      actorUserId: null,
      actorClientId: null,
      actorLabel: 'system',
      dialect: 'system',
      occurredAt: now.toISOString(),
    });
    expect(JSON.parse(remind?.changes ?? '')).toEqual({ reminderSentFor: [null, daysAgo(1)] });
    const [row] = await outboxFor(id);
    expect(row).toMatchObject({ kind: 'reminder', attempts: 1, lastError: null });
    expect(row?.sentAt).not.toBeNull();

    // The next run (even a day later) finds nothing to remind.
    await runJobsOnce(t.server.db, config, log, now);
    await runJobsOnce(t.server.db, config, log, new Date(now.getTime() + DAY));
    expect(mailsFor(key)).toHaveLength(1);

    // A new reminder date re-arms it; so does a reset of reminder_sent_for (what PATCH does).
    await setTodo(id, { reminderDate: daysAgo(2) });
    await runJobsOnce(t.server.db, config, log, now);
    expect(mailsFor(key)).toHaveLength(2);
    await setTodo(id, { reminderSentFor: null });
    await runJobsOnce(t.server.db, config, log, now);
    await runJobsOnce(t.server.db, config, log, now);
    expect(mailsFor(key)).toHaveLength(3);
    expect((await events(id, 'remind')).map((e) => JSON.parse(e.changes))).toEqual([
      { reminderSentFor: [null, daysAgo(1)] },
      { reminderSentFor: [daysAgo(1), daysAgo(2)] },
      { reminderSentFor: [null, daysAgo(2)] },
    ]);
  });

  it('works through a backlog in batches that shrink when one takes too long', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ reminderDate: daysAgo(1) })).id);
    const slow: Array<{ limit: number; handled: number }> = [];
    // Every batch "too long" (0 ms): after the first, one todo per transaction.
    const reminded = await sendDueReminders(t.server.db, config, now, {
      batchSize: 4,
      sliceMs: 0,
      onBatch: (b) => slow.push(b),
    });
    expect(reminded).toBe(5);
    expect(slow).toEqual([
      { limit: 4, handled: 4 },
      { limit: 1, handled: 1 },
      { limit: 1, handled: 0 },
    ]);
    for (const id of ids) expect((await todoRow(id)).reminderSentFor).toBe(daysAgo(1));

    // Quick batches keep their size (never above batchSize).
    for (const id of ids) await setTodo(id, { reminderSentFor: null });
    const quick: Array<{ limit: number; handled: number }> = [];
    await sendDueReminders(t.server.db, config, now, {
      batchSize: 2,
      sliceMs: 60_000,
      onBatch: (b) => quick.push(b),
    });
    expect(quick.map((b) => b.limit)).toEqual([2, 2, 2]);
    expect(quick.map((b) => b.handled)).toEqual([2, 2, 1]);
  });

  it.runIf(dialect === 'sqlite')(
    'looks for due reminders and overdue todos in their partial indexes, without sorting',
    async () => {
      // The jobs' conditions must match migration 015's index conditions word for word;
      // otherwise each look reads every todo with a date and sorts (0.3–0.5 s at 1M todos).
      const plans: Record<string, string[]> = {};
      for (const [name, query] of [
        ['reminders', reminderCandidates(db(), 'sqlite', today, 100)],
        ['overdue', overdueCandidates(db(), 'sqlite', today, 100)],
      ] as const) {
        const { sql: text, parameters: values } = query.compile();
        const parameters = [...values];
        const rows = await sql
          .raw<{ detail: string }>(
            `EXPLAIN QUERY PLAN ${text.replace(/\?/g, () => `'${String(parameters.shift())}'`)}`,
          )
          .execute(db());
        plans[name] = rows.rows.map((r) => r.detail);
      }
      expect(plans.reminders?.[0]).toMatch(/USING INDEX todos_reminder_pending_ix/);
      expect(plans.overdue?.[0]).toMatch(/USING INDEX todos_due_open_ix/);
      for (const plan of Object.values(plans)) expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    },
  );

  it('reminds no todo that is done, expired or deleted, nor before its date', async () => {
    const done = await create({ reminderDate: daysAgo(1), status: 'DONE' });
    const expired = await create({ reminderDate: daysAgo(1) });
    await db()
      .updateTable('todos')
      .set({ status: 'EXPIRED' })
      .where('id', '=', expired.id)
      .execute();
    const deleted = await create({ reminderDate: daysAgo(1) });
    await setTodo(deleted.id, { deletedAt: now.toISOString() });
    const later = await create({ reminderDate: daysAgo(-1) });
    const none = await create();

    await runJobsOnce(t.server.db, config, log, now);
    for (const todo of [done, expired, deleted, later, none]) {
      expect(mailsFor(todo.key), todo.key).toHaveLength(0);
      expect(await events(todo.id, 'remind'), todo.key).toHaveLength(0);
      expect((await todoRow(todo.id)).reminderSentFor).toBeNull();
    }
    // Tomorrow has come for `later`.
    await runJobsOnce(t.server.db, config, log, new Date(now.getTime() + DAY));
    expect(mailsFor(later.key)).toHaveLength(1);
  });

  it('takes "today" in the configured time zone', async () => {
    // UTC+14 and UTC-11 are 25 hours apart: their dates always differ.
    const kiritimati = dateInZone(now, 'Pacific/Kiritimati');
    expect(kiritimati > dateInZone(now, 'Pacific/Pago_Pago')).toBe(true);
    const todo = await create({ reminderDate: kiritimati });
    const inZone = (zone: string) =>
      configWith({ BZCTRL_SMTP_URL: smtp.url, BZCTRL_TIMEZONE: zone });

    await runJobsOnce(t.server.db, inZone('Pacific/Pago_Pago'), log, now);
    expect(mailsFor(todo.key)).toHaveLength(0);
    await runJobsOnce(t.server.db, inZone('Pacific/Kiritimati'), log, now);
    expect(mailsFor(todo.key)).toHaveLength(1);
  });

  it('expires overdue todos exactly once with an audit event; done todos never expire', async () => {
    const open = await create({ status: 'IN PROGRESS' });
    const todo = await create({ status: 'TODO' });
    const done = await create({ status: 'DONE' });
    const dueToday = await create();
    const deleted = await create();
    for (const x of [open, todo, done, deleted]) await setTodo(x.id, { dueDate: daysAgo(3) });
    await setTodo(dueToday.id, { dueDate: today });
    await setTodo(deleted.id, { deletedAt: now.toISOString() });
    const before = await todoRow(open.id);

    // The real clock here: later than the creates, so updatedAt visibly moves on.
    const at = new Date();
    const run = await runJobsOnce(t.server.db, config, log, at);
    expect(run.expired).toBeGreaterThanOrEqual(2);
    await runJobsOnce(t.server.db, config, log, at);
    await runJobsOnce(t.server.db, config, log, new Date(now.getTime() + 2 * DAY));

    for (const [x, old] of [
      [open, 'INPROGRESS'],
      [todo, 'TODO'],
    ] as const) {
      const row = await todoRow(x.id);
      expect(row.status).toBe('EXPIRED');
      expect(row.updatedAt).toBe(at.toISOString());
      expect(row.updatedAt > before.updatedAt).toBe(true);
      const expiry = await events(x.id, 'expire');
      expect(expiry).toHaveLength(1);
      expect(expiry[0]).toMatchObject({ actorLabel: 'system', dialect: 'system' });
      expect(JSON.parse(expiry[0]?.changes ?? '')).toEqual({ status: [old, 'EXPIRED'] });
      // And the API shows it.
      const read = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${x.key}`, {
        token: member,
      });
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('EXPIRED');
      const history = await t.request('GET', `/bzctrl-core-api/api/v1/todos/${x.key}/history`, {
        token: member,
      });
      expect(history.status).toBe(200);
      expect(history.body.items.filter((e: { action: string }) => e.action === 'expire')).toEqual([
        expect.objectContaining({
          actor: { type: 'system', label: 'system' },
          changes: [{ field: 'status', old, new: 'EXPIRED' }],
        }),
      ]);
    }
    expect((await todoRow(done.id)).status).toBe('DONE');
    expect(await events(done.id, 'expire')).toHaveLength(0);
    expect((await todoRow(deleted.id)).status).toBe('INPROGRESS');
    // Due today is not overdue yet; two days on it is.
    expect(await events(dueToday.id, 'expire')).toHaveLength(1);
    expect((await events(dueToday.id, 'expire'))[0]?.occurredAt).toBe(
      new Date(now.getTime() + 2 * DAY).toISOString(),
    );
  });

  it('expires a todo whose reminder is due only after the reminder, whichever job runs first', async () => {
    const x = await create();
    await setTodo(x.id, { dueDate: daysAgo(2), reminderDate: daysAgo(1) });
    // Expiry alone (as another process's tick may run it first) leaves it for the reminder.
    expect(await expireOverdueTodos(t.server.db, config, now)).toBe(0);
    expect((await todoRow(x.id)).status).not.toBe('EXPIRED');
    expect(await sendDueReminders(t.server.db, config, now)).toBeGreaterThanOrEqual(1);
    expect(await events(x.id, 'remind')).toHaveLength(1);
    expect(await expireOverdueTodos(t.server.db, config, now)).toBeGreaterThanOrEqual(1);
    expect((await todoRow(x.id)).status).toBe('EXPIRED');
    expect(await events(x.id, 'expire')).toHaveLength(1);
    // The queued reminder still goes out.
    await runJobsOnce(t.server.db, config, log, now);
    expect(mailsFor(x.key)).toHaveLength(1);
  });

  it('retries with backoff while SMTP is down, then delivers once it is up', async () => {
    // A port that refuses connections, then a real server on the same port.
    const probe = await startSmtp();
    const port = probe.port;
    await probe.close();
    const down = configWith({ BZCTRL_SMTP_URL: `smtp://127.0.0.1:${port}` });
    const { key, id } = await create({ reminderDate: daysAgo(1) });
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

    const first = await runJobsOnce(t.server.db, down, log, now);
    expect(first).toMatchObject({ reminded: 1, sent: 0, failed: 1 });
    let [row] = await outboxFor(id);
    expect(row).toMatchObject({ attempts: 1, sentAt: null, lockedUntil: null });
    expect(row?.lastError).toMatch(/ECONNREFUSED/);
    expect(row?.nextAttemptAt).toBe(at(60).toISOString());
    expect(lines.some((l) => l.level === 'warn' && l.obj.mailId === row?.id)).toBe(true);

    // Not yet due: left alone.
    await runJobsOnce(t.server.db, down, log, at(30));
    [row] = await outboxFor(id);
    expect(row?.attempts).toBe(1);

    // Due: tried again and failed again; the wait doubles.
    await runJobsOnce(t.server.db, down, log, at(61));
    [row] = await outboxFor(id);
    expect(row).toMatchObject({ attempts: 2, sentAt: null });
    expect(row?.nextAttemptAt).toBe(at(61 + 120).toISOString());

    const up = await startSmtp(port);
    try {
      await runJobsOnce(t.server.db, down, log, at(100));
      expect(up.received).toHaveLength(0);
      const last = await runJobsOnce(t.server.db, down, log, at(181));
      expect(last.sent).toBe(1);
      await runJobsOnce(t.server.db, down, log, at(400));
      expect(up.received).toHaveLength(1);
      expect(up.received[0]?.subject).toBe(`Reminder: ${key} Check seal numbers`);
      [row] = await outboxFor(id);
      expect(row).toMatchObject({ attempts: 3, sentAt: at(181).toISOString(), lastError: null });
    } finally {
      await up.close();
    }
  });

  it(`gives a mail up after ${MAX_MAIL_ATTEMPTS} attempts`, async () => {
    const probe = await startSmtp();
    await probe.close();
    const down = configWith({ BZCTRL_SMTP_URL: probe.url });
    const to = `nobody-${dialect}@example.com`;
    await enqueueMails(
      db(),
      [{ to, subject: 'Watched todo changed', text: 'body', kind: 'watch', todoId: null }],
      now.toISOString(),
    );
    // Far enough apart that every retry is due.
    for (let i = 0; i < MAX_MAIL_ATTEMPTS + 3; i++) {
      await runJobsOnce(t.server.db, down, log, new Date(now.getTime() + i * DAY));
    }
    const row = await db()
      .selectFrom('mailOutbox')
      .selectAll()
      .where('toAddress', '=', to)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: MAX_MAIL_ATTEMPTS, sentAt: null, lockedUntil: null });
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    const gaveUp = lines.filter((l) => l.level === 'error' && l.obj.mailId === Number(row.id));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]?.msg).toMatch(/given up/);
  });

  it('drops a queued reminder whose todo was deleted before it went out', async () => {
    const { key, id } = await create({ reminderDate: daysAgo(1) });
    expect(await sendDueReminders(t.server.db, config, now)).toBe(1);
    expect(await outboxFor(id)).toHaveLength(1);
    await setTodo(id, { deletedAt: now.toISOString() });
    const run = await runJobsOnce(t.server.db, config, log, now);
    expect(run.cancelled).toBe(1);
    expect(mailsFor(key)).toHaveLength(0);
    expect(await outboxFor(id)).toHaveLength(0);
  });

  it('without an SMTP URL, logs recipient and subject (not the body) and marks the mail sent', async () => {
    const { key, id } = await create({ reminderDate: daysAgo(1), description: 'secret-ish' });
    const noSmtp = configWith({});
    const mark = lines.length;
    const run = await runJobsOnce(t.server.db, noSmtp, log, now);
    expect(run).toMatchObject({ reminded: 1, sent: 1 });
    expect(mailsFor(key)).toHaveLength(0);
    const logged = lines
      .slice(mark)
      .find((l) => l.obj.subject === `Reminder: ${key} Check seal numbers`);
    expect(logged).toMatchObject({ level: 'info', obj: { to: 'username@example.com' } });
    expect(JSON.stringify(logged)).not.toContain('bzctrl.test/app');
    const [row] = await outboxFor(id);
    expect(row?.sentAt).toBe(now.toISOString());
    // One summary line per run, with only the non-zero counts.
    const summary = lines.slice(mark).filter((l) => l.msg === 'lifecycle jobs ran');
    expect(summary).toEqual([
      { level: 'info', obj: { jobs: { reminded: 1, sent: 1 } }, msg: 'lifecycle jobs ran' },
    ]);
    const quiet = lines.length;
    await runJobsOnce(t.server.db, noSmtp, log, now);
    expect(lines.slice(quiet)).toEqual([]);
  });

  it('stops only after the run in progress has finished', async () => {
    const slow = await startSmtp(0, 1500);
    const { id } = await create({ reminderDate: daysAgo(1) });
    const stop = scheduleJobs(
      t.server.db,
      configWith({ BZCTRL_SMTP_URL: slow.url, BZCTRL_JOB_INTERVAL: '1' }),
      log,
    );
    try {
      await until('the mail to start arriving', () => slow.receiving() > 0 || undefined);
    } finally {
      await stop();
    }
    // stop() returned after the SMTP server accepted the mail and the row was marked.
    expect(slow.received).toHaveLength(1);
    const [row] = await outboxFor(id);
    expect(row?.sentAt).not.toBeNull();
    expect(row?.attempts).toBe(1);
    await slow.close();
  });

  it('runs by itself inside a server started with BZCTRL_JOBS=true and delivers a reminder', async () => {
    const own = await startSmtp();
    const s = await startTestServer(dialect, {
      env: { BZCTRL_JOBS: 'true', BZCTRL_JOB_INTERVAL: '1', BZCTRL_SMTP_URL: own.url },
    });
    try {
      const token = await s.login('example@example.com');
      const res = await s.request('POST', ADD, {
        token,
        body: {
          todoType: 'INCIDENT',
          domainWorkSpace: 'IMP-NLD-EXA-SWA',
          title: 'Seal broken',
          description: 'Container seal found broken at the gate',
          reporter: 'example@example.com',
          reminderDate: dateInZone(new Date(), 'UTC'),
        },
      });
      expect(res.status, res.text).toBe(201);
      const mail = await until('the reminder', () => own.received[0]);
      expect(mail.to).toEqual(['example@example.com']);
      expect(mail.subject).toBe(`Reminder: ${res.body.key} Seal broken`);
      // A few more ticks: still one.
      await sleep(2500);
      expect(own.received).toHaveLength(1);
    } finally {
      await s.close();
      await own.close();
    }
  });

  it.skipIf(dialect !== 'postgres')(
    'concurrent runs over separate connection pools split the work without doubles',
    async () => {
      const COUNT = 60;
      const ids: number[] = [];
      const keys: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        const todo = await create({ title: `Race ${i}` });
        ids.push(todo.id);
        keys.push(todo.key);
      }
      const later = new Date(now.getTime() + 30 * DAY);
      const due = dateInZone(new Date(later.getTime() - DAY), 'UTC');
      await db()
        .updateTable('todos')
        .set({ reminderDate: due, dueDate: due })
        .where('id', 'in', ids)
        .execute();
      // As many pools as separate processes would have, racing in small batches.
      const pools = [1, 2, 3, 4].map(() => openDatabase(t.databaseUrl, { poolSize: 3 }));
      try {
        // Connected before the race, so no pool does all the work while another is still
        // connecting (seen once on a loaded machine).
        await Promise.all(
          pools.map((p) => Promise.all([1, 2, 3].map(() => sql`select 1`.execute(p.kysely)))),
        );
        // Each job races itself across the pools, in the order a real run takes them.
        const race = <T>(job: (p: Db) => Promise<T>) => Promise.all(pools.map(job));
        const opts = { batchSize: 7 };
        const reminded = await race((p) => sendDueReminders(p, config, later, opts));
        const expired = await race((p) => expireOverdueTodos(p, config, later, opts));
        const sent = (await race((p) => runJobsOnce(p, config, log, later))).map((r) => r.sent);
        // Not vacuous: the pools really shared each job (SKIP LOCKED let them pass).
        for (const counts of [reminded, expired, sent]) {
          expect(
            counts.filter((n) => n > 0).length,
            JSON.stringify({ reminded, expired, sent }),
          ).toBeGreaterThanOrEqual(2);
        }
        for (const [i, id] of ids.entries()) {
          expect(mailsFor(keys[i] ?? ''), keys[i]).toHaveLength(1);
          expect(await events(id, 'remind')).toHaveLength(1);
          expect(await events(id, 'expire')).toHaveLength(1);
        }
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    },
  );

  it.skipIf(dialect !== 'postgres')(
    'two processes on one PostgreSQL handle every reminder and expiry exactly once',
    async () => {
      const COUNT = 50;
      const own = await startSmtp();
      const env = {
        BZCTRL_JOBS: 'true',
        BZCTRL_JOB_INTERVAL: '1',
        BZCTRL_SMTP_URL: own.url,
        BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      };
      const s = await startTestServer(dialect, { env });
      const other = spawnServe({ ...env, BZCTRL_DATABASE_URL: s.databaseUrl });
      try {
        await other.listening;
        const token = await s.login('example@example.com');
        const ids: number[] = [];
        const keys: string[] = [];
        for (let i = 0; i < COUNT; i++) {
          const res = await s.request('POST', ADD, {
            token,
            body: {
              todoType: 'TASK',
              domainWorkSpace: 'IMP-NLD-EXA-SWA',
              title: `Overdue check ${i}`,
              description: 'Both processes race for this one',
              reporter: 'example@example.com',
              assignee: 'username@example.com',
            },
          });
          expect(res.status, res.text).toBe(201);
          ids.push(Number(res.body.id));
          keys.push(res.body.key);
        }
        // All at once, so both processes find the whole set due at the same tick.
        const yesterday = dateInZone(new Date(Date.now() - DAY), 'UTC');
        await s.server.db.kysely
          .updateTable('todos')
          .set({ reminderDate: yesterday, dueDate: yesterday })
          .where('id', 'in', ids)
          .execute();

        await until('every reminder', () => own.received.length >= COUNT || undefined);
        const expiredCount = async () =>
          Number(
            (
              await s.server.db.kysely
                .selectFrom('todos')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('id', 'in', ids)
                .where('status', '=', 'EXPIRED')
                .executeTakeFirstOrThrow()
            ).n,
          );
        await until('every expiry', async () => (await expiredCount()) === COUNT || undefined);
        // More ticks of both processes: nothing may happen twice.
        await sleep(3000);

        expect(own.received).toHaveLength(COUNT);
        const subjects = own.received.map((m) => m.subject).sort();
        expect(subjects).toEqual(keys.map((k, i) => `Reminder: ${k} Overdue check ${i}`).sort());
        for (const action of ['remind', 'expire']) {
          const rows = await s.server.db.kysely
            .selectFrom('auditEvents')
            .select(['entityId', (eb) => eb.fn.countAll<number>().as('n')])
            .where('entityType', '=', 'todo')
            .where('entityId', 'in', ids)
            .where('action', '=', action)
            .groupBy('entityId')
            .execute();
          expect(rows, action).toHaveLength(COUNT);
          expect(
            rows.every((r) => Number(r.n) === 1),
            action,
          ).toBe(true);
        }
        const outbox = await s.server.db.kysely
          .selectFrom('mailOutbox')
          .select(['attempts', 'sentAt'])
          .where('todoId', 'in', ids)
          .execute();
        expect(outbox).toHaveLength(COUNT);
        expect(outbox.every((m) => m.attempts === 1 && m.sentAt !== null)).toBe(true);
        // Not vacuous: the second process did part of the work.
        expect(other.output()).toMatch(/"msg":"lifecycle jobs ran"/);
      } finally {
        await other.stop();
        await s.close();
        await own.close();
      }
    },
  );
});
