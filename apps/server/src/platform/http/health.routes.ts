import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from './context.ts';

const Health = Type.Object({ status: Type.String() });

/** `/healthz`: the process answers. `/readyz`: and its database does too. */
export async function healthRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Health } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: Health, 503: Health } } },
    async (request, reply) => {
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
