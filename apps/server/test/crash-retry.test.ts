import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * A retry with the same Idempotency-Key after a crash gets the first answer or a fresh
 * success, never a second change and never a "still in flight" refusal. The real
 * `bzctrl serve` runs as a child process under concurrent keyed writes of every dialect;
 * it is killed with SIGKILL at a random moment, restarted, and every request that got no
 * answer is sent again, byte for byte, with its key. Then the database is counted.
 */

/** Kill -9 rounds: ten on SQLite, five on PostgreSQL (as in durability.test.ts). */
const roundsOn = (dialect: string) => (dialect === 'postgres' ? 5 : 10);
const WORKERS = 12;
const API = '/bzctrl-core-api/api/v1';
const REPLAYED = 'idempotency-replayed';

type Kind = 'add-task' | 'native' | 'short' | 'itsm' | 'exposed' | 'comment' | 'patch' | 'upload';
const KINDS: Kind[] = [
  'add-task',
  'native',
  'short',
  'itsm',
  'exposed',
  'comment',
  'patch',
  'upload',
];

interface Sent {
  kind: Kind;
  marker: string;
  key: string;
  method: string;
  path: string;
  token: string | null;
  json: unknown;
  upload: boolean;
  /** The answer, first or after retries; null while none came. */
  answer: { status: number; replayed: boolean; body: string } | null;
  retried: boolean;
}

