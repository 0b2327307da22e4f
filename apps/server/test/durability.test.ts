import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * A 2xx means stored. The real `bzctrl serve` (SQLite at its default synchronous=FULL, or
 * PostgreSQL) runs as a child process under concurrent creates of three dialects and is
 * killed with SIGKILL at a random moment, again and again, and restarted. Then every
 * acknowledged create must be in the database as it was sent, with its audit event; a
 * create that got no answer is either absent or whole; and the workspace's keys have no
 * gap and no duplicate.
 */

const ROUNDS = { sqlite: 10, postgres: 5 } as const;
const WORKERS = 8;
const API = '/bzctrl-core-api/api/v1';
const WORKSPACE = 'IMP-NLD-EXA-SWA';

type Kind = 'add-task' | 'short' | 'native';
const KINDS: Kind[] = ['add-task', 'short', 'native'];

interface Create {
  kind: Kind;
  title: string;
  description: string;
  tags: string[];
  category: string[];
  /** The key the answer named; null while no 2xx came. */
  key: string | null;
  answered: boolean;
}

/** The request a dialect's integration sends for `c` (as crash-retry.test.ts sends them). */
function requestOf(c: Create): { method: string; path: string; json: unknown } {
  const common = { title: c.title, description: c.description, tags: c.tags, category: c.category };
  switch (c.kind) {
    case 'add-task':
      return {
        method: 'POST',
        path: `${API}/task/add-task`,
        json: {
          ...common,
          todoType: 'TASK',
          domainWorkSpace: WORKSPACE,
          reporter: 'example@example.com',
        },
      };
    case 'short':
      return {
        method: 'PUT',
        path: '/api/task',
        json: { ...common, type: 'Task', workspace: 'Inbound Control' },
      };
    case 'native':
      return {
        method: 'POST',
        path: `${API}/todos`,
        json: { ...common, todoType: 'TASK', workspace: WORKSPACE },
      };
  }
}

