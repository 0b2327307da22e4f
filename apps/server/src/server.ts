import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type BuildOptions, buildApp } from './app.ts';
import { authSweep } from './core/access/token-sweep.ts';
import { lifecycleJobs } from './core/lifecycle/lifecycle.run.ts';
import { webhookDelivery } from './core/webhooks/webhooks.worker.ts';
import type { Config } from './platform/config.ts';
import { walCheckpointer } from './platform/db/checkpointer.ts';
import { type Db, openDatabase } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { AppError } from './platform/errors.ts';
import { problemBody } from './platform/http/problem.ts';
import { createMetrics } from './platform/metrics/metrics.ts';
import { startScheduler } from './platform/scheduler.ts';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  /** Requests the server has accepted and not yet finished (their client may have left). */
  inFlight(): number;
  /** Those requests, described (method, path, age), for a report of a stop that waits. */
  inFlightRequests(): string[];
  /** From now on /readyz answers 503 (draining); everything else is served as before. */
  unready(): void;
  /**
   * Stops accepting and refuses (503) every request that has not started, waits for the
   * requests and background jobs that have, then closes the database, last.
   */
  close(): Promise<void>;
}

export interface StartOptions extends BuildOptions {
  /**
   * Runs on the migrated database before the port opens (provisioning, the first
   * administrator), so no request sees a half-prepared system. If it throws, nothing
   * listens and the database is closed.
   */
  prepare?: (db: Db, app: FastifyInstance) => Promise<void>;
  /** False in a worker of `serve --workers N`: its primary migrated and prepared already. */
  migrate?: boolean;
}

/** Opens and migrates the database, builds the app, prepares it and listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  let app: FastifyInstance | undefined;
  const metrics = options.metrics ?? createMetrics();
  const db = openDatabase(config.databaseUrl, {
    observe: metrics.db,
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.dbPoolSize,
    onIdleError: (err) => app?.log.warn({ err }, 'an idle database connection was dropped'),
    replicas: {
      urls: config.databaseReplicaUrls,
      maxLagMs: config.replicaMaxLagMs,
      onChange: (replica, usable, reason) =>
        usable
          ? app?.log.info({ replica }, reason)
          : app?.log.warn({ replica, reason }, 'replica skipped: reads go to the primary'),
    },
  });
  try {
    if (options.migrate !== false) await migrateToLatest(db);
    const stopping = new AbortController();
    const unready = new AbortController();
    app = await buildApp(config, db, {
      ...options,
      metrics,
      stopping: stopping.signal,
      unready: unready.signal,
    });
    const requests = trackRequests(app, unready.signal);
    await options.prepare?.(db, app);
    const address = await app.listen({ host: config.host, port: config.port });
    const listening = app;
    const checkpointer = walCheckpointer(db, app.log);
    const stopTimers = startScheduler(app.log, [
      authSweep(db, config, app.log),
      ...(config.jobsEnabled
        ? [
            lifecycleJobs(db, config, app.log),
            webhookDelivery(db, config, app.log, () =>
              openDatabase(config.databaseUrl, { poolSize: 4 }),
            ),
          ]
        : []),
      ...(checkpointer ? [checkpointer] : []),
    ]);
    const shutDown = async () => {
      unready.abort();
      requests.drain();
      stopping.abort();
      // No new connection from here; idle kept-alive ones are closed at once.
      listening.server.close();
      await Promise.all([requests.idle(), stopTimers()]);
      // Every request is answered; a connection still open carries none the server read
      // (one sending its headers slowly), so nothing is cut off by closing it.
      listening.server.closeAllConnections();
      // The plugins' own resources (onClose hooks), once no handler can need them.
      await listening.close();
      await db.close();
    };
    let closing: Promise<void> | undefined;
    return {
      app,
      db,
      url: address,
      inFlight: () => requests.count(),
      inFlightRequests: () => requests.describe(),
      unready: () => unready.abort(),
      close: () => {
        closing ??= shutDown();
        return closing;
      },
    };
  } catch (err) {
    await app?.close();
    await db.close();
    throw err;
  }
}

/**
 * SIGTERM: /readyz answers 503 at once while the server goes on serving for `drainMs`, so
 * a load balancer takes it out of rotation before it stops accepting; then a graceful
 * stop. A second SIGTERM (or a SIGINT) during the drain ends it early. SIGINT (Ctrl-C)
 * stops without a drain. After `graceMs` of stopping, an exit without closing the database.
 */
