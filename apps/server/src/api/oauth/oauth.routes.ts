import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { OAuthError, type TokenRequest } from '../../core/access/oauth.model.ts';
import {
  authenticatePassword,
  exchangeToken,
  revokeToken,
} from '../../core/access/oauth.service.ts';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/database.ts';
import { multipartError, useLastMultipartBoundary } from '../../platform/http/multipart.ts';
import { toAppError } from '../../platform/http/problem.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';

const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.Optional(Type.String()),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
  jti: Type.String(),
});

const OAuthErrorBody = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
});

const TokenParams = Type.Object(
  {
    grant_type: Type.Optional(
      Type.String({ description: 'password, refresh_token or client_credentials' }),
    ),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    refresh_token: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const RevokeParams = Type.Object(
  {
    token: Type.String({ description: 'The access or refresh token to revoke' }),
    token_type_hint: Type.Optional(
      Type.String({ description: 'access_token or refresh_token: where to look first' }),
    ),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * onRequest: the token and revocation endpoints take their parameters as a form only
 * (RFC 6749 §3.2, RFC 7009 §2.1), never as JSON; refused before the body is read.
 */
async function requireForm(request: FastifyRequest): Promise<void> {
  const type = request.headers['content-type'];
  if (type === undefined) return;
  if (!FORM_TYPES.has(type.split(';')[0]?.trim().toLowerCase() ?? '')) {
    throw new OAuthError(
      'invalid_request',
      'Send the parameters as a form: application/x-www-form-urlencoded (RFC 6749 §3.2) or multipart/form-data',
    );
  }
}

/** Parses `Authorization: Basic …` per RFC 6749 §2.3.1 (id and secret are form-encoded). */
function parseBasic(header: string | undefined): TokenRequest['basic'] {
  // A bare `Basic` is a Basic header too, and an invalid one: it must not pass as "no client".
  if (!header || !/^basic(\s|$)/i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(5).trim(), 'base64').toString('utf8');
  // Swagger UI (/docs) sends `Basic Og==`, an empty id and secret, when no client is
  // configured: that is a request without a client, not a wrong one.
  if (decoded === ':') return undefined;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'malformed';
  const unform = (s: string) => {
    try {
      return decodeURIComponent(s.replaceAll('+', ' '));
    } catch {
      return s;
    }
  };
  const rawSecret = decoded.slice(colon + 1);
  return {
    clientId: unform(decoded.slice(0, colon)),
    clientSecret: unform(rawSecret),
    // Many clients (curl -u among them) do not form-encode; the raw secret is tried too.
    ...(unform(rawSecret) !== rawSecret ? { rawSecret } : {}),
  };
}

function paramsOf(body: unknown): Record<string, string | undefined> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError(
      'invalid_request',
      'Send the parameters as a form (application/x-www-form-urlencoded or multipart/form-data)',
    );
  }
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) throw new OAuthError('invalid_request', `Parameter ${k} is repeated`);
    if (v !== undefined && v !== null && typeof v === 'object') {
      throw new OAuthError('invalid_request', `Parameter ${k} must be text, not a file`);
    }
    out[k] = v === undefined || v === null ? undefined : String(v);
  }
  return out;
}

/** What a refused grant says for the metrics: a wrong secret, the throttle, or neither. */
function signInOutcome(err: OAuthError): 'failed' | 'throttled' | undefined {
  if (err.status === 429) return 'throttled';
  return err.error === 'invalid_grant' || err.error === 'invalid_client' ? 'failed' : undefined;
}

function sendOAuthError(reply: FastifyReply, err: OAuthError) {
  return reply
    .code(err.status)
    .headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...err.headers })
    .send({ error: err.error, error_description: err.description });
}

/**
 * The OAuth 2.0 token endpoint (RFC 6749) under both paths of SPEC §2, and seed 002's
 * `POST /api/authenticate`. Errors follow RFC 6749 §5.2, not problem details.
 */
export async function oauthRoutes(
  app: FastifyInstance,
  opts: { db: Db; config: Config; metrics: Metrics },
) {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 20, fieldSize: 16 * 1024, files: 0, fileSize: 0 },
  });
  useLastMultipartBoundary(app);

  app.setErrorHandler((error: FastifyError | OAuthError, request: FastifyRequest, reply) => {
    if (error instanceof OAuthError) {
      const outcome = signInOutcome(error);
      if (outcome) opts.metrics.signIn(outcome, 'token');
      return sendOAuthError(reply, error);
    }
    if ((error as FastifyError).code === 'FST_FILES_LIMIT') {
      return sendOAuthError(
        reply,
        new OAuthError('invalid_request', 'Send the parameters as text fields, not files'),
      );
    }
    const app = toAppError(multipartError(error) ?? error);
    if (app.status >= 500) {
      request.log.error({ err: error }, 'token request failed');
      return reply
        .code(500)
        .header('Cache-Control', 'no-store')
        .send({ error: 'server_error', error_description: app.detail });
    }
    return sendOAuthError(reply, new OAuthError('invalid_request', app.detail, app.status));
  });

  const deps = (request: FastifyRequest) => ({
    db: opts.db,
    config: opts.config,
    now: new Date(),
    ip: request.ip,
    log: request.log,
  });

  const tokenRoute = {
    onRequest: requireForm,
    schema: {
      summary: 'Get an access token (OAuth 2.0)',
      tags: ['auth'],
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
      body: TokenParams,
      response: { 200: TokenResponse, '4xx': OAuthErrorBody, '5xx': OAuthErrorBody },
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await exchangeToken(deps(request), {
        basic: parseBasic(request.headers.authorization),
        params: paramsOf(request.body),
      });
      return reply.headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send(result);
    },
  };
  app.post('/bzctrl-core-api/oauth/token', tokenRoute);
  app.post('/api/oauth/token', tokenRoute);

  const revokeRoute = {
    onRequest: requireForm,
    schema: {
      summary: 'Revoke an access or refresh token (OAuth 2.0, RFC 7009)',
      description:
        'Client authentication as at the token endpoint; a token issued to a client is revoked ' +
        'only by that client. A refresh token ends its whole sign-in (all its access and ' +
        'refresh tokens), an access token only itself; either is refused from the next request. ' +
        'An unknown, expired or already revoked token answers 200 too.',
      tags: ['auth'],
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
      body: RevokeParams,
      response: {
        200: Type.Object(
          {},
          {
            description:
              'Revoked, or there was nothing to revoke (RFC 7009 §2.2: the code says it all)',
          },
        ),
        '4xx': OAuthErrorBody,
        '5xx': OAuthErrorBody,
      },
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      await revokeToken(deps(request), {
        basic: parseBasic(request.headers.authorization),
        params: paramsOf(request.body),
      });
      return reply.headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send({});
    },
  };
  app.post('/bzctrl-core-api/oauth/revoke', revokeRoute);
  app.post('/api/oauth/revoke', revokeRoute);

  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/authenticate', {
    schema: {
      summary: 'Sign in with username and password (seed 002)',
      tags: ['auth'],
      body: Type.Object({ username: Type.String(), password: Type.String() }),
      response: {
        200: Type.Object({ token: Type.String() }),
        '4xx': OAuthErrorBody,
        '5xx': OAuthErrorBody,
      },
    },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      const result = await authenticatePassword(deps(request), username, password);
      return reply
        .headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' })
        .send({ token: result.access_token });
    },
  });
}
