import http from 'node:http';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigError, readConfig } from '../src/platform/config.ts';
import type { Database } from '../src/platform/db/tables.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import {
  type PgCluster,
  type PgStandby,
  startPgCluster,
  startPgStandby,
} from './support/postgres-cluster.ts';
import { spawnServe } from './support/serve-process.ts';

const API = '/bzctrl-core-api/api/v1';
const ADD = `${API}/task/add-task`;
const SWA = 'IMP-NLD-EXA-SWA';

interface Ev {
  type: string;
  todo: { key: string };
}

/** One request over one of `agent`'s connections; `token` goes as a bearer token. */
function call(
  agent: http.Agent,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (token) req.setHeader('authorization', `Bearer ${token}`);
    if (body !== undefined) {
      req.setHeader('content-type', 'application/json');
      req.end(JSON.stringify(body));
    } else req.end();
  });
}

/** Waits until `ready` holds, asking every 100 ms, for at most `ms`. */
async function until(what: string, ready: () => Promise<boolean> | boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A real streaming standby of a primary of this file's own, made from the project's
// PostgreSQL binaries; PostgreSQL only (SQLite has no replicas).
describe.skipIf(!dialects.includes('postgres'))('read replicas on PostgreSQL', () => {
  let primary: PgCluster;
  let standby: PgStandby;
  /** Replicas may lag up to a minute: a paused standby keeps serving lists. */
  let wide: TestServer;
  /** Replicas may lag one second: a paused standby is soon skipped. */
  let tight: TestServer;
  /** Reads only, so its reads are never held on the primary by a write of its own. */
  let reader: string;
  /** Writes (and reads its own writes). */
  let writer: string;
  const unique = () => `replica${Math.random().toString(36).slice(2, 10)}`;

  const sqlOn = async (url: string, text: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  };
  const standbySql = (text: string) => sqlOn(standby.url, text);
  const primarySql = (text: string) => sqlOn(primary.url, text);
  const pauseReplay = async () => {
    await standbySql('select pg_wal_replay_pause()');
    await until('replay to pause', async () => {
      const [row] = await standbySql('select pg_get_wal_replay_pause_state() as s');
      return row?.s === 'paused';
    });
  };
  const resumeReplay = () => standbySql('select pg_wal_replay_resume()');

  const create = async (t: TestServer, word: string) => {
    const res = await t.request('POST', ADD, {
      token: writer,
      body: {
        todoType: 'TASK',
        domainWorkSpace: SWA,
        title: `Replica check ${word}`,
        description: `Replica check ${word}`,
        reporter: 'example@example.com',
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.key as string;
  };
  /** The keys a search for `word` lists (one word: at most the one todo made with it). */
  const listed = async (t: TestServer, token: string, word: string) => {
    const res = await t.request('GET', `${API}/todos?q=${word}`, { token });
    expect(res.status, res.text).toBe(200);
    return (res.body.items as Array<{ key: string }>).map((i) => i.key);
  };
  const feed = async (t: TestServer, query: string) => {
    const res = await t.request('GET', `${API}/events?${query}`, { token: reader });
    expect(res.status, res.text).toBe(200);
    return res.body as { items: Ev[]; next: string };
  };
  /** The feed's cursor past everything there now. */
  const feedEnd = async (t: TestServer) => {
    let after = '';
    for (;;) {
      const page = await feed(t, `limit=1000${after}`);
      if (page.items.length < 1000) return page.next;
      after = `&after=${page.next}`;
    }
  };
  /** How many requests' heavy reads the server sent `to` a replica or the primary. */
  const routed = async (t: TestServer, to: 'replica' | 'primary') => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    const m = new RegExp(`^bzctrl_db_reads_routed_total\\{to="${to}"\\} (\\d+)$`, 'm').exec(
      res.text,
    );
    return Number(m?.[1] ?? 0);
  };
  const usable = (t: TestServer) => t.server.db.replicas?.status()[0]?.usable === true;

  beforeAll(async () => {
    primary = await startPgCluster();
    standby = await startPgStandby(primary);
    const env = {
      BZCTRL_DATABASE_URL: primary.url,
      BZCTRL_DATABASE_REPLICA_URLS: standby.url,
    };
    wide = await startTestServer('postgres', {
      env: { ...env, BZCTRL_REPLICA_MAX_LAG_MS: '60000' },
    });
    // The same database, already provisioned by the first.
    tight = await startTestServer('postgres', {
      env: { ...env, BZCTRL_REPLICA_MAX_LAG_MS: '1000' },
      provision: null,
    });
    reader = await wide.login('example@example.com');
    writer = await wide.login('username@example.com');
    await until('the replica to be used', () => usable(wide) && usable(tight));
  }, 120_000);

  afterAll(async () => {
    await resumeReplay().catch(() => {});
    await tight?.close();
    await wide?.close();
    await standby?.destroy();
    await primary?.stop();
  }, 60_000);

  it('serves lists from the replica, a todo by key and the writer’s own list from the primary', async () => {
    const word = unique();
    await pauseReplay();
    try {
      const viaReplica = await routed(wide, 'replica');
      const key = await create(wide, word);
      // The replica has not replayed the create: another caller's search misses it...
      expect(await listed(wide, reader, word)).toEqual([]);
      expect(await routed(wide, 'replica')).toBeGreaterThan(viaReplica);
      // ...while the todo itself is read on the primary,
      const one = await wide.request('GET', `${API}/todos/${key}`, { token: reader });
      expect(one.status, one.text).toBe(200);
      expect(one.body.key).toBe(key);
      // and the caller who wrote it reads its own write (from the primary).
      expect(await listed(wide, writer, word)).toEqual([key]);
      const dashboard = await wide.request('GET', `${API}/dashboard`, { token: reader });
      expect(dashboard.status, dashboard.text).toBe(200);
    } finally {
      await resumeReplay();
    }
    await until('the replica to replay the create', async () => {
      return (await listed(wide, reader, word)).length === 1;
    });
  });

  it('never moves the feed’s cursor past an event the replica has not replayed', async () => {
    const start = await feedEnd(wide);
    const word = unique();
    let key: string;
    let next: string;
    await pauseReplay();
    try {
      key = await create(wide, word);
      const page = await feed(wide, `after=${start}`);
      expect(page.items.filter((e) => e.todo.key === key)).toEqual([]);
      next = page.next;
      // A long poll waits on the primary's head and reads the primary when it moves.
      const polled = await feed(wide, `after=${next}&wait=10`);
      expect(polled.items.map((e) => [e.type, e.todo.key])).toContainEqual(['todo.created', key]);
    } finally {
      await resumeReplay();
    }
    // The cursor the replica gave still leads to the event once the replica has it.
    await until('the event through the cursor', async () => {
      const page = await feed(wide, `after=${next}`);
      return page.items.some((e) => e.todo.key === key);
    });
  });

  it('skips a replica that lags beyond the bound, and uses it again once it caught up', async () => {
    const word = unique();
    await pauseReplay();
    let key: string;
    try {
      key = await create(wide, word);
      const created = Date.now();
      // Paused before the create, the replica cannot count as caught up to any moment
      // after it: one second (the bound) later it is skipped until replay resumes.
      await until(
        'the lagging replica to be skipped',
        () => !usable(tight) && Date.now() - created > 1200,
      );
      const viaPrimary = await routed(tight, 'primary');
      // Fresh: read on the primary, with no error.
      expect(await listed(tight, reader, word)).toEqual([key]);
      expect(await routed(tight, 'primary')).toBeGreaterThan(viaPrimary);
      const status = tight.server.db.replicas?.status()[0];
      expect(status?.lagMs).toBeGreaterThan(1000);
      // The gauges say so too (set by the health checker every 500 ms).
      await until('the gauges to show the lag', async () => {
        const text = (await tight.request('GET', '/metrics')).text;
        const lag = /^bzctrl_db_replica_lag_seconds\{replica="[^"]+"\} ([\d.e+-]+)$/m.exec(text);
        return /^bzctrl_db_replica_up\{replica="[^"]+"\} 0$/m.test(text) && Number(lag?.[1]) > 1;
      });
      // The server with a wider bound still reads the stale replica.
      expect(await listed(wide, reader, word)).toEqual([]);
    } finally {
      await resumeReplay();
    }
    // Within the bound again, it serves reads again (and soon has the create).
    const viaReplica = await routed(tight, 'replica');
    await until('the replica to be used again', async () => {
      if (!usable(tight)) return false;
      const keys = await listed(tight, reader, word);
      return keys.length === 1 && (await routed(tight, 'replica')) > viaReplica;
    });
    expect(await listed(tight, reader, word)).toEqual([key]);
  });

  it('keeps a caller’s reads after its write on the primary in every worker of serve --workers', async () => {
    const child = spawnServe(
      {
        BZCTRL_DATABASE_URL: primary.url,
        BZCTRL_DATABASE_REPLICA_URLS: standby.url,
        BZCTRL_REPLICA_MAX_LAG_MS: '60000',
        BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
        BZCTRL_JOBS: 'false',
      },
      ['--workers', '2'],
    );
    try {
      const url = await child.listening;
      await until('both workers to use the replica', async () => {
        const res = await fetch(`${url}/metrics`);
        return /^bzctrl_db_replica_up\{[^}]*\} 1$/m.test(await res.text());
      });
      const word = unique();
      // One connection, to whichever worker: the create goes over it while the primary
      // process (which hands out new connections and relays write notices) is stopped.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      expect((await call(agent, 'GET', `${url}/healthz`)).status).toBe(200);
      await pauseReplay();
      try {
        child.send('SIGSTOP');
        let answered = false;
        let made: Promise<{ status: number; body: string }>;
        try {
          made = call(
            agent,
            'POST',
            `${url}${ADD}`,
            {
              todoType: 'TASK',
              domainWorkSpace: SWA,
              title: `Replica check ${word}`,
              description: 'Read after write across workers',
              reporter: 'example@example.com',
            },
            writer,
          ).finally(() => {
            answered = true;
          });
          // The create commits, but its answer waits until the other worker has heard of
          // it: else the next request, on a new connection, could reach that worker first
          // and be sent to the stale replica.
          await until(
            'the create to commit',
            async () => {
              const [row] = await primarySql(
                `select count(*)::int as n from todos where title = 'Replica check ${word}'`,
              );
              return row?.n === 1;
            },
            1500,
          );
          await new Promise((r) => setTimeout(r, 100));
          expect(answered).toBe(false);
        } finally {
          child.send('SIGCONT');
        }
        const res = await made;
        expect(res.status, res.body).toBe(201);
        const key = (JSON.parse(res.body) as { key: string }).key;
        agent.destroy();
        // Fresh connections reach both workers: each one knows of the write.
        let n = 0;
        const pids = new Set<number>();
        for (let round = 0; round < 10 && pids.size < 2; round++) {
          const ids = Array.from({ length: 8 }, () => `replica-workers-${++n}`);
          const lists = await Promise.all(
            ids.map(async (id) => {
              const res = await fetch(`${url}${API}/todos?q=${word}`, {
                headers: {
                  authorization: `Bearer ${writer}`,
                  connection: 'close',
                  'x-request-id': id,
                },
              });
              expect(res.status).toBe(200);
              return ((await res.json()) as { items: Array<{ key: string }> }).items.map(
                (i) => i.key,
              );
            }),
          );
          for (const keys of lists) expect(keys).toEqual([key]);
          for (const id of ids) {
            const line = new RegExp(`"pid":(\\d+),[^\\n]*"reqId":"${id}"`).exec(child.output());
            if (line) pids.add(Number(line[1]));
          }
        }
        expect(pids.size).toBe(2);
        // Another caller is served by the (paused) replica.
        const other = await fetch(`${url}${API}/todos?q=${word}`, {
          headers: { authorization: `Bearer ${reader}` },
        });
        expect(((await other.json()) as { items: unknown[] }).items).toEqual([]);
      } finally {
        await resumeReplay();
      }
    } finally {
      await child.stop();
    }
  }, 150_000);

  it('falls back to the primary while the replica is down, and returns to it when it is back', async () => {
    // A request's reader, given the replica just before it stops.
    const pinned = wide.server.db.replicas?.readerFor('replica-test-caller');
    expect(pinned).toBeTruthy();
    await standby.stop();
    try {
      // Its next query fails there and is answered by the primary instead.
      const answered = await sql<{
        standby: boolean;
      }>`select pg_is_in_recovery() as standby`.execute(pinned as Kysely<Database>);
      expect(answered.rows).toEqual([{ standby: false }]);

      // Before or after the health check notices: every read succeeds, fresh.
      const word = unique();
      const key = await create(wide, word);
      for (const t of [wide, tight]) {
        expect(await listed(t, reader, word)).toEqual([key]);
        const dashboard = await t.request('GET', `${API}/dashboard`, { token: reader });
        expect(dashboard.status, dashboard.text).toBe(200);
        const page = await feed(t, 'limit=1000');
        expect(page.items.length).toBeGreaterThan(0);
      }
      await until('the down replica to be skipped', () => !usable(wide));
      expect(wide.server.db.replicas?.status()[0]?.problem).toBeTruthy();
      const viaPrimary = await routed(wide, 'primary');
      expect(await listed(wide, reader, word)).toEqual([key]);
      expect(await routed(wide, 'primary')).toBeGreaterThan(viaPrimary);
    } finally {
      await standby.start();
    }
    await until('the replica to come back', () => usable(wide) && usable(tight));
    const viaReplica = await routed(wide, 'replica');
    const word = unique();
    const key = await create(wide, word);
    await until('the replica to serve the new todo', async () => {
      return (await listed(wide, reader, word)).length === 1;
    });
    expect(await listed(wide, reader, word)).toEqual([key]);
    expect(await routed(wide, 'replica')).toBeGreaterThan(viaReplica);
  });
});

describe('read replica settings', () => {
  it('are refused at start with SQLite, and each URL must be PostgreSQL', () => {
    const problems = (env: Record<string, string>) => {
      try {
        readConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(
      problems({
        BZCTRL_DATABASE_URL: 'sqlite:./data/x.db',
        BZCTRL_DATABASE_REPLICA_URLS: 'postgres://u@127.0.0.1:5433/b',
      }),
    ).toEqual([expect.stringMatching(/^BZCTRL_DATABASE_REPLICA_URLS needs a PostgreSQL/)]);
    expect(
      problems({
        BZCTRL_DATABASE_URL: 'postgres://u@127.0.0.1:5432/b',
        BZCTRL_DATABASE_REPLICA_URLS: 'postgres://u@127.0.0.1:5433/b, mysql://h/b',
      }),
    ).toEqual([
      'BZCTRL_DATABASE_REPLICA_URLS: entry 2 must be postgres://user:password@host:port/database',
    ]);
    const fine = readConfig({
      BZCTRL_DATABASE_URL: 'postgres://u@127.0.0.1:5432/b',
      BZCTRL_DATABASE_REPLICA_URLS: ' postgres://u@127.0.0.1:5433/b ,postgres://u@127.0.0.1:5434/b',
    });
    expect(fine.databaseReplicaUrls).toEqual([
      'postgres://u@127.0.0.1:5433/b',
      'postgres://u@127.0.0.1:5434/b',
    ]);
    expect(fine.replicaMaxLagMs).toBe(2000);
    expect(readConfig({}).databaseReplicaUrls).toEqual([]);
  });
});