export function closeOnSignals(server: RunningServer, drainMs = 0, graceMs = 10_000): void {
  let endDrain: (() => void) | undefined;
  let stopping = false;
  const stop = async (signal: string, drain: number) => {
    if (stopping) {
      if (endDrain) server.app.log.info({ signal }, 'drain ended early');
      endDrain?.();
      return;
    }
    stopping = true;
    server.unready();
    if (drain > 0) {
      server.app.log.info(
        { signal, drainSeconds: drain / 1000 },
        'draining: /readyz answers 503, requests are still served until the drain ends',
      );
      await new Promise<void>((res) => {
        const timer = setTimeout(res, drain);
        endDrain = () => {
          clearTimeout(timer);
          res();
        };
      });
      endDrain = undefined;
    }
    const started = Date.now();
    server.app.log.info(
      { signal, inFlight: server.inFlight() },
      'shutting down: refusing new requests, finishing those in flight',
    );
    const force = setTimeout(() => {
      // The database stays open: closing it under a running handler would fail that
      // handler in an unknown state. An exit is a crash, which the database survives.
      server.app.log.error(
        { inFlight: server.inFlight(), requests: server.inFlightRequests() },
        `requests still running after ${graceMs / 1000} s; exiting without waiting for them`,
      );
      process.exit(1);
    }, graceMs);
    // Not unref'd: should close() hang with nothing else left to run, this still ends the
    // process, with an error, instead of a silent exit 0 that skipped closing the database.
    void force;
    server.close().then(
      () => {
        server.app.log.info({ ms: Date.now() - started }, 'shut down');
        process.exit(0);
      },
      (err) => {
        server.app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => void stop('SIGTERM', drainMs));
  process.on('SIGINT', () => void stop('SIGINT', 0));
}

/** Told to a request that arrives while the server shuts down. */
const SHUTTING_DOWN = new AppError(
  'unavailable',
  'The server is shutting down and did not start this request; send it again',
  [],
  { 'Retry-After': '1' },
);

const CLIENT_GONE = new AppError(
  'bad_request',
  'The client closed the connection before its request was read',
);

interface Tracked {
  /** Whether Fastify's hooks saw it (so its onResponse hook will run when it finishes). */
  hooked: boolean;
  ended: boolean;
  /** For the report of what a stop waits for: `GET /path`, when it came, client gone. */
  what: string;
  since: number;
  clientGone: boolean;
}

/**
 * Counts the requests the server is working on, from their arrival until Fastify is done
 * with them: their onResponse hook, or, when the client went away first (then no
 * onResponse runs, yet the handler goes on), the moment Fastify writes its answer into
 * the closed response, after the handler and the onSend hooks (the idempotency commit).
 * While draining, a request that arrives is answered 503 before any hook touches the
 * database, and every answer closes its connection, as every answer does from the start
 * of the drain (`unready`).
 */
function trackRequests(app: FastifyInstance, unready: AbortSignal) {
  let draining = false;
  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const tracked = new WeakMap<ServerResponse, Tracked>();
  const open = new Set<Tracked>();
  const end = (t: Tracked) => {
    if (t.ended) return;
    t.ended = true;
    open.delete(t);
    running--;
    if (running > 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };
  /** The client left before its answer: done once Fastify writes that answer (nowhere). */
  const endOnAnswer = (res: ServerResponse, t: Tracked) => {
    // Already answering: Fastify keeps a reply's headers to itself until it sends, then
    // passes them to writeHead, or, for a stream (a static file, a download), sets them
    // one by one and lets the stream's first chunk send them. A client that leaves
    // between those two moments (a browser closing while its CSS loads) gets no further
    // writeHead or setHeader: waiting for one would keep the server from stopping.
    if (res.headersSent || res.getHeaderNames().length > 0) return end(t);
    const { writeHead, setHeader } = res;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      end(t);
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof writeHead;
    // A streamed answer sets its headers one by one instead.
    res.setHeader = function (this: ServerResponse, ...args: unknown[]) {
      end(t);
      return (setHeader as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof setHeader;
  };
  // First of the server's listeners, so a request counts before any hook can run.
  app.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const t: Tracked = {
      hooked: false,
      ended: false,
      what: `${req.method} ${req.url?.split('?')[0]}`,
      since: performance.now(),
      clientGone: false,
    };
    running++;
    open.add(t);
    tracked.set(res, t);
    res.once('close', () => {
      if (!res.writableFinished) {
        t.clientGone = true;
        endOnAnswer(res, t);
      } else if (!t.hooked) end(t); // answered by Fastify before any hook (a malformed URL)
    });
  });
  app.addHook('onRequest', async (_request, reply) => {
    const t = tracked.get(reply.raw);
    if (t) t.hooked = true;
    if (draining) {
      // Pre-serialized: a route's own 503 schema (/readyz) must not reshape it.
      return reply
        .code(503)
        .headers({ ...SHUTTING_DOWN.headers, Connection: 'close' })
        .type('application/problem+json')
        .send(JSON.stringify(problemBody(SHUTTING_DOWN, String(reply.request.id))));
    }
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    // Fastify never reads the body of a request whose client left before the body's turn
    // came, nor answers it: it would hang, neither run nor ended. Such a request ends
    // here, unrun, with an answer nobody reads.
    if (request.raw.destroyed) throw CLIENT_GONE;
    return payload;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // The client must not send another request on this connection: it would be refused.
    // From the start of the drain (SIGTERM), not only once refusing: a connection a load
    // balancer keeps alive would otherwise be idle when the server stops and closes it,
    // and a request the balancer sends on it at that moment is lost mid-way (nginx may
    // not resend a POST it already sent). Closed after each answer, the balancer opens a
    // new connection per request; once the node stops listening, that connection is
    // refused, which every balancer resends to another node, POST included.
    if (draining || unready.aborted) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (_request, reply) => {
    const t = tracked.get(reply.raw);
    if (t) end(t);
  });
  return {
    count: () => running,
    /** The requests not finished: `GET /path (12.3 s, client gone, no hook yet)`. */
    describe: () =>
      [...open].map(
        (t) =>
          `${t.what} (${((performance.now() - t.since) / 1000).toFixed(1)} s` +
          `${t.clientGone ? ', client gone' : ''}${t.hooked ? '' : ', no hook yet'})`,
      ),
    drain: () => {
      draining = true;
    },
    idle: (): Promise<void> =>
      running === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)),
  };
}
