import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import {
  admitEndpoint,
  allowedOriginsOf,
  endpointActor,
  exposedForm,
  withDefaults,
} from '../../core/exposed/exposed.public.ts';
import type { ExposedEndpointRow } from '../../core/exposed/exposed.repository.ts';
import {
  createExposedEndpoint,
  getEndpoint,
  listEndpoints,
  removeEndpoint,
  rotateEndpoint,
  updateEndpoint,
} from '../../core/exposed/exposed.service.ts';
import type { EndpointDefaults } from '../../core/exposed/exposed.settings.ts';
import { getCreateForm } from '../../core/forms/form.service.ts';
import type { Todo, TodoPreview } from '../../core/todos/todo.model.ts';
import { createTodo } from '../../core/todos/todo-create.ts';
import { AppError } from '../../platform/errors.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { EXPOSED_PATH } from '../../platform/http/exposed-path.ts';
import { problemResponses, refTo } from '../../platform/http/problem.ts';
import {
  addressOf,
  applyVerdict,
  minuteLimiter,
  sendTooMany,
} from '../../platform/http/rate-limit.plugin.ts';
import { requireAdministrator } from '../admin/admin.common.ts';
import { requireScope } from '../auth.plugin.ts';
import { fieldNamesOf, todoInputOf } from '../bzctrl/bzctrl.routes.ts';
import { FormQuery } from '../native/form.schemas.ts';
import { DryRunQuery } from '../native/todos.schemas.ts';
import {
  AddExposedTaskBody,
  CreateExposedEndpointBody,
  EndpointIdParams,
  ExposedEndpointSchema,
  ExposedEndpointWithUuidSchema,
  ExposedTaskCreatedSchema,
  ExposedTaskPreviewSchema,
  ExposedUuidParams,
  ListExposedEndpointsQuery,
  UpdateExposedEndpointBody,
} from './exposed.schemas.ts';

const ADMIN_PATH = '/bzctrl-core-api/api/v1/admin/exposed-endpoints';

/** Response headers a browser page may read on a cross-origin answer. */
const EXPOSED_HEADERS =
  'Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id, Idempotency-Replayed';

/**
 * The same 404 as a request to a route that does not exist (problem.ts's not-found
 * handler), so a UUID that opens nothing cannot be told apart from a wrong path.
 */
function noSuchRoute(request: FastifyRequest): AppError {
  return new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
}

/**
 * The `ExposedTaskCreated` fields, picked explicitly: whoever holds the UUID sees this
 * answer, so no reporter, assignee, amount or workspace detail may slip into it.
 */
function renderExposedTask(todo: Todo | TodoPreview) {
  const { key, id, title, description, todoType, status, tags, taskLink, createdAt } = todo;
  return {
    key,
    id,
    title,
    description,
    taskType: todoType,
    todoType,
    status,
    tags,
    taskLink,
    createdAt,
  };
}

function originAllowed(row: ExposedEndpointRow, origin: string | undefined): origin is string {
  return origin !== undefined && allowedOriginsOf(row).includes(origin);
}

