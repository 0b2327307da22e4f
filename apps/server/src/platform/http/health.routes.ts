import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import type { AppDeps } from './context.ts';
import { problemBody } from './problem.ts';

const Health = Type.Object({ status: Type.String() });

/** Told to a load balancer's probe while the server drains before it stops. */
const DRAINING = new AppError(
  'unavailable',
  'The server is draining before it stops: it still serves, but send new requests to another node',
);

/**
 * `/healthz`: the process answers. `/readyz`: and its database does too, and it is not
 * draining (SIGTERM: a balancer takes it out of rotation while it still serves).
 */
export async function healthRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Health } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: Health, 503: Health } } },
    async (request, reply) => {
      if (deps.unready.aborted) {
        // Pre-serialized problem details: the 503 schema above is the database's answer.
        return reply
          .code(503)
          .type('application/problem+json')
          .send(JSON.stringify({ ...problemBody(DRAINING, String(request.id)), draining: true }));
      }
      try {
        await deps.db.ping();
        return { status: 'ready' };
      } catch (err) {
        request.log.warn({ err }, 'database not reachable');
        return reply.code(503).send({ status: 'database unreachable' });
      }
    },
  );
}
