/**
 * What events cost and how fast they arrive (issue 14): `npm run bench:events`.
 *
 * 1. Create throughput: add-task at BENCH_CONNECTIONS (default 8) on the real server,
 *    (a) with no webhook subscription, (b) with one active subscription whose receiver
 *    (an HTTP server in this process) answers 204, alternated twice so drift hits both;
 *    and, with BENCH_BASELINE_ROOT (another checkout of BzCtrl built before events, with
 *    its node_modules), (c) that build on its own database, to price the event insert
 *    itself.
 * 2. Delivery lag at a steady BENCH_RATE creates/s (default 100) for BENCH_DURATION
 *    seconds: from a create's 201 to its `todo.created` event reaching a long-polling
 *    feed reader, and the webhook receiver, p50/p99.
 *
 * Environment: BENCH_DURATION (10), BENCH_WARMUP (2), BENCH_CONNECTIONS (8), BENCH_RATE
 * (100), BENCH_DATABASE_URL (see support.ts), BENCH_BASELINE_ROOT.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateProvisionDoc } from '../apps/server/src/core/provisioning/provision.service.ts';
import { ADD_TASK, body, provisioning, REPORTER } from './fixture.ts';
import {
  cleanups,
  connectionCountsEnv,
  createDatabase,
  disturbedRun,
  fmt,
  login,
  type Measured,
  measure,
  positiveEnv,
  prepareDatabase,
  printMachine,
  processTree,
  runBenchmark,
  settle,
  startServe,
  verdict,
} from './support.ts';

const API = '/bzctrl-core-api/api/v1';
const ADMIN = { email: 'bench-admin@vtti.com', password: 'Bench-admin-pass-1' };
const world = validateProvisionDoc({
  ...provisioning,
  users: [
    ...(provisioning.users ?? []),
    { email: ADMIN.email, name: 'Bench Admin', password: ADMIN.password, role: 'admin' },
  ],
});

const duration = positiveEnv('BENCH_DURATION', 10);
const warmup = positiveEnv('BENCH_WARMUP', 2);
const [connections = 8] = connectionCountsEnv('8');
const rate = positiveEnv('BENCH_RATE', 100);
const baselineRoot = process.env.BENCH_BASELINE_ROOT;
const timing = { warmup, duration };

/** A webhook receiver: answers 204 and notes when each todo's created event arrived. */
async function startReceiver() {
  const arrived = new Map<string, number>();
  let received = 0;
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      text += d;
    });
    req.on('end', () => {
      received++;
      try {
        const event = JSON.parse(text) as { type?: string; todo?: { key?: string } };
        if (event.type === 'todo.created' && event.todo?.key) {
          arrived.set(event.todo.key, performance.now());
        }
      } catch {
        // A test ping or anything else: counted only.
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, arrived, received: () => received };
}

async function subscribe(baseUrl: string, url: string): Promise<string | undefined> {
  const token = await login(baseUrl, ADMIN);
  const res = await fetch(`${baseUrl}${API}/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, events: ['todo.*'] }),
  });
  if (res.status === 404) return undefined;
  const text = await res.text();
  if (res.status !== 201) throw new Error(`subscribing answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { id: string | number }).id.toString();
}

async function unsubscribe(baseUrl: string, id: string): Promise<void> {
  const token = await login(baseUrl, ADMIN);
  const res = await fetch(`${baseUrl}${API}/webhooks/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status >= 300) throw new Error(`unsubscribing answered ${res.status}`);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function createLoad(baseUrl: string, pid: number, token: string): Promise<Measured> {
  const [m] = await measure(
    [
      {
        baseUrl,
        paths: [ADD_TASK],
        connections,
        headers: { authorization: `Bearer ${token}` },
        method: 'POST',
        body,
      },
    ],
    { pids: processTree(pid) },
    timing,
  );
  if (!m) throw new Error('the run measured nothing');
  await settle();
  return m;
}

const line = (label: string, m: Measured) =>
  `${label}: ${fmt(m.rps)} creates/s, p50 ${fmt(m.p50)} p99 ${fmt(m.p99)} ms, ` +
  `${m.failures} failures, CPU ${fmt(m.cpuUs)} µs/create${disturbedRun(m, 'sqlite server') ? ' (DISTURBED)' : ''}`;

async function main(): Promise<void> {
  printMachine('BzCtrl events benchmark');
  const database = await createDatabase('bzctrl-bench-events-');
  console.log(`database: ${database.label}`);
  console.log(
    `runs: ${duration} s after ${warmup} s warm-up, ${connections} connections; lag at ${rate} creates/s\n`,
  );
  await prepareDatabase(database.url, world);
  const receiver = await startReceiver();
  const server = await startServe(database.url, database.dir, {
    env: { BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  const token = await login(server.url, REPORTER);

  // 1. Throughput without and with one subscription, alternated.
  const without: Measured[] = [];
  const withHook: Measured[] = [];
  let hooksExist = true;
  for (let round = 0; round < 2; round++) {
    without.push(await createLoad(server.url, server.pid, token));
    console.log(line(`round ${round + 1}, no subscription`, without.at(-1) as Measured));
    const id = await subscribe(server.url, receiver.url);
    if (id === undefined) {
      hooksExist = false;
      console.log('this build has no webhooks: the subscription runs are left out');
      break;
    }
    withHook.push(await createLoad(server.url, server.pid, token));
    console.log(line(`round ${round + 1}, one subscription`, withHook.at(-1) as Measured));
    await unsubscribe(server.url, id);
  }
  let baseline: Measured | undefined;
  if (baselineRoot) {
    // The older build gets a database of its own, migrated and provisioned by itself.
    const file = join(database.dir, 'baseline.db');
    const doc = join(database.dir, 'baseline.provision.json');
    writeFileSync(doc, JSON.stringify(world));
    const env = { ...process.env, BZCTRL_DATABASE_URL: `sqlite:${file}` };
    const bin = join(baselineRoot, 'apps/server/bin/bzctrl.js');
    execFileSync(process.execPath, [bin, 'migrate'], { env, cwd: baselineRoot });
    execFileSync(process.execPath, [bin, 'provision', doc], { env, cwd: baselineRoot });
    const old = await startServe(`sqlite:${file}`, database.dir, { root: baselineRoot });
    baseline = await createLoad(old.url, old.pid, await login(old.url, REPORTER));
    console.log(line(`baseline build (${baselineRoot})`, baseline));
    await old.stop();
  }

  // 2. Lag at a steady rate: a long-polling reader and (when there are webhooks) the receiver.
  const hookId = hooksExist ? await subscribe(server.url, receiver.url) : undefined;
  receiver.arrived.clear();
  const acked = new Map<string, number>();
  const read = new Map<string, number>();
  const stop = new AbortController();
  const start = await (
    await fetch(`${server.url}${API}/events?limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  let after = (start as { next: string }).next;
  for (;;) {
    const page = (await (
      await fetch(`${server.url}${API}/events?limit=1000&after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { items: unknown[]; next: string };
    after = page.next;
    if (page.items.length < 1000) break;
  }
  const reader = (async () => {
    while (!stop.signal.aborted) {
      const res = await fetch(`${server.url}${API}/events?wait=5&limit=1000&after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: stop.signal,
      }).catch(() => undefined);
      if (!res) return;
      const page = (await res.json()) as {
        items: Array<{ type: string; todo: { key: string } }>;
        next: string;
      };
      const now = performance.now();
      for (const e of page.items) if (e.type === 'todo.created') read.set(e.todo.key, now);
      after = page.next;
    }
  })();
  const total = rate * duration;
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      fetch(`${server.url}${ADD_TASK}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      }).then(async (res) => {
        const text = await res.text();
        if (res.status === 201)
          acked.set((JSON.parse(text) as { key: string }).key, performance.now());
      }),
    );
  }
  await Promise.all(inFlight);
  const deadline = performance.now() + 10_000;
  while (
    (read.size < acked.size || (hookId && receiver.arrived.size < acked.size)) &&
    performance.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  stop.abort();
  await reader;
  const lags = (arrivals: Map<string, number>) =>
    [...acked].map(([key, at]) => (arrivals.get(key) ?? Number.NaN) - at).sort((a, b) => a - b);
  const feedLag = lags(read);
  const hookLag = lags(receiver.arrived);
  const missing = (m: Map<string, number>) => [...acked.keys()].filter((k) => !m.has(k)).length;
  console.log(
    `\nlag at ${rate} creates/s (${acked.size} acknowledged creates over ${duration} s):\n` +
      `  feed long-poll: p50 ${fmt(percentile(feedLag, 50), 1)} ms, p99 ${fmt(percentile(feedLag, 99), 1)} ms, ` +
      `max ${fmt(feedLag.at(-1) ?? Number.NaN, 1)} ms, ${missing(read)} never arrived`,
  );
  if (hookId) {
    console.log(
      `  webhook:        p50 ${fmt(percentile(hookLag, 50), 1)} ms, p99 ${fmt(percentile(hookLag, 99), 1)} ms, ` +
        `max ${fmt(hookLag.at(-1) ?? Number.NaN, 1)} ms, ${missing(receiver.arrived)} never arrived`,
    );
  }

  const mean = (ms: Measured[]) => ms.reduce((n, m) => n + m.rps, 0) / Math.max(1, ms.length);
  console.log('\ntargets:');
  if (withHook.length > 0) {
    const ratio = mean(withHook) / mean(without);
    console.log(
      `  creates with one subscription ≥ 90% of without: ${fmt(ratio * 100, 1)}% → ${verdict(ratio >= 0.9)}`,
    );
  }
  if (baseline) {
    const ratio = mean(without) / baseline.rps;
    console.log(
      `  creates with events ≥ 90% of the build without events: ${fmt(ratio * 100, 1)}% → ${verdict(ratio >= 0.9)}`,
    );
  }
  const worst = Math.max(percentile(feedLag, 99), hookId ? percentile(hookLag, 99) : 0);
  console.log(
    `  lag p99 ≤ 200 ms at ${rate} creates/s: ${fmt(worst, 1)} ms → ${verdict(worst <= 200)}`,
  );
  await server.stop();
}

await runBenchmark(main);
