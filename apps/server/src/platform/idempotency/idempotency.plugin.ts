import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { callerKey } from '../context.ts';
import { afterPendingWrites } from '../db/database.ts';
import { AppError, validationError } from '../errors.ts';
import type { AppDeps } from '../http/context.ts';
import { addSeconds } from '../values/dates.ts';
import {
  claimKey,
  findKey,
  type IdempotencyKeyRow,
  type KeyClaim,
  type KeyResponse,
  storeKeyResponse,
} from './idempotency.repository.ts';
import { type KeyedRequest, keyedRequest, rollBackHeld, takeHeld } from './keyed-write.ts';
import { requestHash } from './request-hash.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request must answer for; null otherwise. */
    keyed: KeyedRequest | null;
  }
}

const HEADER = 'idempotency-key';
/** 1 to 255 visible ASCII characters (no spaces, so two joined headers are refused). */
const KEY_FORMAT = /^[!-~]{1,255}$/;
const METHODS = new Set(['POST', 'PUT', 'PATCH']);
/**
 * Credential endpoints hand out tokens: replaying one would be a second use of a
 * credential, so they never take a key (and they have no actor to scope it by anyway).
 */
const EXCLUDED_URL = /(\/oauth\/(token|revoke)|^\/api\/authenticate)$/;
/** The response headers a replay repeats, under their usual spelling. */
const REPLAYED_HEADERS = ['Content-Type', 'Location', 'ETag'];

/** The header as documented in OpenAPI on every POST, PUT and PATCH that honours it. */
export const IdempotencyKeyHeader = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[!-~]+$',
  description:
    'Makes a retry safe: the same key with the same request (kept at least 24 hours) returns ' +
    'the first response again (with `Idempotency-Replayed: true`) instead of acting twice. ' +
    '1 to 255 visible ASCII characters, for example a UUID.',
} as const;

/**
 * Stored and replayed: successes and client errors (a retry would get the same answer).
 * Not stored: 401 and 429 (transient, or no caller yet) and 5xx (the retry should run).
 * A `Cache-Control: no-store` answer is recorded without its body (see storeResponse).
 */
