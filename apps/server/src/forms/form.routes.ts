import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** The form contract: what a caller may send to create a todo in a workspace. */
export async function formRoutes(_app: FastifyInstance, _deps: AppDeps) {}
