import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { addTodoComment, listTodoComments } from '../../core/todos/comments.service.ts';
import { getTodoHistory } from '../../core/todos/history.service.ts';
import {
  addTodoWatcher,
  listTodoWatchers,
  removeTodoWatcher,
} from '../../core/todos/watchers.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { activitySchemas, CreateCommentBody, WatcherParams } from './activity.schemas.ts';
import { NATIVE_NAMES } from './todo.names.ts';
import { TodoRefParams } from './todos.schemas.ts';

const BASE = '/bzctrl-core-api/api/v1/todos/:ref';

/** Comments, watchers and history of a todo. */
export async function todoActivityRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  for (const schema of activitySchemas) app.addSchema(schema);
  const auth = (scope: 'todo:read' | 'todo:write') => ({
    onRequest: app.authenticate,
    preHandler: requireScope(scope),
  });
  const common = { tags: ['todos'], security: [{ bearer: [] }] };

  app.get(`${BASE}/comments`, {
    ...auth('todo:read'),
    schema: {
      ...common,
      summary: "List a todo's comments, oldest first",
      params: TodoRefParams,
      response: { 200: Type.Ref('CommentList'), ...problemResponses },
    },
    handler: async (request) => {
      const { ref } = request.params;
      return listTodoComments(ctxOf(request, deps, 'native'), ref);
    },
  });

  app.post(`${BASE}/comments`, {
    ...auth('todo:write'),
    schema: {
      ...common,
      summary: 'Comment on a todo (watchers are mailed)',
      params: TodoRefParams,
      body: CreateCommentBody,
      response: { 201: Type.Ref('Comment'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref } = request.params;
      const { body } = request.body;
      const comment = await addTodoComment(ctxOf(request, deps, 'native'), ref, body);
      return reply.code(201).send(comment);
    },
  });

  app.get(`${BASE}/watchers`, {
    ...auth('todo:read'),
    schema: {
      ...common,
      summary: "List a todo's watchers",
      params: TodoRefParams,
      response: { 200: Type.Ref('WatcherList'), ...problemResponses },
    },
    handler: async (request) => {
      const { ref } = request.params;
      return listTodoWatchers(ctxOf(request, deps, 'native'), ref);
    },
  });

  app.put(`${BASE}/watchers/:email`, {
    ...auth('todo:write'),
    schema: {
      ...common,
      summary: 'Make a user with access to the workspace watch a todo (idempotent)',
      params: WatcherParams,
      response: { 204: { type: 'null', description: 'Watching' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref, email } = request.params;
      await addTodoWatcher(ctxOf(request, deps, 'native'), ref, email);
      return reply.code(204).send(null);
    },
  });

  app.delete(`${BASE}/watchers/:email`, {
    ...auth('todo:write'),
    schema: {
      ...common,
      summary: 'Stop a user watching a todo',
      params: WatcherParams,
      response: { 204: { type: 'null', description: 'No longer watching' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const { ref, email } = request.params;
      await removeTodoWatcher(ctxOf(request, deps, 'native'), ref, email);
      return reply.code(204).send(null);
    },
  });

  app.get(`${BASE}/history`, {
    ...auth('todo:read'),
    schema: {
      ...common,
      summary: 'Every change of a todo, oldest first, with who or which system made it',
      params: TodoRefParams,
      response: { 200: Type.Ref('TodoHistory'), ...problemResponses },
    },
    handler: async (request) => {
      const { ref } = request.params;
      const history = await getTodoHistory(ctxOf(request, deps, 'native'), ref);
      for (const event of history.items)
        for (const c of event.changes) c.field = NATIVE_NAMES[c.field] ?? c.field;
      return history;
    },
  });
}
