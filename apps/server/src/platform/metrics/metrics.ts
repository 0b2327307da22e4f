import cluster from 'node:cluster';
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import type { DbObserver } from '../db/database.ts';

/**
 * The server's Prometheus metrics (SPEC §9), on a registry of its own per app, so several
 * apps in one process (the tests) do not share counters. Every name starts `bzctrl_`;
 * the process metrics keep prom-client's names (`process_…`, `nodejs_…`).
 */
export interface Metrics {
  readonly registry: Registry;
  /** One answered HTTP request: its route pattern (never the raw URL), method and status. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** A todo created through a dialect (`ctx.via`: bzctrl, short, itsm, native, web…). */
  todoCreated(via: string): void;
  /** A sign-in whose secret was wrong, or one refused by the throttle. */
  signIn(outcome: 'failed' | 'throttled', endpoint: 'token' | 'session'): void;
  /** For openDatabase: query times and write batch sizes. */
  readonly db: DbObserver;
  /** The exposition text: this process's figures, or the whole cluster's in a worker. */
  scrape(): Promise<string>;
  /** Adds gauges read when Prometheus scrapes (queue depths): one query each. */
  gaugeOnScrape(name: string, help: string, read: () => Promise<number>): void;
}

/** Seconds: 1 ms to 10 s, for requests. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: 50 µs to 1 s, for single queries. */
const QUERY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 1];
/** Transactions per COMMIT. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, event-loop lag, GC), once per process: they
 * describe the process, not one app, and each collection keeps its own sampling timers.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'bzctrl_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'bzctrl_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const creates = new Counter({
    name: 'bzctrl_todos_created_total',
    help: 'Todos created, by the dialect they came through',
    labelNames: ['dialect'] as const,
    registers: [registry],
  });
  const signInFailures = new Counter({
    name: 'bzctrl_login_failures_total',
    help: 'Sign-ins refused for a wrong secret, by endpoint (token, session)',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const signInThrottled = new Counter({
    name: 'bzctrl_login_throttled_total',
    help: 'Sign-ins refused by the sign-in throttle (429), by endpoint (token, session)',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const queries = new Histogram({
    name: 'bzctrl_db_query_duration_seconds',
    help: 'Time of each database query run through Kysely',
    buckets: QUERY_BUCKETS,
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'bzctrl_db_write_batch_size',
    help: 'SQLite: transactions committed together by one COMMIT of the write batch',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const replicaUp = new Gauge({
    name: 'bzctrl_db_replica_up',
    help: 'Read replicas: 1 while the replica serves reads (up, within the lag bound), else 0',
    labelNames: ['replica'] as const,
    aggregator: 'min',
    registers: [registry],
  });
  const replicaLag = new Gauge({
    name: 'bzctrl_db_replica_lag_seconds',
    help: 'Read replicas: how far replay is behind the primary, by WAL position, at the last check',
    labelNames: ['replica'] as const,
    aggregator: 'max',
    registers: [registry],
  });
  const routed = new Counter({
    name: 'bzctrl_db_reads_routed_total',
    help: 'Read replicas: requests whose heavy reads (list, search, dashboard, feed) went to a replica or to the primary',
    labelNames: ['to'] as const,
    registers: [registry],
  });
  for (const endpoint of ['token', 'session']) {
    // Present from the start, so a rate() has its zero.
    signInFailures.inc({ endpoint }, 0);
    signInThrottled.inc({ endpoint }, 0);
  }
  // In a worker of `serve --workers`, the primary collects this registry from every
  // worker (AggregatorRegistry) when any of them is scraped.
  if (cluster.isWorker) {
    // Constructing one installs prom-client's answering listener in this worker.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([processMetrics(), registry]);
  }
  return {
    registry,
    // Merged at each scrape, so gauges added after this are in it too.
    scrape: () =>
      cluster.isWorker ? askPrimary() : Registry.merge([processMetrics(), registry]).metrics(),
    request: (route, method, status, seconds) => {
      const labels = { route, method, status: String(status) };
      requests.inc(labels);
      durations.observe(labels, seconds);
    },
    todoCreated: (via) => creates.inc({ dialect: via }),
    signIn: (outcome, endpoint) =>
      (outcome === 'failed' ? signInFailures : signInThrottled).inc({ endpoint }),
    db: {
      query: (seconds) => queries.observe(seconds),
      writeBatch: (n) => batches.observe(n),
      replicas: {
        replica: (replica, usable, lagSeconds) => {
          replicaUp.set({ replica }, usable ? 1 : 0);
          replicaLag.set({ replica }, lagSeconds);
        },
        routed: (to) => routed.inc({ to }),
      },
    },
    gaugeOnScrape: (name, help, read) => {
      new Gauge({
        name,
        help,
        registers: [registry],
        // Every worker reads the same shared queue: the cluster's figure is one of them.
        aggregator: 'max',
        async collect() {
          try {
            this.set(await read());
          } catch {
            // The database is away (/readyz says so): the scrape still answers, and the
            // gauge keeps its last value.
          }
        },
      });
    },
  };
}

interface MetricsAsk {
  bzctrl: 'metrics?';
  id: number;
}
interface MetricsAnswer {
  bzctrl: 'metrics';
  id: number;
  text?: string;
  error?: string;
}

let asked = 0;

/** In a worker: the cluster's figures, aggregated by the primary (serveClusterMetrics). */
function askPrimary(): Promise<string> {
  const id = ++asked;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', listen);
      reject(new Error('the primary did not answer for the cluster metrics'));
    }, 10_000);
    const listen = (m: unknown) => {
      const a = m as MetricsAnswer;
      if (a?.bzctrl !== 'metrics' || a.id !== id) return;
      clearTimeout(timer);
      process.off('message', listen);
      if (a.text === undefined) reject(new Error(a.error ?? 'no cluster metrics'));
      else resolve(a.text);
    };
    process.on('message', listen);
    process.send?.({ bzctrl: 'metrics?', id } satisfies MetricsAsk);
  });
}

/**
 * In the primary of `serve --workers`: answers a worker that was scraped with the sum of
 * every worker's registry (prom-client's AggregatorRegistry asks each of them).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: unknown) => {
    const ask = m as MetricsAsk;
    if (ask?.bzctrl !== 'metrics?') return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ bzctrl: 'metrics', id: ask.id, text } satisfies MetricsAnswer),
      (err: Error) =>
        worker.send({ bzctrl: 'metrics', id: ask.id, error: err.message } satisfies MetricsAnswer),
    );
  });
}
