import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { findCustomFieldDefs } from '../../core/todos/custom-values.ts';
import { deleteTodo } from '../../core/todos/todo-delete.ts';
import { getTodo } from '../../core/todos/todo-load.ts';
import { AppError } from '../../platform/errors.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { namingUnknownFields, refTo } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { sendItsmFailure } from './itsm.failure.ts';
import { createIncident, renderIncident, updateIncident } from './itsm.incidents.ts';
import { incidentId } from './itsm.input.ts';
import { parseJsonKeepingLongs, stringifyWithLongs } from './itsm.json.ts';
import { TYPE_NAMES, VALUE_KEYS } from './itsm.mapping.ts';
import {
  CreateIncidentBody,
  CustomFieldForm,
  CustomFieldValue,
  FileAttachment,
  Incident,
  IncidentParams,
  ItsmFailure,
  ItsmSuccess,
  itsmFailures,
  UpdateIncidentBody,
} from './itsm.schemas.ts';

/**
 * How the ITSM bodies name a field they do not take (their schemas refuse unknown
 * fields: a typo'd field that is ignored looks applied to the caller).
 */
const itsmUnknownField = (field: string) =>
  field === 'ccEmailSet'
    ? 'can be set on create only; change watchers with PUT or DELETE /bzctrl-core-api/api/v1/todos/{id}/watchers/{email}'
    : 'is not a field of an incident';

const success = (id: number) => ({ returnCode: 'SUCCESS', status: 0, userMessage: null, id });

/**
 * SPEC §5: the ITSM incident dialect, a thin adapter over the todos service. Its own
 * scope gives it its envelope for every error (401 included) and a JSON parser that
 * keeps LONG custom values exact.
 */
export async function itsmDialectRoutes(app: FastifyInstance, deps: AppDeps) {
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    for (const schema of [
      ItsmSuccess,
      ItsmFailure,
      CustomFieldValue,
      CreateIncidentBody,
      FileAttachment,
      UpdateIncidentBody,
      Incident,
      CustomFieldForm,
    ])
      scope.addSchema(schema);
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      (_request, body, done) => {
        try {
          done(null, parseJsonKeepingLongs(String(body)));
        } catch (err) {
          const e = err as Error & { statusCode?: number };
          e.statusCode = 400;
          done(e, undefined);
        }
      },
    );
    scope.setErrorHandler(sendItsmFailure);
    scope.setSchemaErrorFormatter(namingUnknownFields(itsmUnknownField));

    const base = {
      onRequest: scope.authenticate,
      schema: { tags: ['itsm'], security: [{ bearer: [] }] },
    };
    const ctxFor = (request: FastifyRequest) => ctxOf(request, deps, 'itsm');

    scope.post('/api/v1/incident', {
      ...base,
      preHandler: requireScope('todo:write'),
      schema: {
        ...base.schema,
        summary: 'Create an incident or service request (ITSM)',
        body: refTo(CreateIncidentBody),
        response: { 200: Type.Ref('ItsmSuccess'), ...itsmFailures },
      },
      handler: async (request) => {
        return success(await createIncident(ctxFor(request), request.body));
      },
    });

    for (const path of ['/api/v1/incident/:id', '/api/incident/:id']) {
      scope.post(path, {
        ...base,
        preHandler: requireScope('todo:write'),
        schema: {
          ...base.schema,
          summary: 'Update an incident (ITSM)',
          params: IncidentParams,
          body: refTo(UpdateIncidentBody),
          response: { 200: Type.Ref('ItsmSuccess'), ...itsmFailures },
        },
        handler: async (request) => {
          const id = incidentId(request.params);
          return success(await updateIncident(ctxFor(request), id, request.body));
        },
      });

      scope.get(path, {
        ...base,
        preHandler: requireScope('todo:read'),
        schema: {
          ...base.schema,
          summary: 'Read an incident (ITSM)',
          params: IncidentParams,
          response: { 200: Type.Ref('ItsmIncident'), ...itsmFailures },
        },
        handler: async (request, reply) => {
          const incident = await renderIncident(ctxFor(request), incidentId(request.params));
          // Written by hand so a LONG beyond 2^53 keeps every digit.
          return reply.type('application/json').serializer(stringifyWithLongs).send(incident);
        },
      });

      scope.delete(path, {
        ...base,
        preHandler: requireScope('todo:write'),
        schema: {
          ...base.schema,
          summary: 'Delete an incident (ITSM)',
          params: IncidentParams,
          response: { 200: Type.Ref('ItsmSuccess'), ...itsmFailures },
        },
        handler: async (request) => {
          const ctx = ctxFor(request);
          const todo = await getTodo(ctx, incidentId(request.params));
          await deleteTodo(ctx, todo.id);
          return success(todo.id);
        },
      });
    }

    scope.get('/api/ususer/form/:module', {
      ...base,
      preHandler: requireScope('todo:read'),
      schema: {
        ...base.schema,
        summary: 'The custom fields of a module (incident or task)',
        params: Type.Object({ module: Type.String({ description: 'incident or task' }) }),
        response: { 200: Type.Ref('ItsmCustomFieldForm'), ...itsmFailures },
      },
      handler: async (request) => {
        const { module } = request.params;
        const name = module.trim().toLowerCase();
        if (name !== 'incident' && name !== 'task')
          throw new AppError('not_found', `No module ${module}: use incident or task`);
        const defs = await findCustomFieldDefs(deps.db.kysely, name);
        return {
          module: name,
          fields: defs.map((d) => ({
            ...d,
            typeName: TYPE_NAMES[d.type] ?? String(d.type),
            valueKey: VALUE_KEYS[d.type] ?? 'value',
          })),
        };
      },
    });
  });
}
