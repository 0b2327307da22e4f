import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { callerKey } from '../context.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { AppDeps } from './context.ts';
import { problemBody } from './problem.ts';
import { sharedCountersOf, WINDOW_MS } from './shared-counters.ts';

/** Operations endpoints, the API docs and the web app's static files are never limited. */
const EXEMPT = /^\/(healthz|readyz|metrics|docs|app|widget\.js)(\/|$)/;

/** One counter's verdict, as `createRateLimit` of @fastify/rate-limit returns it. */
export interface LimitVerdict {
  max: number;
  remaining: number;
  ttlInSeconds: number;
  isExceeded: boolean;
}

/** A limiter: counts the request under its key and says whether it is over the limit. */
export type Limiter = (request: FastifyRequest) => Promise<LimitVerdict>;

/**
 * A fixed-window limiter of `max` requests per minute per key. On PostgreSQL the counts
 * are shared by every process on the database (`sharedLimiter`); on SQLite, where one
 * process serves a database, they are kept in memory (`memoryLimiter`).
 */
export function minuteLimiter(
  app: FastifyInstance,
  db: Db,
  max: number,
  key: (request: FastifyRequest) => string,
): Limiter {
  return db.engine === 'postgres' ? sharedLimiter(app, db, max, key) : memoryLimiter(app, max, key);
}

/**
 * @fastify/rate-limit's in-memory store: a minute from the key's first request, counted
 * by this process alone.
 */
export function memoryLimiter(
  app: FastifyInstance,
  max: number,
  key: (request: FastifyRequest) => string,
): Limiter {
  const check = app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: key });
  return async (request) => {
    const r = await check(request);
    // No allow list is configured, so every request is counted.
    if (r.isAllowed) return { max, remaining: max, ttlInSeconds: 0, isExceeded: false };
    return r;
  };
}

/**
 * Counts shared by every process on the PostgreSQL database (shared-counters.ts): a
 * minute from the key's first request on any node, synced about every 250 ms.
 */
export function sharedLimiter(
  app: FastifyInstance,
  db: Db,
  max: number,
  key: (request: FastifyRequest) => string,
): Limiter {
  const counters = sharedCountersOf(db, app.log);
  app.addHook('onClose', () => counters.close());
  return async (request) => {
    const { count, windowStart } = await counters.hit(key(request));
    const ms = windowStart + WINDOW_MS - Date.now();
    return {
      max,
      remaining: Math.max(0, max - count),
      ttlInSeconds: Math.min(WINDOW_MS / 1000, Math.max(1, Math.ceil(ms / 1000))),
      isExceeded: count > max,
    };
  };
}

/** The client address as the limiter keys it (an IPv6 /64 counts as one address). */
export function addressOf(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

/**
 * Sets the draft-ietf-httpapi-ratelimit-headers fields of the verdict and, when it is over
 * the limit, `Retry-After`; returns the 429 to send then.
 */
export function applyVerdict(reply: FastifyReply, v: LimitVerdict): AppError | undefined {
  reply.header('RateLimit-Limit', v.max);
  reply.header('RateLimit-Remaining', v.isExceeded ? 0 : v.remaining);
  reply.header('RateLimit-Reset', v.ttlInSeconds);
  reply.header('RateLimit-Policy', `${v.max};w=${WINDOW_MS / 1000}`);
  if (!v.isExceeded) return undefined;
  reply.header('Retry-After', v.ttlInSeconds);
  return new AppError(
    'too_many_requests',
    `At most ${v.max} requests per minute; retry in ${v.ttlInSeconds} s`,
  );
}

/**
 * Sends a 429 as problem details on any route. Pre-serialized, so a route whose error
 * schema is another shape (the token endpoint's RFC 6749 errors) sends it unchanged.
 */
export function sendTooMany(reply: FastifyReply, err: AppError): FastifyReply {
  return reply
    .code(err.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(err, String(reply.request.id))));
}

/**
 * Rate limits for API callers: `config.rateLimitPerMinute` per authenticated caller
 * (stable across its tokens), or per client address when anonymous. 429 with Retry-After,
 * RateLimit-* headers and a problem-details body on every route, whatever its dialect.
 *
 * The check is appended to each route's own onRequest hooks, so it runs after the route's
 * `authenticate` and before the body is read. A request refused by authentication is not
 * counted. A route opts out with `config: { rateLimit: false }` (exposed endpoints have
 * their own limits).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, deps: AppDeps) => {
    // Only its store and counting are used; this plugin installs the hooks itself so the
    // 429 is sent directly and no dialect's error handler reshapes it.
    await app.register(rateLimit, { global: false, enableDraftSpec: true });
    const limit = minuteLimiter(app, deps.db, deps.config.rateLimitPerMinute, (request) =>
      request.actor ? callerKey(request.actor) : `address:${addressOf(request)}`,
    );
    const check: onRequestHookHandler = async (request, reply) => {
      const tooMany = applyVerdict(reply, await limit(request));
      if (tooMany) return sendTooMany(reply, tooMany);
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.rateLimit === false || EXEMPT.test(route.url)) return;
      const own = route.onRequest;
      route.onRequest = [...(Array.isArray(own) ? own : own ? [own] : []), check];
    });
  },
  { name: 'bzctrl-rate-limit', dependencies: ['bzctrl-auth'] },
);
