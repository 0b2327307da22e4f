import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/context.ts';

/** `GET /bzctrl-core-api/api/v1/dashboard`: the web app's figures (being built, issue 5). */
export async function dashboardRoutes(_app: FastifyInstance, _deps: AppDeps) {}
