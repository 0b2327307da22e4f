import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listTodos } from '../../core/todos/todo-list.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { renderTodo } from './todo.render.ts';
import { ListTodosQuery, TodoListSchema } from './todo-list.schemas.ts';

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
