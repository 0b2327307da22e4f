import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createTodo } from '../../core/todos/todo-create.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { todoInputOf, workspaceRefOf } from '../bzctrl/bzctrl.routes.ts';
import { DryRunQuery } from '../native/todos.schemas.ts';

const ShortBody = Type.Object(
  {
    type: Type.Optional(Type.String({ description: 'Incident or Task. Required.' })),
    title: Type.Optional(Type.String({ description: 'Required' })),
    description: Type.Optional(Type.String({ description: 'Required' })),
    workspace: Type.Optional(
      Type.String({ description: 'Workspace display name ("Inbound Control"), code or key' }),
    ),
    priority: Type.Optional(Type.String({ description: 'Low, Medium or High' })),
    reporter: Type.Optional(Type.String({ description: 'Defaults to the signed-in user' })),
  },
  { additionalProperties: true, description: 'Any add-task field is accepted as well' },
);

const ShortResponse = Type.Object({
  status: Type.Literal('Success'),
  reference: Type.String({ description: 'The todo key' }),
  url: Type.String({ description: 'The details page' }),
});

/** An existing todo (same externalRef), or a dry run: reference and url null, nothing stored. */
const ShortExistingOrPreview = Type.Object({
  status: Type.Literal('Success'),
  reference: Type.Union([Type.String(), Type.Null()], { description: 'Null on a dry run' }),
  url: Type.Union([Type.String(), Type.Null()], { description: 'Null on a dry run' }),
});

/** Seed 002's short form: `PUT /api/task` answering `{status, reference, url}`. */
export async function shortDialectRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  for (const method of ['PUT', 'POST'] as const) {
    app.route({
      method,
      url: '/api/task',
      onRequest: app.authenticate,
      preHandler: requireScope('todo:write'),
      schema: {
        summary: 'Create a task or incident (short form)',
        tags: ['short'],
        security: [{ bearer: [] }],
        querystring: DryRunQuery,
        body: ShortBody,
        response: { 201: ShortResponse, 200: ShortExistingOrPreview, ...problemResponses },
      },
      handler: async (request, reply) => {
        // Any add-task field is taken too (todoInputOf reads them), so read it as a record.
        const body: Record<string, unknown> = request.body;
        const { dryRun } = request.query;
        const { outcome, todo } = await createTodo(
          ctxOf(request, deps, 'short'),
          {
            fields: { ...todoInputOf(body), todoType: body.type ?? body.todoType },
            workspace: workspaceRefOf(body),
            reporterDefaultsToActor: true,
            fieldNames: { todoType: 'type' },
          },
          { dryRun },
        );
        return reply
          .code(outcome === 'created' ? 201 : 200)
          .send({ status: 'Success', reference: todo.key, url: todo.taskLink });
      },
    });
  }
}
