import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { callerKey } from '../auth/actor.ts';
import { AppError, validationError } from '../errors.ts';
import type { AppDeps } from '../http/context.ts';
import { addSeconds } from '../shared/dates.ts';
import {
  deleteKeyClaim,
  findKey,
  type IdempotencyKeyRow,
  insertKeyClaim,
  type KeyClaim,
  storeKeyResponse,
  takeOverKey,
} from './idempotency.repository.ts';
import { requestHash } from './request-hash.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed and must answer for; null otherwise. */
    idempotencyClaim: KeyClaim | null;
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
const EXCLUDED_URL = /(\/oauth\/token|^\/api\/authenticate)$/;
/** A claim older than this without a response belongs to a request that died. */
const IN_FLIGHT_TIMEOUT_MS = 2 * 60 * 1000;
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

/**
 * `Idempotency-Key` on every POST, PUT and PATCH of every dialect, scoped to the caller
 * (`callerKey`). Hooks are attached per route (onRoute) after the route's own hooks, so a
 * key is claimed only once the caller is authenticated and has the scope.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, deps: AppDeps) => {
    const { db, config } = deps;
    app.decorateRequest('idempotencyClaim', null);

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

    function replay(reply: FastifyReply, row: IdempotencyKeyRow) {
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
      // A Buffer goes out as stored: the route's response serializer must not run again.
      return reply
        .code(row.statusCode ?? 200)
        .headers(headers)
        .header('Idempotency-Replayed', 'true')
        .send(Buffer.from(row.responseBody, 'utf8'));
    }

    /** Claims the key, or answers from it: replay, 422 for another request, 409 in flight. */
    async function claimOrReplay(request: FastifyRequest, reply: FastifyReply) {
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
      // A few rounds: the row may vanish (released, swept) or be taken over between reads.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await insertKeyClaim(db.kysely, claim)) {
          request.idempotencyClaim = claim;
          return;
        }
        const row = await findKey(db.kysely, claim.caller, key);
        if (!row) continue;
        const expired = Date.parse(row.expiresAt) <= now.getTime();
        if (!expired && row.requestHash !== claim.requestHash) {
          throw new AppError(
            'idempotency_key_reused',
            'This Idempotency-Key was already used for a different request (method, path, ' +
              'query or body); use a new key for a new request',
          );
        }
        if (!expired && row.statusCode !== null) return replay(reply, row);
        const stale = Date.parse(row.createdAt) <= now.getTime() - IN_FLIGHT_TIMEOUT_MS;
        if (!expired && !stale) {
          throw new AppError(
            'conflict',
            'A request with this Idempotency-Key is still being processed; retry shortly',
            [],
            { 'Retry-After': '1' },
          );
        }
        if (await takeOverKey(db.kysely, claim, row.createdAt)) {
          request.idempotencyClaim = claim;
          return;
        }
      }
      throw new AppError(
        'conflict',
        'This Idempotency-Key is being claimed by another request; retry shortly',
        [],
        { 'Retry-After': '1' },
      );
    }

    /** Stores the response of a claimed request before it leaves, or releases the claim. */
    async function storeResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = null;
      const text =
        payload === null || payload === undefined
          ? ''
          : typeof payload === 'string'
            ? payload
            : Buffer.isBuffer(payload)
              ? payload.toString('utf8')
              : undefined;
      try {
        if (!storable(reply.statusCode) || text === undefined) {
          await deleteKeyClaim(db.kysely, claim);
          return payload;
        }
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        // `no-store` marks an answer that shows a secret (a new endpoint UUID or client
        // secret): the key stays used, but the secret is not written to the database.
        const secret = /\bno-store\b/i.test(String(reply.getHeader('cache-control') ?? ''));
        await storeKeyResponse(db.kysely, claim, {
          statusCode: reply.statusCode,
          headers,
          body: secret ? null : text,
        });
      } catch (err) {
        // The response still goes out; the claim stays in flight until it times out.
        request.log.warn({ err }, 'could not store the Idempotency-Key response');
      }
      return payload;
    }

    /** Safety net: a claimed request that ended without onSend (hijacked, aborted). */
    async function releaseUnanswered(request: FastifyRequest) {
      const claim = request.idempotencyClaim;
      if (!claim) return;
      request.idempotencyClaim = null;
      await deleteKeyClaim(db.kysely, claim).catch((err: unknown) =>
        request.log.warn({ err }, 'could not release an Idempotency-Key claim'),
      );
    }

    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = hooksOf(route.method);
      if (!methods.some((m) => METHODS.has(m)) || EXCLUDED_URL.test(route.url)) return;
      route.schema = withKeyHeader(route.schema);
      route.preValidation = [...hooksOf(route.preValidation), checkKeyFormat];
      route.preHandler = [...hooksOf(route.preHandler), claimOrReplay];
      route.onSend = [...hooksOf(route.onSend), storeResponse];
      route.onResponse = [...hooksOf(route.onResponse), releaseUnanswered];
    });
  },
  { name: 'bzctrl-idempotency' },
);
