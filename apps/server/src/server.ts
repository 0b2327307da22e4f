import type { FastifyInstance } from 'fastify';
import { type BuildOptions, buildApp } from './app.ts';
import { authSweep } from './core/access/token-sweep.ts';
import { lifecycleJobs } from './core/lifecycle/lifecycle.run.ts';
import type { Config } from './platform/config.ts';
import { walCheckpointer } from './platform/db/checkpointer.ts';
import { type Db, openDatabase } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { startScheduler } from './platform/scheduler.ts';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions extends BuildOptions {
  /**
   * Runs on the migrated database before the port opens (provisioning, the first
   * administrator), so no request sees a half-prepared system. If it throws, nothing
   * listens and the database is closed.
   */
  prepare?: (db: Db, app: FastifyInstance) => Promise<void>;
}

/** Opens and migrates the database, builds the app, prepares it and listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  let app: FastifyInstance | undefined;
  const db = openDatabase(config.databaseUrl, {
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.dbPoolSize,
    onIdleError: (err) => app?.log.warn({ err }, 'an idle database connection was dropped'),
  });
  try {
    await migrateToLatest(db);
    app = await buildApp(config, db, options);
    await options.prepare?.(db, app);
    const address = await app.listen({ host: config.host, port: config.port });
    const listening = app;
    const checkpointer = walCheckpointer(db, app.log);
    const stopTimers = startScheduler(app.log, [
      authSweep(db, config, app.log),
      ...(config.jobsEnabled ? [lifecycleJobs(db, config, app.log)] : []),
      ...(checkpointer ? [checkpointer] : []),
    ]);
    let closing: Promise<void> | undefined;
    return {
      app,
      db,
      url: address,
      close: () => {
        closing ??= Promise.all([listening.close(), stopTimers()]).then(() => db.close());
        return closing;
      },
    };
  } catch (err) {
    await app?.close();
    await db.close();
    throw err;
  }
}

/** SIGTERM/SIGINT: a graceful stop, forced after `graceMs`. */
export function closeOnSignals(server: RunningServer, graceMs = 10_000): void {
  const stop = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      server.app.log.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