describe.each(dialects)('durability under kill -9 on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  let member: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-durability-'));
    t = await startTestServer(dialect, { env: { BZCTRL_DATA_DIR: dataDir } });
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged create whole across ${ROUNDS[dialect]} kill -9s`, async () => {
    const env = {
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_DATA_DIR: dataDir,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_LOG_LEVEL: 'warn',
      BZCTRL_JOBS: 'false',
      BZCTRL_RATE_LIMIT: '1000000',
    };
    const all = new Map<string, Create>();
    /** Answers other than 201, with the server's log lines kept for the failure message. */
    const refused: string[] = [];
    const errorLines: string[] = [];
    let n = 0;
    let child: ServeProcess = spawnServe(env);
    let url = await child.listening;
    const started = Date.now();
    for (let round = 0; round < ROUNDS[dialect]; round++) {
      let running = true;
      let acked = 0;
      const worker = async (w: number) => {
        for (let i = 0; running; i++) {
          const id = ++n;
          const c: Create = {
            kind: KINDS[(w + i) % KINDS.length] as Kind,
            title: `dur-${round}-${id}`,
            description: `Durability ${id}: ${'x'.repeat(1 + (id % 200))}`,
            tags: [`t${id}`, 'durability'],
            category: [`c${id % 5}`],
            key: null,
            answered: false,
          };
          all.set(c.title, c);
          const r = requestOf(c);
          try {
            const res = await fetch(`${url}${r.path}`, {
              method: r.method,
              headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
              body: JSON.stringify(r.json),
              signal: AbortSignal.timeout(30_000),
            });
            const text = await res.text();
            c.answered = true;
            if (res.status !== 201) {
              refused.push(`${c.kind} ${c.title}: ${res.status} ${text}`);
              continue;
            }
            const body = JSON.parse(text) as { key?: string; reference?: string };
            c.key = body.key ?? body.reference ?? null;
            acked++;
          } catch {
            if (!c.answered) return; // no answer: the server is gone
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      // A random moment once creates flow: inside a transaction, between a commit and its
      // answer, or between two requests.
      const deadline = Date.now() + 60_000;
      while (acked < 3) {
        if (Date.now() > deadline) {
          throw new Error(`no creates in round ${round}: ${refused[0]}\n${child.output()}`);
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      await new Promise((res) => setTimeout(res, Math.floor(Math.random() * 400)));
      await child.kill9();
      errorLines.push(
        ...child
          .output()
          .split('\n')
          .filter((l) => /"level":(50|60)/.test(l)),
      );
      running = false;
      await load;
      child = spawnServe(env);
      url = await child.listening;
    }
    await child.stop();
    errorLines.push(
      ...child
        .output()
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l)),
    );
    const seconds = Math.round((Date.now() - started) / 1000);

    // What the database holds, read after the last restart.
    const db = t.server.db.kysely;
    const rows = await db
      .selectFrom('todos')
      .innerJoin('workspaces', 'workspaces.id', 'todos.workspaceId')
      .select([
        'todos.id',
        'todos.key',
        'todos.seq',
        'todos.title',
        'todos.description',
        'todos.todoType',
        'workspaces.key as workspace',
      ])
      .where('todos.title', 'like', 'dur-%')
      .execute();
    const ids = rows.map((r) => r.id);
    const tags = await db
      .selectFrom('todoTags')
      .select(['todoId', 'tag'])
      .where('todoId', 'in', ids)
      .orderBy('position')
      .execute();
    const categories = await db
      .selectFrom('todoCategories')
      .select(['todoId', 'value'])
      .where('todoId', 'in', ids)
      .where('kind', '=', 'category')
      .orderBy('position')
      .execute();
    const audits = await db
      .selectFrom('auditEvents')
      .select(['entityId'])
      .where('entityType', '=', 'todo')
      .where('action', '=', 'create')
      .where('entityId', 'in', ids)
      .execute();
    const listOf = (list: { todoId: number }[], pick: (r: never) => string) => {
      const m = new Map<number, string[]>();
      for (const r of list) m.set(r.todoId, [...(m.get(r.todoId) ?? []), pick(r as never)]);
      return m;
    };
    const tagsOf = listOf(tags, (r: { tag: string }) => r.tag);
    const categoriesOf = listOf(categories, (r: { value: string }) => r.value);
    const auditsOf = new Map<number, number>();
    for (const a of audits) auditsOf.set(a.entityId, (auditsOf.get(a.entityId) ?? 0) + 1);

    // Each stored create as it was sent, and whole: its tags, categories, one audit event.
    const problems: string[] = [];
    const byTitle = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      if (byTitle.has(row.title)) problems.push(`${row.title} stored twice`);
      byTitle.set(row.title, row);
      const sent = all.get(row.title);
      if (!sent) {
        problems.push(`${row.title} stored but never sent`);
        continue;
      }
      const stored = {
        description: row.description,
        todoType: row.todoType,
        workspace: row.workspace,
        tags: tagsOf.get(row.id) ?? [],
        category: categoriesOf.get(row.id) ?? [],
        audits: auditsOf.get(row.id) ?? 0,
      };
      const expected = {
        description: sent.description,
        todoType: 'TASK',
        workspace: WORKSPACE,
        tags: sent.tags,
        category: sent.category,
        audits: 1,
      };
      if (JSON.stringify(stored) !== JSON.stringify(expected)) {
        problems.push(`${row.title}: ${JSON.stringify(stored)} != ${JSON.stringify(expected)}`);
      }
      if (sent.key !== null && sent.key !== row.key) {
        problems.push(`${row.title} answered ${sent.key}, stored as ${row.key}`);
      }
    }
    const acknowledged = [...all.values()].filter((c) => c.key !== null);
    const lost = acknowledged.filter((c) => !byTitle.has(c.title)).map((c) => c.title);
    const unanswered = [...all.values()].filter((c) => !c.answered);
    const unansweredStored = unanswered.filter((c) => byTitle.has(c.title)).length;

    // The workspace's keys: 1..n, none missing, none twice.
    const seqs = (
      await db
        .selectFrom('todos')
        .innerJoin('workspaces', 'workspaces.id', 'todos.workspaceId')
        .select(['todos.seq', 'todos.key'])
        .where('workspaces.key', '=', WORKSPACE)
        .orderBy('todos.seq')
        .execute()
    ).map((r) => r.seq);

    console.log(
      `${dialect}: ${ROUNDS[dialect]} kill -9 rounds in ${seconds} s; ${all.size} creates sent, ` +
        `${acknowledged.length} acknowledged and checked, ${unanswered.length} unanswered ` +
        `(${unansweredStored} of them stored whole, the rest absent); ${rows.length} stored`,
    );
    expect({ refused, errorLines }).toEqual({ refused: [], errorLines: [] });
    expect(lost).toEqual([]);
    expect(problems).toEqual([]);
    expect(unanswered.length).toBeGreaterThan(0);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }, 600_000);
});
