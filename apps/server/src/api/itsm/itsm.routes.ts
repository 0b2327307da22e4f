import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  attachUploads,
  listAttachedFiles,
  uploadRefsOf,
} from '../../core/attachments/attachments.service.ts';
import { findCustomFieldDefs, moduleOf } from '../../core/todos/custom-values.ts';
import { createTodo } from '../../core/todos/todo-create.ts';
import { deleteTodo } from '../../core/todos/todo-delete.ts';
import { normalizeEnum, type TodoType } from '../../core/todos/todo-fields.ts';
import { getTodo } from '../../core/todos/todo-load.ts';
import { updateTodo } from '../../core/todos/todo-update.ts';
import { listTodoWatchers } from '../../core/todos/watchers.service.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError, type FieldError, validationError } from '../../platform/errors.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { namingUnknownFields, refTo } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { type IncidentInput, incidentDataOf, itsmIncidents } from './itsm.extension.ts';
import { sendItsmFailure } from './itsm.failure.ts';
import { parseJsonKeepingLongs, stringifyWithLongs } from './itsm.json.ts';
import {
  canonicalCategory,
  customDetailsOf,
  customValuesOf,
  DEFAULT_CATEGORY,
  IMPACT_TO_LEVEL,
  IMPACTS,
  isCustomCategory,
  PRIORITIES,
  PRIORITY_TO_LEVEL,
  STATUS_TO_TODO,
  STATUSES,
  shownValues,
  TYPE_NAMES,
  todoTypeOf,
  VALUE_KEYS,
} from './itsm.mapping.ts';
import { findIncidentExtras, findLocationByName } from './itsm.repository.ts';
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

type Body = Record<string, unknown>;

/** The todos service's field names as the ITSM wire format calls them. */
function itsmField(field: string, customIds: Map<string, string>): string {
  const custom = /^customFields\.(.+)$/.exec(field);
  if (custom?.[1]) return `customFieldValueDetails.${customIds.get(custom[1]) ?? custom[1]}`;
  return field
    .replace(/^title\b/, 'subject')
    .replace(/^reporter\b/, 'requesterEmail')
    .replace(/^watchers\b/, 'ccEmailSet')
    .replace(/^todoType\b/, 'categoryName')
    .replace(/^category(\[\d+\])?$/, 'categoryName');
}

/** A validation error from the service, renamed into the ITSM field names. */
function renamed(err: unknown, customIds: Map<string, string>): unknown {
  if (!(err instanceof AppError) || err.errors.length === 0) return err;
  const errors = err.errors.map((e) => ({ ...e, field: itsmField(e.field, customIds) }));
  const again = validationError(errors);
  return err.code === 'validation_failed' ? again : new AppError(err.code, again.detail, errors);
}

/**
 * How the ITSM bodies name a field they do not take (their schemas refuse unknown
 * fields: a typo'd field that is ignored looks applied to the caller).
 */
const itsmUnknownField = (field: string) =>
  field === 'ccEmailSet'
    ? 'can be set on create only; change watchers with PUT or DELETE /bzctrl-core-api/api/v1/todos/{id}/watchers/{email}'
    : 'is not a field of an incident';

const success = (id: number) => ({ returnCode: 'SUCCESS', status: 0, userMessage: null, id });

/** Reads one enum field; a wrong value is named with the allowed ones. */
function enumOf<T extends string>(
  body: Body,
  field: string,
  allowed: readonly T[],
  problems: FieldError[],
): T | undefined {
  const v = body[field];
  if (typeof v !== 'string') return undefined;
  const hit = normalizeEnum(v, allowed);
  if (!hit) problems.push({ field, message: `"${v}" is not one of ${allowed.join(', ')}` });
  return hit;
}

/** Where an ITSM incident lands: the client's default workspace, or the user's only one. */
function checkWorkspace(ctx: Ctx): void {
  const { defaultWorkspaceId, workspaceIds } = ctx.actor;
  if (
    defaultWorkspaceId !== null &&
    (workspaceIds === null || workspaceIds.has(defaultWorkspaceId))
  )
    return;
  if (workspaceIds?.size === 1) return;
  throw new AppError(
    'validation_failed',
    workspaceIds?.size === 0
      ? 'workspace: you have no workspace to create incidents in'
      : "workspace: the API client has no default workspace and you may use several; ask an administrator to set the client's default workspace",
  );
}

