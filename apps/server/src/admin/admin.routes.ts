import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** The admin API under `/bzctrl-core-api/api/v1/admin`. */
export async function adminRoutes(_app: FastifyInstance, _deps: AppDeps) {}