describe.each(dialects)('a crash under keyed load on %s', (dialect) => {
  const ROUNDS = roundsOn(dialect);
  let t: TestServer;
  let dataDir: string;
  let member: string;
  let seed: string;
  let exposedUuid: string;
  let todoKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-crash-'));
    t = await startTestServer(dialect, { env: { BZCTRL_DATA_DIR: dataDir } });
    const admin = await t.login('admin@example.com');
    [member, seed] = await Promise.all([
      t.login('example@example.com'),
      t.login('username@example.com'),
    ]);
    const endpoint = await t.request('POST', `${API}/admin/exposed-endpoints`, {
      token: admin,
      body: {
        workspace: 'IMP-NLD-EXA-SWA',
        name: 'Crash form',
        defaults: { todoType: 'Incident', reporter: 'username@example.com' },
      },
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    exposedUuid = endpoint.body.uuid;
    const todo = await t.request('POST', `${API}/todos`, {
      token: member,
      body: { todoType: 'TASK', workspace: 'IMP-NLD-EXA-SWA', title: 'Target', description: 'd' },
    });
    expect(todo.status, todo.text).toBe(201);
    todoKey = todo.body.key;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let n = 0;
  function request(kind: Kind, round: number): Sent {
    const marker = `crash-${kind}-${round}-${++n}`;
    const base = {
      kind,
      marker,
      key: `key-${marker}`,
      answer: null,
      retried: false,
      upload: false,
    };
    switch (kind) {
      case 'add-task':
        return {
          ...base,
          method: 'POST',
          path: `${API}/task/add-task`,
          token: member,
          json: {
            todoType: 'TASK',
            domainWorkSpace: 'IMP-NLD-EXA-SWA',
            title: marker,
            description: 'Keyed load',
            reporter: 'example@example.com',
          },
        };
      case 'native':
        return {
          ...base,
          method: 'POST',
          path: `${API}/todos`,
          token: member,
          json: { todoType: 'TASK', workspace: 'IMP-NLD-EXA-SWA', title: marker, description: 'd' },
        };
      case 'short':
        return {
          ...base,
          method: 'PUT',
          path: '/api/task',
          token: member,
          json: { type: 'Task', title: marker, description: 'd', workspace: 'Inbound Control' },
        };
      case 'itsm':
        return {
          ...base,
          method: 'POST',
          path: '/api/v1/incident',
          token: seed,
          json: { subject: marker, requesterEmail: 'username@example.com', description: 'd' },
        };
      case 'exposed':
        return {
          ...base,
          method: 'POST',
          path: `${API}/task/add-exposed-task/${exposedUuid}`,
          token: null,
          json: { title: marker, description: 'From a web form' },
        };
      case 'comment':
        return {
          ...base,
          method: 'POST',
          path: `${API}/todos/${todoKey}/comments`,
          token: member,
          json: { body: marker },
        };
      case 'patch':
        return {
          ...base,
          method: 'PATCH',
          path: `${API}/todos/${todoKey}`,
          token: member,
          json: { description: marker },
        };
      case 'upload':
        return {
          ...base,
          method: 'POST',
          path: `${API}/uploads`,
          token: member,
          json: null,
          upload: true,
        };
    }
  }

  /** Sends one request; the answer, or null when the connection failed. */
  async function send(url: string, r: Sent): Promise<Sent['answer']> {
    const headers: Record<string, string> = { 'Idempotency-Key': r.key };
    if (r.token) headers.authorization = `Bearer ${r.token}`;
    let body: string | FormData;
    if (r.upload) {
      body = new FormData();
      body.append('file', new Blob([`content of ${r.marker}`]), `${r.marker}.txt`);
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    }
    try {
      const res = await fetch(`${url}${r.path}`, {
        method: r.method,
        headers,
        body,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      return { status: res.status, replayed: res.headers.get(REPLAYED) === 'true', body: text };
    } catch {
      return null;
    }
  }

  it(`loses nothing and duplicates nothing across ${ROUNDS} kill -9s`, async () => {
    const env = {
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_DATA_DIR: dataDir,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_LOG_LEVEL: 'warn',
      BZCTRL_JOBS: 'false',
      BZCTRL_RATE_LIMIT: '1000000',
      BZCTRL_EXPOSED_RATE_LIMIT: '1000000',
      BZCTRL_EXPOSED_RATE_LIMIT_PER_ADDRESS: '1000000',
    };
    const all: Sent[] = [];
    let child: ServeProcess = spawnServe(env);
    let url = await child.listening;
    let unanswered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let running = true;
      const worker = async (w: number) => {
        for (let i = 0; running; i++) {
          const r = request(KINDS[(w + i) % KINDS.length] as Kind, round);
          all.push(r);
          r.answer = await send(url, r);
          if (r.answer === null) return; // the server is gone
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      // A random moment once the load runs: inside some transaction, or between its
      // commit and its answer, or elsewhere.
      await new Promise((res) => setTimeout(res, 150 + Math.floor(Math.random() * 500)));
      await child.kill9();
      running = false;
      await load;

      child = spawnServe(env);
      url = await child.listening;
      // Every request without an answer is sent again, with its key, until it gets one.
      for (const r of all.filter((x) => x.answer === null)) {
        unanswered++;
        r.retried = true;
        r.answer = await send(url, r);
      }
    }
    await child.stop();

    // Count what is stored against what was answered.
    const db = t.server.db.kysely;
    const titles = await db
      .selectFrom('todos')
      .select(['title'])
      .where('title', 'like', 'crash-%')
      .execute();
    const comments = await db
      .selectFrom('todoComments')
      .select(['body'])
      .where('body', 'like', 'crash-%')
      .execute();
    const uploads = await db
      .selectFrom('attachments')
      .select(['name'])
      .where('name', 'like', 'crash-%')
      .execute();
    const audit = await db
      .selectFrom('auditEvents')
      .select(['changes'])
      .where('changes', 'like', '%crash-patch-%')
      .execute();
    const stored = new Map<string, number>();
    const count = (m: string) => stored.set(m, (stored.get(m) ?? 0) + 1);
    for (const r of titles) count(r.title);
    for (const r of comments) count(r.body);
    for (const r of uploads) count(r.name.replace(/\.txt$/, ''));
    for (const r of audit) {
      // [old, new]: a patch's marker is the new description of its own change.
      const change = (JSON.parse(String(r.changes)) as { description?: unknown[] }).description;
      const m = change?.[1];
      if (typeof m === 'string' && m.startsWith('crash-patch-')) count(m);
    }

    const retries = all.filter((r) => r.retried);
    const statuses = new Map<number, number>();
    for (const r of all) {
      const s = r.answer?.status ?? 0;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    const duplicates = [...stored.values()].filter((c) => c > 1).length;
    const missing = all.filter((r) => r.answer && r.answer.status < 300 && !stored.has(r.marker));
    const conflicts = retries.filter((r) => r.answer?.status === 409);
    const replayed = retries.filter((r) => r.answer?.replayed).length;
    console.log(
      `${dialect}: ${all.length} keyed writes in ${ROUNDS} kill -9 rounds; ${unanswered} ` +
        `unanswered and retried (${replayed} replayed the first answer, ` +
        `${unanswered - replayed} ran afresh); ${duplicates} duplicates, ` +
        `${conflicts.length} 409s, ${missing.length} acknowledged but missing; statuses ` +
        JSON.stringify(Object.fromEntries(statuses)),
    );

    expect(unanswered).toBeGreaterThan(0);
    expect(duplicates).toBe(0);
    expect(conflicts).toEqual([]);
    expect(missing.map((r) => r.marker)).toEqual([]);
    // Every request, first time or retried, ended in a success: nothing was refused.
    expect(all.filter((r) => !r.answer || r.answer.status >= 300).map((r) => r.answer)).toEqual([]);
    // A replay is the first answer of the same change.
    for (const r of retries.filter((x) => x.answer?.replayed && x.kind === 'add-task')) {
      expect(JSON.parse(r.answer?.body ?? '{}').title).toBe(r.marker);
    }
  }, 300_000);
});
