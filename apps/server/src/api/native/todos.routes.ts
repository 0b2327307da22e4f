import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { createTodo } from '../../core/todos/todo-create.ts';
import { deleteTodo } from '../../core/todos/todo-delete.ts';
import { todoETag } from '../../core/todos/todo-etag.ts';
import { getTodo } from '../../core/todos/todo-load.ts';
import { updateTodo } from '../../core/todos/todo-update.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import {
  namingUnknownFields,
  problemResponses,
  refTo,
  type UnknownFieldMessage,
} from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { coreInputOf, createFieldProblem, NATIVE_NAMES, patchFieldProblem } from './todo.names.ts';
import { renderTodo } from './todo.render.ts';
import {
  CreateTodoBody,
  DryRunQuery,
  PatchTodoBody,
  TodoPreviewSchema,
  TodoRefParams,
} from './todos.schemas.ts';

const BASE = '/bzctrl-core-api/api/v1/todos';

/** An unknown field inside one (`externalRef.version`) is named plainly. */
const nativeUnknownField =
  (topLevel: (name: string) => string): UnknownFieldMessage =>
  (field) =>
    field.includes('.') ? 'is not a known field' : topLevel(field);

const ifMatchOf = (request: FastifyRequest) => {
  const h = request.headers['if-match'];
  return typeof h === 'string' ? h : undefined;
};

/**
 * `TodoPreview` (a dry run's answer) is shared by the create routes of several modules;
 * whichever is registered first adds it, so routes can refer to it by `$id`.
 */
export function addTodoPreviewSchema(app: FastifyInstance): void {
  if (!app.getSchema('TodoPreview')) app.addSchema(TodoPreviewSchema);
}

/** The native todo API under `/bzctrl-core-api/api/v1/todos`. */
export async function todoRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(CreateTodoBody);
  app.addSchema(PatchTodoBody);
  addTodoPreviewSchema(app);
  app.post(BASE, {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:write'),
    schemaErrorFormatter: namingUnknownFields(nativeUnknownField(createFieldProblem)),
    schema: {
      summary: 'Create a todo',
      description:
        'Creates a task or incident (201). With an externalRef already used in the workspace, ' +
        'answers 200 with that todo and changes nothing. With ?dryRun=true, checks everything ' +
        'and answers 200 with the todo as it would be stored (id, key and taskLink null).',
      tags: ['todos'],
      security: [{ bearer: [] }],
      querystring: DryRunQuery,
      body: refTo(CreateTodoBody, {
        examples: [
          // The README's native create, in the demo's workspace (`bzctrl serve --demo`).
          {
            workspace: 'IMP-NLD-EXA-SWA',
            todoType: 'TASK',
            title: 'Check seal numbers of container MSCU1234567',
            description: 'Seal numbers differ from the manifest',
            priority: 'HIGH',
            assignee: 'example@example.com',
            externalRef: { system: 'SAP', id: 'SO-4711' },
            tags: ['seal'],
          },
        ],
      }),
      response: {
        201: Type.Ref('Todo'),
        200: Type.Union([Type.Ref('Todo'), Type.Ref('TodoPreview')], {
          description: 'The existing todo with this externalRef, or the dry run',
        }),
        ...problemResponses,
      },
    },
    handler: async (request, reply) => {
      const { workspace, customFields, ...fields } = request.body;
      const { dryRun } = request.query;
      const result = await createTodo(
        ctxOf(request, deps, 'native'),
        {
          fields: coreInputOf(fields),
          fieldNames: NATIVE_NAMES,
          workspace:
            workspace === undefined
              ? { by: 'default', field: 'workspace' }
              : { by: 'key', key: workspace, field: 'workspace' },
          reporterDefaultsToActor: true,
          customFields: customFields ?? {},
        },
        { dryRun },
      );
      if (result.outcome === 'preview') return reply.code(200).send(renderTodo(result.todo));
      return reply
        .code(result.outcome === 'created' ? 201 : 200)
        .header('Location', `${BASE}/${result.todo.key}`)
        .header('ETag', todoETag(result.todo))
        .send(renderTodo(result.todo));
    },
  });

  app.get(`${BASE}/:ref`, {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'Read a todo by key or numeric id',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: TodoRefParams,
      response: { 200: Type.Ref('Todo'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref } = request.params;
      const todo = await getTodo(ctxOf(request, deps, 'native'), ref);
      return reply.header('ETag', todoETag(todo)).send(renderTodo(todo));
    },
  });

  app.patch(`${BASE}/:ref`, {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:write'),
    schemaErrorFormatter: namingUnknownFields(
      nativeUnknownField((name) => patchFieldProblem(name) ?? 'is invalid'),
    ),
    schema: {
      summary: 'Change some fields of a todo',
      description:
        'Only the fields sent change; null clears an optional one. Moving to DONE sets dueDate ' +
        'to today. Read-only and unknown fields are refused, each named. Send If-Match with ' +
        'the ETag you read to refuse (412) a change made by someone else in between.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: TodoRefParams,
      headers: Type.Object({
        'if-match': Type.Optional(Type.String({ description: 'The ETag of the todo as read' })),
      }),
      body: refTo(PatchTodoBody, {
        examples: [{ status: 'INPROGRESS', priority: 'HIGH', dueDate: null }],
      }),
      response: { 200: Type.Ref('Todo'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref } = request.params;
      const todo = await updateTodo(
        ctxOf(request, deps, 'native'),
        ref,
        coreInputOf(request.body),
        {
          ifMatch: ifMatchOf(request),
          fieldNames: NATIVE_NAMES,
        },
      );
      return reply.header('ETag', todoETag(todo)).send(renderTodo(todo));
    },
  });

  app.delete(`${BASE}/:ref`, {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:write'),
    schema: {
      summary: 'Delete a todo',
      description:
        'Soft delete, recorded in the history: the todo then answers 404, its key is never ' +
        'reused and its externalRef may be used again.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: TodoRefParams,
      headers: Type.Object({
        'if-match': Type.Optional(Type.String({ description: 'The ETag of the todo as read' })),
      }),
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref } = request.params;
      await deleteTodo(ctxOf(request, deps, 'native'), ref, { ifMatch: ifMatchOf(request) });
      return reply.code(204).send(null);
    },
  });
}
