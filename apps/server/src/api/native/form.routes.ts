import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getCreateForm, listMyWorkspaces } from '../../core/forms/form.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { FormParams, FormQuery, formSchemas } from './form.schemas.ts';

/** Where the caller may create todos, and the form contract: what to send to do it. */
export async function formRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  for (const schema of formSchemas) app.addSchema(schema);
  app.get('/bzctrl-core-api/api/v1/workspaces', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: "The caller's workspaces (every workspace for an administrator)",
      tags: ['todos'],
      security: [{ bearer: [] }],
      response: { 200: Type.Ref('WorkspaceSummaryList'), ...problemResponses },
    },
    handler: async (request) => listMyWorkspaces(ctxOf(request, deps, 'native')),
  });

  app.get('/bzctrl-core-api/api/v1/workspaces/:key/form', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'The form contract: a JSON Schema of what creates a todo in this workspace',
      description:
        'Validate a body against it before sending it, or build a form from it: enums, limits, ' +
        'defaults, the users who may be reporter or assignee (x-users) and the custom fields.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: FormParams,
      querystring: FormQuery,
      response: { 200: Type.Ref('CreateTodoForm'), ...problemResponses },
    },
    handler: async (request) => {
      const { key } = request.params;
      const { type } = request.query;
      return getCreateForm(ctxOf(request, deps, 'native'), key, type);
    },
  });
}
