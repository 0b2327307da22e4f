import cluster, { type Worker } from 'node:cluster';
import { relayReplicaWrites } from './platform/db/replicas.ts';
import { serveClusterMetrics } from './platform/metrics/metrics.ts';

/**
 * `serve --workers N`: N processes share the port (node:cluster hands each new connection
 * to the next worker). The primary migrates and prepares the database once, then only
 * supervises: it starts the workers, replaces one that dies, and forwards SIGTERM/SIGINT.
 */

/** A worker that dies before it listens, this many times in a row, stops the whole server. */
const START_FAILURES_ALLOWED = 3;
/** A primary whose workers do not stop after SIGTERM (and their drain) kills them after this. */
const STOP_GRACE_MS = 15_000;

interface Listening {
  bzctrl: 'listening';
  url: string;
}

const isListening = (m: unknown): m is Listening =>
  typeof m === 'object' && m !== null && (m as Listening).bzctrl === 'listening';

/** In a worker: tells the primary that this worker listens on `url`. */
export function reportListening(url: string): void {
  process.send?.({ bzctrl: 'listening', url } satisfies Listening);
}

export interface Supervision {
  /** Resolves once all `count` first workers listen, with the address they share. */
  listening: Promise<string>;
  /** Resolves when every worker has stopped: the primary's exit code. */
  stopped: Promise<number>;
}

/**
 * In the primary: starts `count` workers (each runs this same command) and keeps them
 * running. A worker that dies unexpectedly is replaced after a pause that doubles with
 * each death in the last minute (1 s, 2 s, 4 s … at most 30 s), so a crash loop does not
 * spin. Workers that die before listening three times in a row stop the server (exit 1).
 */
export function superviseWorkers(
  count: number,
  say: (line: string) => void,
  drainMs = 0,
): Supervision {
  let stopping = false;
  let exitCode = 0;
  let startFailures = 0;
  let started = 0;
  const deaths: number[] = [];
  const live = new Map<Worker, { n: number; listening: boolean }>();
  let announce: (url: string) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  let finish: (code: number) => void = () => undefined;
  const listening = new Promise<string>((res, rej) => {
    announce = res;
    fail = rej;
  });
  const stopped = new Promise<number>((res) => {
    finish = res;
  });
  let announced = false;

  const stop = (signal: NodeJS.Signals) => {
    // Each worker drains on its own first SIGTERM and ends its drain early on a second
    // one, so a signal is passed on as it came, every time.
    for (const worker of live.keys()) worker.process.kill(signal);
    if (stopping) return;
    stopping = true;
    if (live.size === 0) finish(exitCode);
    const graceMs = STOP_GRACE_MS + (signal === 'SIGTERM' ? drainMs : 0);
    const force = setTimeout(() => {
      say(`workers still running ${graceMs / 1000} s after ${signal}; killing them`);
      exitCode = 1;
      for (const worker of live.keys()) worker.process.kill('SIGKILL');
    }, graceMs);
    force.unref();
  };

  const fork = () => {
    const n = ++started;
    const worker = cluster.fork();
    const state = { n, listening: false };
    live.set(worker, state);
    worker.on('message', (m: unknown) => {
      if (!isListening(m)) return;
      state.listening = true;
      startFailures = 0;
      if (announced) {
        say(`worker ${n} (pid ${worker.process.pid}) listening`);
      } else if ([...live.values()].filter((s) => s.listening).length === count) {
        announced = true;
        announce(m.url);
      }
    });
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (live.size === 0) finish(exitCode);
        return;
      }
      if (!state.listening) startFailures++;
      if (startFailures >= START_FAILURES_ALLOWED) {
        say(`worker ${n} ${how} before listening, ${startFailures} times in a row; stopping`);
        exitCode = 1;
        fail(new Error('the workers did not start'));
        // No drain: the server never got ready.
        stop('SIGINT');
        return;
      }
      const now = Date.now();
      deaths.push(now);
      while ((deaths[0] ?? now) < now - 60_000) deaths.shift();
      const delayMs = Math.min(30_000, 500 * 2 ** deaths.length);
      say(
        `worker ${n} (pid ${worker.process.pid}) ${how}; starting another in ${delayMs / 1000} s`,
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, delayMs);
    });
  };

  serveClusterMetrics();
  relayReplicaWrites();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i++) fork();
  // A caller that only waits for `stopped` must not see an unhandled rejection.
  listening.catch(() => undefined);
  return { listening, stopped };
}

/** Whether this process is a worker started by `superviseWorkers`. */
export const isWorker = (): boolean => cluster.isWorker;

/** The pids of the workers now running (for the primary's own lines). */
export function workerPids(): number[] {
  return Object.values(cluster.workers ?? {}).flatMap((w) =>
    w?.process.pid ? [w.process.pid] : [],
  );
}
