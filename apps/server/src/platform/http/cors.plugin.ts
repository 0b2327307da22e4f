import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDeps } from './context.ts';
import { EXPOSED_PATH } from './exposed-path.ts';

/** The API a page on another origin may call with a Bearer token (add-task lies within). */
const API = /^\/bzctrl-core-api\/api\/v1\//;

function inScope(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  // The exposed endpoint answers CORS itself, from its own allowed origins.
  return API.test(path) && !path.startsWith(`${EXPOSED_PATH}/`);
}

/**
 * CORS for pages on other origins that call the API with a Bearer token (the widget's
 * token mode): only when BZCTRL_CORS_ORIGINS names origins, only under /api/v1, never with
 * credentials (cookies stay same-site: the web app's session is not reachable from
 * another origin). Other requests get no CORS headers, as without this plugin.
 */
export const corsPlugin = fp(
  async (app: FastifyInstance, { config }: AppDeps) => {
    const origins = config.corsOrigins;
    if (origins.length === 0) return;
    await app.register(cors, {
      hook: 'onRequest',
      delegator: async (request: FastifyRequest) => {
        const origin = request.headers.origin;
        if (!inScope(request) || origin === undefined || !origins.includes(origin)) {
          return { origin: false };
        }
        return {
          origin,
          credentials: false,
          methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
          allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'],
          exposedHeaders: [
            'Location',
            'ETag',
            'Retry-After',
            'Idempotency-Replayed',
            'RateLimit-Limit',
            'RateLimit-Remaining',
            'RateLimit-Reset',
            'X-Request-Id',
          ],
          maxAge: 600,
        };
      },
    });
  },
  { name: 'bzctrl-cors' },
);