/** SPEC §4: exposed endpoints, and the admin routes that manage them. */
export async function exposedRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(ExposedEndpointSchema);
  app.addSchema(ExposedEndpointWithUuidSchema);
  app.addSchema(AddExposedTaskBody);
  app.addSchema(ExposedTaskCreatedSchema);
  app.addSchema(ExposedTaskPreviewSchema);
  const { config } = deps;

  // ---- The public create: the UUID is the credential --------------------------------

  /** The endpoint each admitted request acts through, for its handler. */
  const exposedRows = new WeakMap<FastifyRequest, ExposedEndpointRow>();
  // Every attempt from an address counts, unknown UUIDs included; creates through one
  // endpoint count once it is known. Shared by every process on PostgreSQL.
  const perAddress = minuteLimiter(
    app,
    deps.db,
    config.exposedRateLimitPerAddress,
    (r) => `exposed-address:${addressOf(r)}`,
  );
  const perEndpoint = minuteLimiter(
    app,
    deps.db,
    config.exposedRateLimitPerMinute,
    (r) => `exposed-endpoint:${r.actor.endpointId}`,
  );

  /**
   * onRequest: admits the endpoint and acts as it, applies CORS and the two limits. Runs
   * before the body is read; later hooks (idempotency) see `request.actor`.
   */
  const admit = async (
    request: FastifyRequest<{ Params: Static<typeof ExposedUuidParams> }>,
    reply: FastifyReply,
  ) => {
    const { uuid } = request.params;
    const row = await admitEndpoint(deps.db, uuid);
    const origin = request.headers.origin;
    if (row) {
      reply.header('Vary', 'Origin');
      if (originAllowed(row, origin)) {
        reply.header('Access-Control-Allow-Origin', origin);
        reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      }
    }
    // Counted before a miss is answered, and refused the same way whatever the UUID, so
    // the limit neither tells valid UUIDs apart nor lets anyone guess freely.
    const byAddress = await perAddress(request);
    if (byAddress.isExceeded) return sendTooMany(reply, applyVerdict(reply, byAddress) as AppError);
    if (!row) throw noSuchRoute(request);
    // Browsers always send Origin on a cross-origin POST; servers send none.
    if (origin !== undefined && !originAllowed(row, origin)) {
      throw new AppError('forbidden', `This endpoint does not accept calls from ${origin}`);
    }
    request.actor = endpointActor(row);
    const byEndpoint = await perEndpoint(request);
    const tighter =
      byEndpoint.isExceeded || byEndpoint.remaining <= byAddress.remaining ? byEndpoint : byAddress;
    const tooMany = applyVerdict(reply, tighter);
    if (tooMany) return sendTooMany(reply, tooMany);
    exposedRows.set(request, row);
  };

  app.post(`${EXPOSED_PATH}/:uuid`, {
    onRequest: admit,
    // This route has its own, stricter limits instead of the API callers' one.
    config: { rateLimit: false, wrongMethodIsNotFound: true },
    schema: {
      summary: 'Create a task or incident through an exposed endpoint (no token)',
      description:
        'The UUID in the path is the credential. The todo lands in the endpoint workspace; ' +
        'the endpoint defaults fill in what the body leaves out (tags are combined). ' +
        'An unknown, disabled or rotated UUID answers 404 like an unknown path. ' +
        'An externalRef already used in the workspace stores nothing and answers 200 with the ' +
        'submission, not the todo that holds it. ' +
        'Rate-limited per endpoint and per client address.',
      tags: ['exposed'],
      params: ExposedUuidParams,
      querystring: DryRunQuery,
      body: refTo(AddExposedTaskBody),
      response: {
        201: Type.Ref('ExposedTaskCreated'),
        200: Type.Ref('ExposedTaskPreview', {
          description:
            'Nothing stored: the dry run, or the externalRef is already held by a todo of the ' +
            'workspace (a retry). Either way the submission as checked, never a stored todo',
        }),
        ...problemResponses,
      },
    },
    handler: async (request, reply) => {
      const row = exposedRows.get(request) as ExposedEndpointRow;
      const { body } = request;
      const { dryRun } = request.query;
      const ctx = ctxOf(request, deps, 'exposed');
      const command = {
        fields: withDefaults(row, todoInputOf(body)),
        workspace: { by: 'default', field: 'domainWorkSpace' } as const,
        fieldNames: fieldNamesOf(body),
        // The form contract offers the workspace's custom fields; left out, none are checked.
        customFields: body.customFields,
      };
      const result = await createTodo(ctx, command, { dryRun });
      if (result.outcome === 'created') {
        return reply
          .code(201)
          .header('Location', `/bzctrl-core-api/api/v1/tasks/${result.todo.key}`)
          .send(renderExposedTask(result.todo));
      }
      // A dry run, or an externalRef some todo of the workspace already holds: nothing is
      // stored, and the answer is the submission as checked, never a stored todo. Whoever
      // holds the UUID may not read todos by guessing their externalRef (docs/decisions.md).
      const preview =
        result.outcome === 'preview'
          ? result
          : await createTodo(
              ctx,
              { ...command, fields: { ...command.fields, externalRef: undefined } },
              { dryRun: true },
            );
      return reply.code(200).send(renderExposedTask(preview.todo));
    },
  });

  // The form contract of the endpoint's workspace, for a form (the <bzctrl-todo-form>
  // widget) on a page with no token: admitted, limited and CORS'd like the create.
  app.get(`${EXPOSED_PATH}/:uuid/form`, {
    onRequest: admit,
    config: { rateLimit: false, wrongMethodIsNotFound: true },
    schema: {
      summary: 'The form contract of an exposed endpoint (no token)',
      description:
        'The JSON Schema of GET /workspaces/{key}/form for the endpoint workspace, as this ' +
        'endpoint takes it: without the fields it ignores (workspace, watchers, dueDate), with ' +
        'its defaults, and without naming any person. Unknown, disabled or rotated UUIDs answer ' +
        '404 like an unknown path; counted by the same rate limits as the create.',
      tags: ['exposed'],
      params: ExposedUuidParams,
      querystring: FormQuery,
      response: { 200: Type.Ref('CreateTodoForm'), ...problemResponses },
    },
    handler: async (request) => {
      const row = exposedRows.get(request) as ExposedEndpointRow;
      const { type } = request.query;
      const defaults = JSON.parse(row.defaults) as EndpointDefaults;
      const form = await getCreateForm(
        ctxOf(request, deps, 'exposed'),
        row.workspaceKey,
        type ?? defaults.todoType,
      );
      return exposedForm(row, form);
    },
  });

  // CORS preflight: allowed origins get the grant, others an answer without CORS headers
  // (the browser then refuses); an unknown UUID gets the unknown-route 404.
  app.options(`${EXPOSED_PATH}/:uuid`, {
    onRequest: async (request) => {
      const { uuid } = request.params;
      const row = await admitEndpoint(deps.db, uuid);
      if (!row) throw noSuchRoute(request);
      exposedRows.set(request, row);
    },
    config: { wrongMethodIsNotFound: true },
    schema: { hide: true, params: ExposedUuidParams },
    handler: async (request, reply) => {
      const row = exposedRows.get(request) as ExposedEndpointRow;
      const origin = request.headers.origin;
      const method = request.headers['access-control-request-method'];
      reply.header('Vary', 'Origin');
      if (originAllowed(row, origin) && method === 'POST') {
        reply.headers({
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': 'Content-Type, Idempotency-Key, X-Request-Id',
          'Access-Control-Max-Age': '600',
        });
      }
      return reply.code(204).send();
    },
  });

  // ---- Administration ----------------------------------------------------------------

  const admin = {
    onRequest: app.authenticate,
    preHandler: [requireScope('admin'), requireAdministrator],
  };
  const common = { tags: ['admin'], security: [{ bearer: [] }] };
  const EndpointRef = Type.Ref('ExposedEndpoint');
  const EndpointWithUuidRef = Type.Ref('ExposedEndpointWithUuid');

  app.post(ADMIN_PATH, {
    ...admin,
    schema: {
      ...common,
      summary: 'Expose a workspace: create an endpoint (its UUID is shown only in this answer)',
      body: CreateExposedEndpointBody,
      response: { 201: EndpointWithUuidRef, ...problemResponses },
    },
    handler: async (request, reply) => {
      const created = await createExposedEndpoint(ctxOf(request, deps, 'native'), request.body);
      return reply
        .code(201)
        .header('Location', `${ADMIN_PATH}/${created.id}`)
        .header('Cache-Control', 'no-store')
        .send(created);
    },
  });

  app.get(ADMIN_PATH, {
    ...admin,
    schema: {
      ...common,
      summary: 'List exposed endpoints',
      querystring: ListExposedEndpointsQuery,
      // `{items}` like every other admin list.
      response: { 200: Type.Object({ items: Type.Array(EndpointRef) }), ...problemResponses },
    },
    handler: async (request) => {
      const { workspace } = request.query;
      return { items: await listEndpoints(ctxOf(request, deps, 'native'), workspace) };
    },
  });

  app.get(`${ADMIN_PATH}/:id`, {
    ...admin,
    schema: {
      ...common,
      summary: 'Read an exposed endpoint (never its UUID)',
      params: EndpointIdParams,
      response: { 200: EndpointRef, ...problemResponses },
    },
    handler: async (request) => getEndpoint(ctxOf(request, deps, 'native'), request.params.id),
  });

  app.patch(`${ADMIN_PATH}/:id`, {
    ...admin,
    schema: {
      ...common,
      summary: 'Rename, change defaults or allowed origins, disable or enable an endpoint',
      params: EndpointIdParams,
      body: UpdateExposedEndpointBody,
      response: { 200: EndpointRef, ...problemResponses },
    },
    handler: async (request) =>
      updateEndpoint(ctxOf(request, deps, 'native'), request.params.id, request.body),
  });

  app.delete(`${ADMIN_PATH}/:id`, {
    ...admin,
    schema: {
      ...common,
      summary: 'Delete an exposed endpoint; its UUID stops working at once',
      params: EndpointIdParams,
      response: { 204: Type.Null(), ...problemResponses },
    },
    handler: async (request, reply) => {
      await removeEndpoint(ctxOf(request, deps, 'native'), request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post(`${ADMIN_PATH}/:id/rotate`, {
    ...admin,
    schema: {
      ...common,
      summary: 'Give an endpoint a new UUID (shown only now); the old one stops working at once',
      params: EndpointIdParams,
      response: { 200: EndpointWithUuidRef, ...problemResponses },
    },
    handler: async (request, reply) => {
      const rotated = await rotateEndpoint(ctxOf(request, deps, 'native'), request.params.id);
      return reply.header('Cache-Control', 'no-store').send(rotated);
    },
  });
}
