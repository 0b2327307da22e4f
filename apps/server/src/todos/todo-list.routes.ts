import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireScope } from '../auth/auth.plugin.ts';
import { type AppDeps, ctxOf } from '../http/context.ts';
import { problemResponses } from '../http/problem.ts';
import { ListTodosQuery, TodoListSchema } from './todo-list.schemas.ts';
import { listTodos } from './todo-list.service.ts';
import { renderTodo } from './todos.service.ts';

/** Listing and full-text search of todos: `GET /bzctrl-core-api/api/v1/todos`. */
export async function todoListRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(TodoListSchema);
  app.get('/bzctrl-core-api/api/v1/todos', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'List and search todos',
      description:
        'The todos the caller may see, newest first unless `sort` says otherwise, one page ' +
        'at a time: pass `nextCursor` back as `cursor` for the next page. Filters combine ' +
        'with AND; the values of a multi-valued filter (repeated, or comma-separated) with OR.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      querystring: ListTodosQuery,
      response: { 200: Type.Ref('TodoList'), ...problemResponses },
    },
    handler: async (request) => {
      const list = await listTodos(ctxOf(request, deps, 'native'), request.query);
      return { ...list, items: list.items.map(renderTodo) };
    },
  });
}
