import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';
import { parseExposition, sampleValue } from './support/prometheus.ts';
import { spawnServe } from './support/serve-process.ts';

/**
 * `bzctrl serve --workers N`: N processes share the port, a worker that dies is replaced,
 * and SIGTERM to the primary stops them all.
 */

async function until<T>(what: string, find: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve --workers, refused where it cannot work', () => {
  it('names a bad count, and SQLite, which takes one process per file', async () => {
    const bad = spawnServe({}, ['--workers', 'two']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain('--workers must be a whole number from 1 to 64 (got "two")');

    const sqlite = spawnServe({ BZCTRL_DATABASE_URL: 'sqlite::memory:' }, ['--workers', '2']);
    expect((await sqlite.exited).code).toBe(1);
    expect(sqlite.output()).toContain('above 1 needs PostgreSQL');
  }, 60_000);
});

describe.each(dialects.filter((d) => d === 'postgres'))('serve --workers 2 on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves from two processes, replaces a killed one, and stops all on SIGTERM', async () => {
    const child = spawnServe(
      {
        BZCTRL_DATABASE_URL: t.databaseUrl,
        BZCTRL_PUBLIC_URL: 'https://bzctrl.test',
        BZCTRL_LOG_LEVEL: 'info',
        BZCTRL_JOBS: 'false',
      },
      ['--workers', '2'],
    );
    const url = await child.listening;
    const said = /with 2 worker processes \(pids (\d+), (\d+); primary (\d+)\)/.exec(
      child.output(),
    );
    expect(said, child.output()).not.toBeNull();
    const pids = [Number(said?.[1]), Number(said?.[2])];
    expect(child.output().match(/BzCtrl listening on/g)).toHaveLength(1);

    /** The pids that answered a burst of requests on fresh connections, from their log. */
    let n = 0;
    const answeringPids = async (): Promise<Set<number>> => {
      const ids = Array.from({ length: 16 }, () => `workers-${++n}`);
      const statuses = await Promise.all(
        ids.map(async (id) => {
          const res = await fetch(`${url}/readyz`, { headers: { 'x-request-id': id } });
          return res.status;
        }),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      const out = child.output();
      const seen = new Set<number>();
      for (const id of ids) {
        const line = new RegExp(`"pid":(\\d+),[^\\n]*"reqId":"${id}"`).exec(out);
        if (line) seen.add(Number(line[1]));
      }
      return seen;
    };
    let seen = new Set<number>();
    for (let i = 0; i < 10 && seen.size < 2; i++) {
      for (const pid of await answeringPids()) seen.add(pid);
    }
    expect([...seen].sort()).toEqual([...pids].sort());

    // A scrape on any worker counts the whole cluster's requests: every /readyz above.
    const readyz = { route: '/readyz', method: 'GET', status: '200' };
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/metrics`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      const scraped = parseExposition(await res.text());
      expect(sampleValue(scraped, 'bzctrl_http_requests_total', readyz)).toBe(n);
      expect(sampleValue(scraped, 'bzctrl_webhook_queue_depth')).toBe(0);
    }

    // A worker killed outright is replaced; the port keeps answering meanwhile.
    const [victim, survivor] = pids as [number, number];
    process.kill(victim, 'SIGKILL');
    const replacement = await until('a replacement worker', () => {
      const m = /worker \d+ \(pid (\d+)\) listening/.exec(child.output());
      return m ? Number(m[1]) : undefined;
    });
    expect(child.output()).toMatch(
      new RegExp(`worker \\d+ \\(pid ${victim}\\) was killed by SIGKILL; starting another in`),
    );
    expect(replacement).not.toBe(victim);
    seen = new Set<number>();
    for (let i = 0; i < 10 && seen.size < 2; i++) {
      for (const pid of await answeringPids()) seen.add(pid);
    }
    expect([...seen].sort()).toEqual([survivor, replacement].sort());

    // SIGTERM to the primary stops every worker, each closing gracefully.
    await child.stop();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect([survivor, replacement].filter(alive)).toEqual([]);
    expect(child.output().match(/"msg":"shut down"/g)).toHaveLength(2);
  }, 120_000);
});
