import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { csrfMatches, resolveSession, sessionIdOf } from '../core/access/sessions.service.ts';
import { resolveAccessToken } from '../core/access/token-actor.ts';
import type { Actor } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; routes behind it may rely on it. */
    actor: Actor;
    /** True when `authenticate` let the request in by the web app's session cookie. */
    bySession: boolean;
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
    app.decorateRequest('bySession', false);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header) {
        request.actor = await sessionActor(opts.db, request);
        request.bySession = true;
        return;
      }
      const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
      if (!m?.[1])
        throw unauthorized('The Authorization header is not a Bearer token', 'invalid_token');
      const actor = await resolveAccessToken(opts.db, m[1], new Date());
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
