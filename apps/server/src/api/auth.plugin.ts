import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { csrfMatches, resolveSession, sessionIdOf } from '../core/access/sessions.service.ts';
import { findLiveAccessToken } from '../core/access/tokens.repository.ts';
import type { Actor } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { tokenDigest } from '../platform/values/secrets.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; routes behind it may rely on it. */
    actor: Actor;
  }
  interface FastifyInstance {
    /**
     * onRequest hook: a valid Bearer token or, without an Authorization header, the web
     * app's session cookie (plus X-CSRF-Token on state-changing methods); else 401.
     */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

const REALM = 'realm="bzctrl"';

function unauthorized(detail: string, error?: 'invalid_token' | 'invalid_request'): AppError {
  const challenge = error
    ? `Bearer ${REALM}, error="${error}", error_description="${detail}"`
    : `Bearer ${REALM}`;
  return new AppError('unauthorized', detail, [], { 'WWW-Authenticate': challenge });
}

/** A JSON array of ids as the token query aggregates them (PostgreSQL bigints as numbers). */
function idList(json: string): number[] {
  return (JSON.parse(json) as Array<number | string>).map(Number);
}

/**
 * Finds who holds a bearer token; undefined when it is not live. One query and no
 * cache: a revoked token, a disabled user or client, or a changed membership takes
 * effect at the next request, in every process sharing the database.
 */
export async function resolveActor(db: Db, token: string, now: Date): Promise<Actor | undefined> {
  const row = await findLiveAccessToken(db.kysely, tokenDigest(token), now.toISOString());
  if (!row) return undefined;
  if (row.userId !== null && row.userDisabled !== 0) return undefined;
  if (row.apiClientId !== null && row.clientDisabled !== 0) return undefined;
  const apiClientId = row.apiClientId === null ? null : Number(row.apiClientId);
  const userId = row.userId === null ? null : Number(row.userId);
  const isAdmin = row.userRole === 'admin';
  // A user acting through a client is limited to the workspaces both may use.
  let workspaceIds: Set<number> | null = null;
  if (userId !== null && !isAdmin) workspaceIds = new Set(idList(row.memberWorkspaceIds));
  if (apiClientId !== null) {
    const clientIds = idList(row.clientWorkspaceIds);
    workspaceIds = new Set(
      workspaceIds ? clientIds.filter((id) => workspaceIds?.has(id)) : clientIds,
    );
  }
  return {
    kind: userId !== null ? 'user' : 'client',
    userId,
    userEmail: row.userEmail ?? null,
    apiClientId,
    clientId: row.clientId ?? null,
    isAdmin: isAdmin && apiClientId === null,
    workspaceIds,
    defaultWorkspaceId:
      row.defaultWorkspaceId === null || row.defaultWorkspaceId === undefined
        ? null
        : Number(row.defaultWorkspaceId),
    scopes: new Set(row.scope.split(' ')),
    tokenId: row.id,
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The web app's way in: the session cookie. A cookie is sent by the browser on its own,
 * so a state-changing call must also prove it comes from our page (X-CSRF-Token, which
 * only our page can read from the session response); a Bearer token never needs it.
 */
async function sessionActor(db: Db, request: FastifyRequest): Promise<Actor> {
  const sessionId = sessionIdOf(request.headers.cookie);
  if (!sessionId) throw unauthorized('A Bearer access token or a session is required');
  const session = await resolveSession(db, sessionId, new Date());
  if (!session) throw unauthorized('The session has expired or was ended; sign in again');
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers['x-csrf-token'];
    if (!csrfMatches(sessionId, typeof presented === 'string' ? presented : undefined)) {
      throw new AppError('forbidden', 'CSRF token missing or wrong');
    }
  }
  return session.actor;
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { db: Db }) => {
    app.decorateRequest('actor', null as unknown as Actor);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header) {
        request.actor = await sessionActor(opts.db, request);
        return;
      }
      const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
      if (!m?.[1])
        throw unauthorized('The Authorization header is not a Bearer token', 'invalid_token');
      const actor = await resolveActor(opts.db, m[1], new Date());
      if (!actor)
        throw unauthorized('The access token is invalid, expired or revoked', 'invalid_token');
      request.actor = actor;
    });
  },
  { name: 'bzctrl-auth' },
);

/** preHandler: the token must carry the scope (scopes double as permissions). */
export function requireScope(scope: string) {
  return async (request: FastifyRequest) => {
    if (!request.actor.scopes.has(scope)) {
      throw new AppError('forbidden', `This token lacks the ${scope} scope`, [], {
        'WWW-Authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"`,
      });
    }
  };
}
