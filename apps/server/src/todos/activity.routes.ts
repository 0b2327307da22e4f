import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** Comments, watchers and history of a todo. */
export async function todoActivityRoutes(_app: FastifyInstance, _deps: AppDeps) {}