/**
 * The fields both create and update map the same way: the todo's values, the dialect's
 * own columns, and the custom values (name → value) with their ids for error names.
 */
async function mapCommon(db: Executor, body: Body, todoType: TodoType | undefined) {
  const problems: FieldError[] = [];
  const fields: Record<string, unknown> = {};
  const incident: IncidentInput = {};
  let locationId: number | null | undefined;
  if (body.subject !== undefined) fields.title = body.subject;
  if (body.description !== undefined) fields.description = body.description;
  if (body.requesterEmail !== undefined) fields.reporter = body.requesterEmail;
  if (body.tags !== undefined) fields.tags = body.tags;
  if (body.requesterName !== undefined) {
    const name = typeof body.requesterName === 'string' ? body.requesterName.trim() : '';
    if (name.length > 200)
      problems.push({ field: 'requesterName', message: 'must be at most 200 characters' });
    incident.requesterName = name === '' ? null : name;
  }
  const impact = enumOf(body, 'impact', IMPACTS, problems);
  if (impact) {
    fields.impact = IMPACT_TO_LEVEL[impact];
    incident.itsmImpact = impact;
  }
  const priority = enumOf(body, 'priority', PRIORITIES, problems);
  if (priority) {
    fields.priority = PRIORITY_TO_LEVEL[priority];
    incident.itsmPriority = priority;
  }
  const urgency = enumOf(body, 'urgency', PRIORITIES, problems);
  if (urgency) incident.urgency = urgency;
  const status = enumOf(body, 'status', STATUSES, problems);
  if (status) {
    fields.status = STATUS_TO_TODO[status];
    incident.itsmStatus = status;
  }
  if (typeof body.spam === 'boolean') incident.spam = body.spam ? 1 : 0;
  if (body.locationName !== undefined) {
    const name = typeof body.locationName === 'string' ? body.locationName.trim() : '';
    if (name === '') locationId = null;
    else {
      const location = await findLocationByName(db, name);
      if (location) locationId = location.id;
      else
        problems.push({
          field: 'locationName',
          message: `no location named "${name}"; an administrator manages locations`,
        });
    }
  }
  let customIds = new Map<string, string>();
  let customFields: Record<string, unknown> | undefined;
  if (body.customFieldValueDetails !== undefined && todoType !== undefined) {
    const module = moduleOf(todoType);
    const defs = await findCustomFieldDefs(db, module);
    const mapped = customValuesOf(
      body.customFieldValueDetails as Record<string, Record<string, unknown>>,
      defs,
      module,
      problems,
    );
    customFields = mapped.values;
    customIds = mapped.names;
  }
  return { problems, fields, incident, locationId, customFields, customIds };
}

/** Attaches `attachmentsRefNames` (uploads from POST /api/oprfile) to an incident. */
async function attachRefs(
  ctx: Ctx,
  trx: Executor,
  todo: { id: number; workspaceId: number },
  refs: unknown,
): Promise<void> {
  await attachUploads(
    ctx,
    trx,
    todo.id,
    todo.workspaceId,
    uploadRefsOf(refs),
    'attachmentsRefNames',
  );
}

/** GET's incident: the todo in ITSM terms, LONG custom values exact. */
async function renderIncident(ctx: Ctx, id: string) {
  const todo = await getTodo(ctx, id);
  const [extras, watchers, defs, files] = await Promise.all([
    findIncidentExtras(ctx.db.kysely, todo.id),
    listTodoWatchers(ctx, String(todo.id)),
    findCustomFieldDefs(ctx.db.kysely, moduleOf(todo.todoType)),
    listAttachedFiles(ctx, todo),
  ]);
  const shown = shownValues(todo, extras);
  return {
    requesterEmail: todo.reporter,
    requesterName: extras.requesterName ?? extras.reporterName,
    ccEmailSet: watchers.items.map((w) => w.email),
    subject: todo.title,
    description: todo.description,
    categoryName: shown.categoryName,
    status: shown.status,
    impact: shown.impact,
    priority: shown.priority,
    urgency: extras.urgency ?? 'LOW',
    locationName: extras.locationName ?? null,
    tags: todo.tags,
    spam: Number(extras.spam) === 1,
    // None reads as null, as seed 003's incident shows.
    fileAttachments:
      files.length === 0
        ? null
        : files.map((f) => ({ refFileName: f.ref, realName: f.name, link: f.link })),
    customFieldValueDetails: customDetailsOf(todo.customFields, defs),
  };
}

