import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** SPEC §4: exposed endpoints, and the admin routes that manage them. */
export async function exposedRoutes(_app: FastifyInstance, _deps: AppDeps) {}
