import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBzctrl } from './support/bzctrl-run.ts';
import { startTestServer, type TestServer } from './support/harness.ts';
import { type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * `bzctrl backup` and `bzctrl restore` as an operator runs them: the real server in a
 * process of its own on SQLite under a steady create load, the backup taken by another
 * process in the middle of it, the restore refused while a server has the database open
 * (and not blocked by one killed with SIGKILL), and a server started on the restored
 * database that has every todo acknowledged before the backup began, as it was sent.
 */

const API = '/bzctrl-core-api/api/v1';
const WORKSPACE = 'IMP-NLD-EXA-SWA';
const WORKERS = 8;
const LOAD_MS = 3000;
/** Creates acknowledged before the backup starts, and after it ends, at least. */
const MIN_ACKED = 20;

interface Run {
  code: number | null;
  out: string;
}

/** `bzctrl <args>` as a child process on the database `url`. */
async function bzctrl(args: string[], url: string, dataDir: string): Promise<Run> {
  const run = await runBzctrl(args, { BZCTRL_DATABASE_URL: url, BZCTRL_DATA_DIR: dataDir });
  return { code: run.code, out: run.out + run.err };
}

interface Acked {
  key: string;
  title: string;
  description: string;
  /** When its 201 arrived (performance.now()). */
  at: number;
}

function serveEnv(databaseUrl: string, dataDir: string) {
  return {
    BZCTRL_DATABASE_URL: databaseUrl,
    BZCTRL_DATA_DIR: dataDir,
    BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
    BZCTRL_LOG_LEVEL: 'warn',
    BZCTRL_JOBS: 'false',
    BZCTRL_RATE_LIMIT: '1000000',
  };
}

async function passwordLogin(url: string): Promise<string> {
  const res = await fetch(`${url}/bzctrl-core-api/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'example@example.com',
      password: 'Ex@mpl3!',
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('bzctrl backup and restore on SQLite', () => {
  let t: TestServer;
  let dir: string;
  const children: ServeProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bzctrl-backup-'));
    // The fixture, provisioned in this process; the server under test is a child process.
    t = await startTestServer('sqlite', { env: { BZCTRL_DATA_DIR: join(dir, 'data') } });
    await t.server.close();
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a database under write load, and restores every todo acknowledged before', async () => {
    const liveUrl = t.databaseUrl;
    const server = spawnServe(serveEnv(liveUrl, join(dir, 'data')));
    children.push(server);
    const url = await server.listening;
    const token = await passwordLogin(url);

    const acked: Acked[] = [];
    const refused: string[] = [];
    let running = true;
    let n = 0;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const id = ++n;
        const title = `bk-${id}`;
        const description = `Backup load ${id}: ${'x'.repeat(1 + (id % 50))}`;
        const native = (w + i) % 2 === 0;
        const res = await fetch(`${url}${API}/${native ? 'todos' : 'task/add-task'}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(
            native
              ? { title, description, todoType: 'TASK', workspace: WORKSPACE }
              : {
                  title,
                  description,
                  todoType: 'TASK',
                  domainWorkSpace: WORKSPACE,
                  reporter: 'example@example.com',
                },
          ),
        });
        const text = await res.text();
        if (res.status !== 201) {
          refused.push(`${title}: ${res.status} ${text}`);
          continue;
        }
        acked.push({ key: JSON.parse(text).key, title, description, at: performance.now() });
      }
    };
    const loadStarted = performance.now();
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const ackedOver = async (count: number, since: number) => {
      const deadline = performance.now() + 30_000;
      while (acked.filter((a) => a.at > since).length < count && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Creates flowing (the first ones warm the server up), then the backup, mid-load.
    await new Promise((r) => setTimeout(r, LOAD_MS / 3));
    await ackedOver(MIN_ACKED, 0);

    const backupFile = join(dir, 'bzctrl-backup.db');
    const backupStarted = performance.now();
    const backup = await bzctrl(['backup', backupFile], liveUrl, join(dir, 'data'));
    const backupEnded = performance.now();
    // The server keeps its database while a restore is asked for: refused, nothing changed.
    const refusedRestore = await bzctrl(['restore', backupFile], liveUrl, join(dir, 'data'));
    await new Promise((r) => setTimeout(r, Math.max(0, loadStarted + LOAD_MS - performance.now())));
    await ackedOver(MIN_ACKED, backupEnded);
    running = false;
    await load;
    await server.stop();

    expect(refused).toEqual([]);
    expect(backup.code, backup.out).toBe(0);
    const copied = Number(/integrity ok, (\d+) todos/.exec(backup.out)?.[1]);
    const before = acked.filter((a) => a.at < backupStarted);
    const after = acked.filter((a) => a.at > backupEnded);
    // A real load on both sides of the backup, and the copy between them.
    expect(before.length).toBeGreaterThanOrEqual(MIN_ACKED);
    expect(after.length).toBeGreaterThanOrEqual(MIN_ACKED);
    expect(copied).toBeGreaterThanOrEqual(before.length);
    expect(copied).toBeLessThan(acked.length);

    expect(refusedRestore.code).toBe(1);
    expect(refusedRestore.out).toMatch(/in use by another process.*Stop it first/);
    const liveDir = dirname(liveUrl.slice('sqlite:'.length));
    expect(readdirSync(liveDir).filter((f) => f.includes('restore'))).toEqual([]);

    // Backing up onto an existing file needs --force.
    const again = await bzctrl(['backup', backupFile], liveUrl, join(dir, 'data'));
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/exists; .*--force/);

    // Into a fresh data directory, then a server on it.
    const fresh = join(dir, 'fresh');
    const freshUrl = `sqlite:${join(fresh, 'bzctrl.db')}`;
    const restored = await bzctrl(['restore', backupFile], freshUrl, fresh);
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toContain(`integrity ok, ${copied} todos`);
    expect(readdirSync(fresh)).toEqual(['bzctrl.db']);

    const second = spawnServe(serveEnv(freshUrl, fresh));
    children.push(second);
    const url2 = await second.listening;
    const token2 = await passwordLogin(url2);
    const missing: string[] = [];
    const queue = [...before];
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        for (let a = queue.pop(); a; a = queue.pop()) {
          const res = await fetch(`${url2}${API}/todos/${a.key}`, {
            headers: { authorization: `Bearer ${token2}` },
          });
          const body = (res.status === 200 ? await res.json() : {}) as {
            title?: string;
            description?: string;
          };
          if (res.status !== 200 || body.title !== a.title || body.description !== a.description) {
            missing.push(`${a.key} ${a.title}: ${res.status} ${JSON.stringify(body)}`);
          }
        }
      }),
    );
    expect(missing).toEqual([]);

    // A server killed with SIGKILL leaves no lock behind: the restore goes ahead, keeps the
    // database it replaces (with what its WAL held), and leaves no -wal beside the new one.
    const create = await fetch(`${url2}${API}/todos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token2}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'after-restore',
        description: 'Made on the restored database',
        todoType: 'TASK',
        workspace: WORKSPACE,
      }),
    });
    expect(create.status).toBe(201);
    await second.kill9();
    const over = await bzctrl(['restore', backupFile], freshUrl, fresh);
    expect(over.code, over.out).toBe(0);
    const kept = readdirSync(fresh).filter((f) => f.startsWith('bzctrl.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(readdirSync(fresh).sort()).toEqual(['bzctrl.db', kept[0]]);
    expect(existsSync(join(fresh, 'bzctrl.db-wal'))).toBe(false);
    // The kept one has the todo made after the first restore; the restored one has not.
    const keptCopy = await bzctrl(
      ['backup', join(dir, 'kept.db')],
      `sqlite:${join(fresh, kept[0] as string)}`,
      fresh,
    );
    expect(keptCopy.out).toContain(`integrity ok, ${copied + 1} todos`);
    const restoredCopy = await bzctrl(['backup', join(dir, 'restored.db')], freshUrl, fresh);
    expect(restoredCopy.out).toContain(`integrity ok, ${copied} todos`);
  }, 60_000);
});