/** An incident id: numeric; anything else is a missing incident. */
function incidentId(params: unknown): string {
  const { id } = params as { id: string };
  if (!/^\d{1,15}$/.test(id)) throw new AppError('not_found', `No incident ${id}`);
  return id;
}

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
        const ctx = ctxFor(request);
        const { body } = request;
        checkWorkspace(ctx);
        const category = canonicalCategory(
          typeof body.categoryName === 'string' && body.categoryName.trim() !== ''
            ? body.categoryName
            : DEFAULT_CATEGORY,
        );
        const todoType = todoTypeOf(category);
        const m = await mapCommon(
          ctx.db.kysely,
          { customFieldValueDetails: {}, ...body },
          todoType,
        );
        if (m.problems.length > 0) throw validationError(m.problems);
        try {
          const { todo } = await createTodo(ctx, {
            fields: {
              ...m.fields,
              todoType,
              status: m.fields.status ?? 'TODO',
              watchers: body.ccEmailSet,
              category: isCustomCategory(category) ? [category] : undefined,
            },
            workspace: { by: 'default', field: 'workspace' },
            customFields: m.customFields,
            optionalDescription: true,
            locationId: m.locationId,
            extensions: { [itsmIncidents.name]: { ...m.incident, categoryName: category } },
            // In the create's transaction: a bad reference stores nothing at all.
            inTransaction: (trx, todo) => attachRefs(ctx, trx, todo, body.attachmentsRefNames),
          });
          return success(todo.id);
        } catch (err) {
          throw renamed(err, m.customIds);
        }
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
          const ctx = ctxFor(request);
          const id = incidentId(request.params);
          const { body } = request;
          if (Object.keys(body).length === 0)
            throw validationError([
              { field: 'body', message: 'send at least one field to change' },
            ]);
          let customIds = new Map<string, string>();
          try {
            // Read and written in the update's transaction, the todo locked: a category
            // another request adds meanwhile is kept, not overwritten by a stale list.
            const todo = await updateTodo(
              ctx,
              id,
              async (trx, before, extensionData) => {
                const input: Record<string, unknown> = {};
                let category: string | undefined;
                if (typeof body.categoryName === 'string' && body.categoryName.trim() !== '') {
                  const beforeCategory = incidentDataOf(extensionData).categoryName;
                  category = canonicalCategory(body.categoryName);
                  input.todoType = todoTypeOf(category);
                  // A named category is kept among the todo's categories, replacing the old one.
                  const kept = before.category.filter(
                    (c) => !(isCustomCategory(beforeCategory) && c === beforeCategory),
                  );
                  if (isCustomCategory(category) && !kept.includes(category)) kept.push(category);
                  if (kept.join('\n') !== before.category.join('\n')) input.category = kept;
                }
                const todoType = (input.todoType as TodoType | undefined) ?? before.todoType;
                const m = await mapCommon(trx, body, todoType);
                customIds = m.customIds;
                if (m.problems.length > 0) throw validationError(m.problems);
                Object.assign(input, m.fields);
                if (m.customFields !== undefined) input.customFields = m.customFields;
                const incident = { ...m.incident };
                if (category !== undefined) incident.categoryName = category;
                return {
                  input,
                  locationId: m.locationId,
                  extensions: { [itsmIncidents.name]: incident },
                };
              },
              {
                inTransaction: (trx, todo) => attachRefs(ctx, trx, todo, body.attachmentsRefNames),
              },
            );
            return success(todo.id);
          } catch (err) {
            throw renamed(err, customIds);
          }
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
