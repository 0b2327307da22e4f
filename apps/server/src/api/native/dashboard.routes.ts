import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getDashboard } from '../../core/dashboard/dashboard.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { DashboardQuery, dashboardSchemas } from './dashboard.schemas.ts';

/** `GET /bzctrl-core-api/api/v1/dashboard`: the web app's landing figures. */
export async function dashboardRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  for (const schema of dashboardSchemas) app.addSchema(schema);
  app.get('/bzctrl-core-api/api/v1/dashboard', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'Figures over the open todos: risk matrix, status counts, EUR at stake, dates',
      description:
        "Over the caller's workspaces, or the one named by `workspace`: open incidents by " +
        'impact × likelihood, todos by workspace and status, the open incidents’ potential ' +
        'financial impact in EUR per workspace, and the open todos past their due date ' +
        '(overdue), past their reminder date and due soon (a count and the first 10 of ' +
        'each). Deleted todos are never counted.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      querystring: DashboardQuery,
      response: { 200: Type.Ref('Dashboard'), ...problemResponses },
    },
    handler: async (request) => getDashboard(ctxOf(request, deps, 'native'), request.query),
  });
}
