import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** Listing and full-text search of todos: `GET /bzctrl-core-api/api/v1/todos`. */
export async function todoListRoutes(_app: FastifyInstance, _deps: AppDeps) {}
