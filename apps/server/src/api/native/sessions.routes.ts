import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  csrfMatches,
  resolveSession,
  SESSION_COOKIE,
  sessionIdOf,
  signIn,
  signOut,
} from '../../core/access/sessions.service.ts';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { problemResponses, refTo } from '../../platform/http/problem.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';

const PATH = '/bzctrl-core-api/api/v1/session';

const SignIn = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 320, description: "The user's e-mail" }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { $id: 'SessionSignIn' },
);

const Session = Type.Object(
  {
    user: Type.Object({
      email: Type.String(),
      name: Type.String(),
      role: Type.Enum(['admin', 'member']),
    }),
    csrfToken: Type.String({
      description: 'Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the cookie',
    }),
    expiresAt: Type.String({ format: 'date-time', description: 'Fixed: sign-in + session TTL' }),
  },
  { $id: 'Session' },
);

const noSession = () =>
  new AppError('unauthorized', 'No session; sign in with POST /bzctrl-core-api/api/v1/session');

/**
 * Browser sessions for the web app (issue 5 item 1): sign in with a password for an
 * HttpOnly cookie, read the session (and its CSRF token) back, sign out.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  opts: { db: Db; config: Config; metrics: Metrics },
) {
  const { db, config, metrics } = opts;
  const secure = config.publicUrl.startsWith('https:') ? '; Secure' : '';
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
  // The body carries a CSRF token: never cached anywhere.
  const noStore = (reply: FastifyReply) => reply.header('Cache-Control', 'no-store');

  app.addSchema(SignIn);
  app.addSchema(Session);
  const sessionRef = Type.Ref('Session');

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    PATH,
    {
      schema: {
        summary: 'Sign in (web app): sets the session cookie',
        description:
          'JSON only, so a cross-site HTML form cannot sign a browser in. Failed attempts count towards the same sign-in throttle as the token endpoint (429 with Retry-After).',
        tags: ['session'],
        body: refTo(SignIn),
        response: { 200: sessionRef, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { sessionId, view } = await signIn(
        { db, config, now: new Date(), ip: request.ip, log: request.log },
        body.username,
        body.password,
        sessionIdOf(request.headers.cookie),
      ).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'too_many_requests') {
          metrics.signIn('throttled', 'session');
        } else if (err instanceof AppError && err.code === 'unauthorized') {
          metrics.signIn('failed', 'session');
        }
        throw err;
      });
      noStore(reply).header('Set-Cookie', cookie(sessionId, config.sessionTtlSeconds));
      return view;
    },
  );

  app.withTypeProvider<TypeBoxTypeProvider>().get(
    PATH,
    {
      schema: {
        summary: 'The current session: user and CSRF token',
        description:
          'Without a live session: 401, or 204 with `optional=true` (how the web app asks on ' +
          'a cold load, where being signed out is an answer, not an error).',
        tags: ['session'],
        querystring: Type.Object({
          optional: Type.Optional(
            Type.Boolean({
              default: false,
              description: 'Answer 204 instead of 401 when no one is signed in',
            }),
          ),
        }),
        response: {
          200: sessionRef,
          204: Type.Null({ description: 'No live session (only with `optional=true`)' }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const sessionId = sessionIdOf(request.headers.cookie);
      const session = sessionId ? await resolveSession(db, sessionId, new Date()) : undefined;
      noStore(reply);
      if (!session) {
        if (request.query.optional) return reply.code(204).send(null);
        throw noSession();
      }
      return session.view;
    },
  );

  app.delete(
    PATH,
    {
      schema: {
        summary: 'Sign out: ends the session and clears the cookie',
        description: 'Needs X-CSRF-Token while the session is live; idempotent otherwise.',
        tags: ['session'],
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const sessionId = sessionIdOf(request.headers.cookie);
      if (sessionId && (await resolveSession(db, sessionId, new Date()))) {
        // A page elsewhere must not be able to sign the user out either.
        const presented = request.headers['x-csrf-token'];
        if (!csrfMatches(sessionId, typeof presented === 'string' ? presented : undefined)) {
          throw new AppError('forbidden', 'CSRF token missing or wrong');
        }
        await signOut(db, sessionId);
      }
      return reply.code(204).header('Set-Cookie', cookie('', 0)).send();
    },
  );
}
