import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** The native todo API under `/bzctrl-core-api/api/v1/todos`. */
export async function todoRoutes(_app: FastifyInstance, _deps: AppDeps) {}