function storable(status: number): boolean {
  return status < 500 && status !== 401 && status !== 429;
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

type JsonObjectSchema = { type?: unknown; properties?: Record<string, unknown> };

/**
 * Adds the header to a route's headers schema (a new object: routes such as add-task's
 * POST and PUT share one schema). A headers schema that is not a plain object schema is
 * left alone; the plugin still checks the header.
 */
function withKeyHeader(schema: FastifySchema | undefined): FastifySchema {
  const headers = schema?.headers as JsonObjectSchema | undefined;
  if (headers === undefined) {
    return {
      ...schema,
      headers: { type: 'object', properties: { 'Idempotency-Key': IdempotencyKeyHeader } },
    };
  }
  const props = headers.properties;
  if (
    headers.type !== 'object' ||
    (props !== undefined && Object.keys(props).some((k) => k.toLowerCase() === HEADER))
  ) {
    return schema as FastifySchema;
  }
  return {
    ...schema,
    headers: { ...headers, properties: { ...props, 'Idempotency-Key': IdempotencyKeyHeader } },
  };
}

/** The stored answer of a key, as the reply's status, headers and body. */
function replayInto(reply: FastifyReply, row: IdempotencyKeyRow): Buffer {
  const headers = JSON.parse(row.responseHeaders ?? '{}') as Record<string, string>;
  if (row.responseBody === null) {
    throw new AppError(
      'conflict',
      `The request with this Idempotency-Key was already done (status ${row.statusCode}); ` +
        'its answer showed a secret, which is never kept, so it cannot be repeated',
      [],
      headers.Location === undefined ? {} : { Location: headers.Location },
    );
  }
  reply
    .code(row.statusCode ?? 200)
    .headers(headers)
    .header('Idempotency-Replayed', 'true');
  // A Buffer goes out as stored: the route's response serializer must not run again.
  return Buffer.from(row.responseBody, 'utf8');
}

function reusedKey(): AppError {
  return new AppError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used for a different request (method, path, ' +
      'query or body); use a new key for a new request',
  );
}

/**
 * `Idempotency-Key` on every POST, PUT and PATCH of every dialect, scoped to the caller
 * (`callerKey`). Hooks are attached per route (onRoute) after the route's own hooks, so a
 * key is looked at only once the caller is authenticated and has the scope.
 *
 * A key with a stored answer is replayed before the handler runs. Otherwise the request
 * runs; its write (`writeTransaction`) takes the key in its own transaction and stays open
 * until onSend has written the answer into it, then both commit. So a change and its
 * answer survive a crash together or not at all, and no claim is ever left behind to
 * block a retry. Of two requests racing with one key, the second finds the key taken when
 * it writes, rolls its change back, and answers with the first one's response.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, deps: AppDeps) => {
    const { db, config } = deps;
    app.decorateRequest('keyed', null);

    /** Before schema validation, so a bad key is named even when the body is bad too. */
    async function checkKeyFormat(request: FastifyRequest) {
      const key = request.headers[HEADER];
      if (key === undefined || !METHODS.has(request.method)) return;
      if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
        throw validationError([
          { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
        ]);
      }
    }

    /** Replays a stored answer (or refuses another request's key); else lets the request run. */
    async function replayOrRun(request: FastifyRequest, reply: FastifyReply) {
      const key = request.headers[HEADER];
      // No actor: an unauthenticated route; idempotency is scoped by caller, so it is skipped.
      if (typeof key !== 'string' || !METHODS.has(request.method) || !request.actor) return;
      const now = new Date();
      const path = request.url.split('?')[0] ?? request.url;
      const claim: KeyClaim = {
        caller: callerKey(request.actor),
        key,
        method: request.method,
        // The route pattern, not the path: an exposed endpoint's path holds its secret UUID.
        path: request.routeOptions.url ?? path,
        requestHash: requestHash(request.method, path, request.query, request.body),
        createdAt: now.toISOString(),
        expiresAt: addSeconds(now, config.idempotencyTtlSeconds).toISOString(),
      };
      const row = await findKey(db.kysely, claim.caller, key);
      // A row without an answer was left by an older BzCtrl: its request is long gone.
      if (row && row.statusCode !== null && Date.parse(row.expiresAt) > now.getTime()) {
        if (row.requestHash !== claim.requestHash) throw reusedKey();
        return reply.send(replayInto(reply, row));
      }
      request.keyed = keyedRequest(claim);
    }

    /** The answer of the request that took the key first (this one rolled back its change). */
    async function winnersAnswer(reply: FastifyReply, claim: KeyClaim): Promise<Buffer> {
      // The winner may still be in SQLite's write batch, unseen by reads until it commits.
      await afterPendingWrites(db);
      const row = await findKey(db.kysely, claim.caller, claim.key);
      if (!row || row.statusCode === null) {
        throw new AppError(
          'conflict',
          'A request with this Idempotency-Key was done meanwhile; retry to get its answer',
          [],
          { 'Retry-After': '1' },
        );
      }
      if (row.requestHash !== claim.requestHash) throw reusedKey();
      return replayInto(reply, row);
    }

    /**
     * Records the answer of a keyed request before it leaves: in the transaction of its
     * change, then commits both; a failed commit becomes a 500 (nothing was done). A
     * request that ends in an error keeps nothing of its change.
     */
    async function recordAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      const keyed = request.keyed;
      if (!keyed || keyed.answered) return payload;
      keyed.answered = true;
      const held = takeHeld(keyed);
      if (keyed.taken) {
        if (held) await rollBackHeld(keyed, held);
        return winnersAnswer(reply, keyed.claim);
      }
      if (keyed.abandoned) throw new Error('the change was rolled back before its answer');
      const status = reply.statusCode;
      const text =
        payload === null || payload === undefined
          ? ''
          : typeof payload === 'string'
            ? payload
            : Buffer.isBuffer(payload)
              ? payload.toString('utf8')
              : null;
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      // `no-store` marks an answer that shows a secret (a new endpoint UUID or client
      // secret): the key stays used, but the secret is not written to the database. A
      // streamed answer cannot be kept either: a retry is told it was done.
      const secret = /\bno-store\b/i.test(String(reply.getHeader('cache-control') ?? ''));
      const response: KeyResponse = {
        statusCode: status,
        headers,
        body: secret ? null : text,
      };
      if (held) {
        if (status < 400) {
          await storeKeyResponse(held.trx, keyed.claim, response);
          await held.commit();
          return payload;
        }
        await rollBackHeld(keyed, held);
      }
      if (!storable(status)) return payload;
      try {
        // Nothing was changed: the answer is kept on its own, unless a racing request
        // with the same key kept one first.
        await claimKey(db.kysely, keyed.claim, response);
      } catch (err) {
        request.log.warn({ err }, 'could not store the Idempotency-Key response');
      }
      return payload;
    }

    /** Safety net: a keyed request that ended without onSend (hijacked, aborted). */
    async function rollBackUnanswered(request: FastifyRequest) {
      const keyed = request.keyed;
      if (!keyed || keyed.answered) return;
      keyed.answered = true;
      const held = takeHeld(keyed);
      if (held) await rollBackHeld(keyed, held);
    }

    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = hooksOf(route.method);
      if (!methods.some((m) => METHODS.has(m)) || EXCLUDED_URL.test(route.url)) return;
      route.schema = withKeyHeader(route.schema);
      route.preValidation = [...hooksOf(route.preValidation), checkKeyFormat];
      route.preHandler = [...hooksOf(route.preHandler), replayOrRun];
      route.onSend = [...hooksOf(route.onSend), recordAnswer];
      route.onResponse = [...hooksOf(route.onResponse), rollBackUnanswered];
    });
  },
  { name: 'bzctrl-idempotency' },
);
