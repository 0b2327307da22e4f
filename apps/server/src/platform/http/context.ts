import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/database.ts';
import { requestDb } from '../idempotency/keyed-write.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { routedDb } from './read-routing.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  /** Aborts when the server starts to stop (long polls end early). */
  stopping: AbortSignal;
  /** Aborts when the server drains before stopping: /readyz answers 503 from then on. */
  unready: AbortSignal;
  metrics: Metrics;
}

/**
 * The service context of an authenticated request. A native call signed in by the web
 * app's session cookie is recorded as coming through `web`, the web app.
 */
export function ctxOf(request: FastifyRequest, deps: AppDeps, via: string): Ctx {
  return {
    db: routedDb(requestDb(deps.db, request.keyed), request),
    config: deps.config,
    actor: request.actor,
    now: new Date(),
    log: request.log,
    requestId: String(request.id),
    via: via === 'native' && request.bySession ? 'web' : via,
    keyed: request.keyed,
    metrics: deps.metrics,
  };
}
