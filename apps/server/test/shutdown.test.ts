import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { startServer } from '../src/server.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { spawnServe } from './support/serve-process.ts';

/**
 * SIGTERM stops a server gracefully: it accepts nothing new, answers every request it had
 * accepted (or refuses one it had not started with a 503 that says to send it again),
 * waits for handlers whose client went away, and closes the database last.
 */

const API = '/bzctrl-core-api/api/v1';
const WORKERS = 12;

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

describe.each(dialects)('graceful shutdown on %s', (dialect) => {
  let t: TestServer;
  let dataDir: string;
  let member: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bzctrl-shutdown-'));
    t = await startTestServer(dialect, { env: { BZCTRL_DATA_DIR: dataDir } });
    member = await t.login('example@example.com');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = (title: string) =>
    JSON.stringify({ todoType: 'TASK', workspace: 'IMP-NLD-EXA-SWA', title, description: 'd' });

  it('finishes an accepted request, refuses a new one with 503, then closes the database', async () => {
    // A server of its own on the same database, so closing it leaves `t` running.
    const own = await startServer(
      readConfig({
        BZCTRL_DATABASE_URL: t.databaseUrl,
        BZCTRL_DATA_DIR: dataDir,
        BZCTRL_PORT: '0',
        BZCTRL_LOG_LEVEL: 'silent',
        BZCTRL_JOBS: 'false',
      }),
    );
    const { port } = new URL(own.url.replace('[::1]', '127.0.0.1'));
    const body = create('accepted before SIGTERM');
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      answer += d;
    });
    const ended = new Promise<void>((res) => socket.on('close', () => res()));
    // The request arrives and starts; half its body is still on the way.
    socket.write(
      `POST ${API}/todos HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${member}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body.slice(0, 10),
    );
    await until('the request to be in flight', () => own.inFlight() === 1);
    // Another client is still sending its request's first line: not read, so not waited for.
    const slow = connect(Number(port), '127.0.0.1');
    const slowEnded = new Promise<void>((res) => slow.on('close', () => res()));
    slow.on('error', () => undefined);
    slow.write('POST /bzctrl-core-api/api/v1/todos HTTP/1.1\r\nHost: x\r\n');

    let closed = false;
    const closing = own.close().then(() => {
      closed = true;
    });
    // A request that arrives now is refused, in problem details, with a hint to retry.
    const refused = await own.app.inject({ method: 'GET', url: '/readyz' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 503, code: 'unavailable' });
    expect(closed).toBe(false);

    // The accepted one is answered in full, and its connection closes after it.
    socket.write(body.slice(10));
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    await closing;
    await slowEnded;
    expect(own.inFlight()).toBe(0);

    const db = openDatabase(t.databaseUrl);
    try {
      const row = await db.kysely
        .selectFrom('todos')
        .select('title')
        .where('title', '=', 'accepted before SIGTERM')
        .executeTakeFirst();
      expect(row?.title).toBe('accepted before SIGTERM');
    } finally {
      await db.close();
    }
  });

  it('drains after SIGTERM: /readyz 503 at once, requests still served, then exits 0', async () => {
    const child = spawnServe({
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_DATA_DIR: dataDir,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_JOBS: 'false',
      BZCTRL_DRAIN_SECONDS: '2',
    });
    const url = await child.listening;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const signalled = Date.now();
    child.send('SIGTERM');
    // The signal is handled once the log says so; until then /readyz may still be 200.
    await until('the drain to start', () => child.output().includes('"msg":"draining'));
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await ready.json()).toMatchObject({ status: 503, code: 'unavailable', draining: true });

    // Everything else is served as usual, a write included.
    const created = await fetch(`${url}${API}/todos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: create('created while draining'),
    });
    expect(created.status).toBe(201);
    expect(Date.now() - signalled).toBeLessThan(2_000);

    // Then it stops by itself, no sooner than the drain allows, and cleanly.
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(2_000);
    expect(child.output()).toMatch(/"msg":"shut down"/);
    expect(child.output()).not.toMatch(/"level":(50|60)/);
  }, 60_000);

  it('answers every accepted request under load, keeps every 2xx and exits 0', async () => {
    const env = {
      BZCTRL_DATABASE_URL: t.databaseUrl,
      BZCTRL_DATA_DIR: dataDir,
      BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
      BZCTRL_LOG_LEVEL: 'info',
      BZCTRL_RATE_LIMIT: '1000000',
    };
    const child = spawnServe(env);
    const url = await child.listening;

    interface Sent {
      id: string;
      title: string;
      status: number | null;
      body: string;
      retryAfter: string | null;
      error: string | null;
      /** The client gave up after sending (went away); its answer is not awaited. */
      abandoned: boolean;
    }
    const sent: Sent[] = [];
    let n = 0;
    let running = true;
    const worker = async (w: number) => {
      // Every third worker leaves some of its requests before the answer comes.
      const leaves = w % 3 === 2;
      while (running) {
        const id = `shutdown-${dialect}-${++n}`;
        const abandoned = leaves && n % 2 === 0;
        const r: Sent = {
          id,
          title: id,
          status: null,
          body: '',
          retryAfter: null,
          error: null,
          abandoned,
        };
        sent.push(r);
        try {
          const res = await fetch(`${url}${API}/todos`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${member}`,
              'content-type': 'application/json',
              'x-request-id': id,
            },
            body: create(id),
            signal: AbortSignal.timeout(abandoned ? 1 + (n % 7) : 30_000),
          });
          r.status = res.status;
          r.retryAfter = res.headers.get('retry-after');
          r.body = await res.text();
        } catch (err) {
          const e = err as Error & { cause?: { code?: string } };
          r.error = e.cause?.code ?? e.name;
          // Refused: the server stopped accepting; this worker is done.
          if (r.error === 'ECONNREFUSED') return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await until(
      'some creates',
      () => sent.filter((r) => r.status === 201).length >= 50,
      60_000,
    ).catch((err: Error) => {
      const other = sent.find((r) => r.status !== null && r.status !== 201);
      throw new Error(`${err.message}: ${other?.status} ${other?.body}\n${child.output()}`);
    });
    await new Promise((res) => setTimeout(res, Math.floor(Math.random() * 200)));
    const signalled = Date.now();
    const exit = child.stop();
    await exit;
    const shutdownMs = Date.now() - signalled;
    running = false;
    await load;
    const { code, signal } = await child.exited;
    const log = child.output();

    // What the server says it started (Fastify logs every request it reads).
    const started = new Set(
      [...log.matchAll(/"reqId":"(shutdown-[^"]+)"[^\n]*"msg":"incoming request"/g)].map(
        (m) => m[1],
      ),
    );
    const kept = sent.filter((r) => !r.abandoned);
    const unanswered = kept.filter((r) => r.status === null);
    const statuses: Record<string, number> = {};
    for (const r of sent) {
      const k = r.abandoned ? 'abandoned' : String(r.status ?? r.error);
      statuses[k] = (statuses[k] ?? 0) + 1;
    }
    const closeMs = /"ms":(\d+),"msg":"shut down"/.exec(log)?.[1];
    console.log(
      `${dialect}: ${sent.length} requests; SIGTERM to exit ${shutdownMs} ms (closing took ` +
        `${closeMs} ms); ${JSON.stringify(statuses)}; ${started.size} read by the server`,
    );

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // An answer for every request the server had read: a success, or a 503 to retry.
    expect(unanswered.filter((r) => started.has(r.id)).map((r) => [r.id, r.error])).toEqual([]);
    expect(kept.filter((r) => r.status !== null && r.status !== 201 && r.status !== 503)).toEqual(
      [],
    );
    for (const r of kept.filter((x) => x.status === 503)) {
      expect(r.retryAfter).toBe('1');
      expect(JSON.parse(r.body)).toMatchObject({ status: 503, code: 'unavailable' });
    }
    // No request ran into a closed database, and nothing else went wrong.
    expect(log).not.toMatch(/"level":(50|60)/);
    expect(log).not.toMatch(/not open|closed database|pool after calling end|has been closed/i);
    expect(log).toMatch(/"msg":"shut down"/);

    // Every 2xx is stored, and a 503 or an unread request changed nothing.
    const restarted = spawnServe(env);
    await restarted.listening;
    await restarted.stop();
    const titles = new Set(
      (
        await t.server.db.kysely
          .selectFrom('todos')
          .select('title')
          .where('title', 'like', `shutdown-${dialect}-%`)
          .execute()
      ).map((r) => r.title),
    );
    const created = kept.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((r) => !titles.has(r.title)).map((r) => r.id)).toEqual([]);
    expect(kept.filter((r) => r.status !== 201 && titles.has(r.title)).map((r) => r.id)).toEqual(
      [],
    );
  }, 180_000);
});
