import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { findNginx, type Nginx, startNginx } from './support/nginx.ts';
import { freePort } from './support/postgres-cluster.ts';
import { type ServeProcess, spawnServe } from './support/serve-process.ts';

/**
 * A rolling restart behind nginx (issue 15 item 3, docs/scaling.md): two `bzctrl serve`
 * nodes on one PostgreSQL database, each with its own data directory, behind nginx run
 * with the upstream and location of docs/nginx.conf (only the addresses and the listen
 * port changed). A steady mixed load of creates, reads by key and list pages goes through
 * nginx while node A, then node B, is stopped with SIGTERM and started again on its port.
 * No request may fail as the client sees it, and every acknowledged create is in the
 * database exactly once.
 */

const API = '/bzctrl-core-api/api/v1';
const WORKSPACE = 'IMP-NLD-EXA-SWA';
const LOOPS = 6;
const DRAIN_SECONDS = 2;

const nginxBin = findNginx();
const postgres = dialects.includes('postgres');
if (!nginxBin) console.warn('nginx rolling restart test skipped: nginx is not installed');
else if (!postgres) {
  console.warn('nginx rolling restart test skipped: PostgreSQL is not among the test dialects');
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** How many todo API requests a node answered, from its /metrics (loopback may read it). */
async function servedTodos(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^bzctrl_http_requests_total\{([^}]*)\} (\d+)/gm)) {
    if (m[1]?.includes('/todos')) n += Number(m[2]);
  }
  return n;
}

describe.skipIf(!nginxBin || !postgres)('rolling restart behind nginx (PostgreSQL)', () => {
  let t: TestServer;
  let dir: string;
  let token: string;
  let nginx: Nginx | undefined;
  const nodes: (ServeProcess | undefined)[] = [undefined, undefined];
  let ports: [number, number];
  let base: string;
  let env: (i: number) => Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bzctrl-nginx-'));
    // A fresh database with the fixture; this in-process server only prepares it and is
    // not behind nginx.
    t = await startTestServer('postgres');
    token = await t.login('example@example.com');
    ports = [await freePort(), await freePort()];
    env = (i) => {
      const dataDir = join(dir, `node-${i}`);
      mkdirSync(dataDir, { recursive: true });
      return {
        BZCTRL_DATABASE_URL: t.databaseUrl,
        BZCTRL_DATA_DIR: dataDir,
        BZCTRL_HOST: '127.0.0.1',
        BZCTRL_PORT: String(ports[i]),
        BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
        BZCTRL_LOG_LEVEL: 'warn',
        BZCTRL_JOBS: 'false',
        BZCTRL_RATE_LIMIT: '1000000',
        BZCTRL_DRAIN_SECONDS: String(DRAIN_SECONDS),
      };
    };
    for (const i of [0, 1]) nodes[i] = spawnServe(env(i));
    await Promise.all(nodes.map((n) => n?.listening));
    nginx = await startNginx(nginxBin as string, ports);
    base = nginx.url;
  }, 60_000);

  afterAll(async () => {
    // Every child ends, by its own pid, whatever happened.
    await Promise.all(nodes.map((n) => n?.kill9()));
    await nginx?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restarts both nodes one by one with 0 failed requests and every create kept', async () => {
    const failures: string[] = [];
    const counts = { creates: 0, reads: 0, lists: 0, retries: 0 };
    /** Idempotency-Key → the todo key its 201 named. */
    const acked = new Map<string, string>();
    const keys: string[] = [];
    let running = true;
    const auth = { authorization: `Bearer ${token}` };

    const call = async (what: string, path: string, init: RequestInit = {}) => {
      try {
        const res = await fetch(`${base}${path}`, {
          ...init,
          headers: { ...auth, ...init.headers },
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) return text;
        failures.push(`${what}: ${res.status} ${text.replace(/\s+/g, ' ').slice(0, 120)}`);
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
      }
      return null;
    };

    const loop = async (w: number) => {
      for (let i = 0; running; i++) {
        const step = i % 3;
        if (step === 0) {
          const idem = `nginx-${w}-${i}`;
          const body = JSON.stringify({
            title: idem,
            description: `Created through nginx by loop ${w}`,
            todoType: 'TASK',
            workspace: WORKSPACE,
          });
          // A client retries a failed create with the same key (each failure still counts).
          for (let attempt = 0; attempt < 5; attempt++) {
            if (attempt > 0) counts.retries++;
            counts.creates++;
            const text = await call(`create ${idem}`, `${API}/todos`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'Idempotency-Key': idem },
              body,
            });
            if (text !== null) {
              const key = (JSON.parse(text) as { key: string }).key;
              acked.set(idem, key);
              keys.push(key);
              break;
            }
            await sleep(200);
          }
        } else if (step === 1 && keys.length > 0) {
          counts.reads++;
          const key = keys[(w * 7 + i) % keys.length] as string;
          await call(`get ${key}`, `${API}/todos/${key}`);
        } else {
          counts.lists++;
          await call('list', `${API}/todos?workspace=${WORKSPACE}&limit=20`);
        }
      }
    };

    const started = Date.now();
    const load = Promise.all(Array.from({ length: LOOPS }, (_, w) => loop(w)));
    await sleep(1000);
    const restarts: string[] = [];
    for (const i of [0, 1]) {
      const at = Date.now();
      const node = nodes[i] as ServeProcess;
      await node.stop();
      const { code } = await node.exited;
      expect(code, node.output()).toBe(0);
      nodes[i] = spawnServe(env(i));
      await nodes[i]?.listening;
      // As an operator would: the next node goes only once nginx sends this one requests
      // again (nginx skips a node for fail_timeout after its refused connections).
      const url = `http://127.0.0.1:${ports[i]}`;
      for (;;) {
        if (Date.now() - at > 40_000) throw new Error(`nginx sent node ${'AB'[i]} nothing`);
        if ((await servedTodos(url)) >= 10) break;
        await sleep(250);
      }
      restarts.push(`node ${'AB'[i]}: ${((Date.now() - at) / 1000).toFixed(1)} s`);
    }
    await sleep(500);
    running = false;
    await load;
    const seconds = (Date.now() - started) / 1000;
    const total = counts.creates + counts.reads + counts.lists;
    console.log(
      `nginx rolling restart: ${total} requests (${counts.creates} creates, ${counts.reads} reads, ` +
        `${counts.lists} lists) in ${seconds.toFixed(1)} s, 2 restarts (${restarts.join(', ')}), ` +
        `${failures.length} failed, ${counts.retries} create retries, ${acked.size} creates acknowledged`,
    );
    expect(
      failures.slice(0, 20),
      `${failures.length} failed; nginx said:\n${nginx?.errorLog()}`,
    ).toEqual([]);

    // Every acknowledged create is there, once.
    const rows = await t.server.db.kysely
      .selectFrom('todos')
      .select(['key', 'title'])
      .where('title', 'like', 'nginx-%')
      .execute();
    const byTitle = new Map<string, string[]>();
    for (const r of rows) byTitle.set(r.title, [...(byTitle.get(r.title) ?? []), r.key]);
    for (const [idem, key] of acked) expect(byTitle.get(idem), idem).toEqual([key]);
    const duplicated = [...byTitle].filter(([, ks]) => ks.length > 1);
    expect(duplicated).toEqual([]);
    expect(acked.size).toBeGreaterThan(50);
    // Two restarts of ~13 s each (nginx's fail_timeout) plus two node starts, which take
    // much longer on a loaded machine.
  }, 150_000);
});
