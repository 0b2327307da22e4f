import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { attachUploads, uploadRefsOf } from '../../core/attachments/attachments.service.ts';
import type { WorkspaceRef } from '../../core/tenancy/workspace-ref.ts';
import { createTodo } from '../../core/todos/todo-create.ts';
import type { TodoInput } from '../../core/todos/todo-fields.ts';
import { getTodo } from '../../core/todos/todo-load.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses, refTo } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { AddTaskBody, DryRunQuery } from '../native/todos.schemas.ts';
import { addBzctrlTaskSchemas, renderBzctrlTask } from './bzctrl.render.ts';

type Body = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** SPEC §3: `domainWorkSpace`, or `domain` (+ `workspace`), or `workspace` alone. */
export function workspaceRefOf(body: Body): WorkspaceRef {
  const key = str(body.domainWorkSpace) ?? str(body.domainWorkspace);
  if (key) return { by: 'key', key, field: 'domainWorkSpace' };
  const domain = str(body.domain);
  if (domain) return { by: 'domain', domain, code: str(body.workspace) ?? null, field: 'domain' };
  const workspace = str(body.workspace);
  if (workspace) return { by: 'codeOrName', value: workspace, field: 'workspace' };
  return { by: 'default', field: 'domainWorkSpace' };
}

/** The add-task body's fields under the domain's names (`LRN` is accepted for `lrn`). */
export function todoInputOf(body: Body): TodoInput {
  return {
    todoType: body.todoType,
    title: body.title,
    description: body.description,
    result: body.result,
    financialImpact: body.financialImpact,
    impact: body.impact,
    likelihood: body.likelihood,
    priority: body.priority,
    status: body.status,
    assignee: body.assignee,
    reporter: body.reporter,
    category: body.category,
    subCategory: body.subCategory,
    orderId: body.orderID ?? body.orderId,
    lrn: body.lrn ?? body.LRN,
    tags: body.tags,
    reminderDate: body.reminderDate,
    externalRef: body.externalRef,
  };
}

/**
 * The names a caller used for fields, for errors: `orderID` (or `orderId` when sent so)
 * for the core's `orderId`, `LRN` when `lrn` was sent that way.
 */
export function fieldNamesOf(body: Body): Partial<Record<string, string>> {
  return {
    orderId: body.orderID === undefined && body.orderId !== undefined ? 'orderId' : 'orderID',
    ...(body.LRN !== undefined && body.lrn === undefined ? { lrn: 'LRN' } : {}),
  };
}

/**
 * Seed 001's request body, with the demo's users (`bzctrl serve --demo`): "Try it out" on
 * /docs creates a task as it stands, signed in as example@example.com.
 */
const SEED_001_EXAMPLE = {
  todoType: 'TASK',
  domainWorkSpace: 'VTT-NLD-TML-FIN',
  title: 'title',
  description: 'description',
  result: 'result',
  financialImpact: '123',
  impact: 'HIGH',
  likelihood: 'MEDIUM',
  status: 'TODO',
  priority: 'HIGH',
  assignee: 'rge@example.com',
  reporter: 'example@example.com',
  category: ['Customs', 'Fetsa'],
  subCategory: ['high'],
  lrn: 'test',
  orderID: 'tag',
  reminderDate: '2024-09-27',
};

/** SPEC §3: add-task (POST and PUT) and the read-back an integrator verifies with. */
export async function bzctrlDialectRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(AddTaskBody);
  addBzctrlTaskSchemas(app);
  for (const method of ['POST', 'PUT'] as const) {
    app.route({
      method,
      url: '/bzctrl-core-api/api/v1/task/add-task',
      onRequest: app.authenticate,
      preHandler: requireScope('todo:write'),
      schema: {
        summary: 'Create a task or incident',
        tags: ['bzctrl'],
        security: [{ bearer: [] }],
        querystring: DryRunQuery,
        body: refTo(AddTaskBody, { examples: [SEED_001_EXAMPLE] }),
        response: {
          201: Type.Ref('BzctrlTask'),
          200: Type.Union([Type.Ref('BzctrlTask'), Type.Ref('BzctrlTaskPreview')], {
            description: 'The existing todo with this externalRef, or the dry run (nothing stored)',
          }),
          ...problemResponses,
        },
      },
      handler: async (request, reply) => {
        const { body } = request;
        const { dryRun } = request.query;
        const ctx = ctxOf(request, deps, 'bzctrl');
        const refs = uploadRefsOf(body.attachments);
        const result = await createTodo(
          ctx,
          {
            fields: todoInputOf(body),
            workspace: workspaceRefOf(body),
            fieldNames: fieldNamesOf(body),
            // Upload references (docs/attachments.md), attached in the create's transaction.
            inTransaction: async (trx, todo) => {
              await attachUploads(ctx, trx, todo.id, todo.workspaceId, refs, 'attachments');
            },
          },
          { dryRun },
        );
        if (result.outcome === 'preview')
          return reply.code(200).send(renderBzctrlTask(result.todo));
        return reply
          .code(result.outcome === 'created' ? 201 : 200)
          .header('Location', `/bzctrl-core-api/api/v1/tasks/${result.todo.key}`)
          .send(renderBzctrlTask(result.todo));
      },
    });
  }

  app.get('/bzctrl-core-api/api/v1/tasks/:key', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'Read a todo back by key',
      tags: ['bzctrl'],
      security: [{ bearer: [] }],
      params: Type.Object({ key: Type.String() }),
      response: { 200: Type.Ref('BzctrlTask'), ...problemResponses },
    },
    handler: async (request) => {
      const { key } = request.params;
      return renderBzctrlTask(await getTodo(ctxOf(request, deps, 'bzctrl'), key));
    },
  });
}
