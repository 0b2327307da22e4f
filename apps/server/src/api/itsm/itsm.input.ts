import { findCustomFieldDefs, moduleOf } from '../../core/todos/custom-values.ts';
import { normalizeEnum, type TodoType } from '../../core/todos/todo-fields.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError, type FieldError, validationError } from '../../platform/errors.ts';
import type { IncidentInput } from './itsm.extension.ts';
import {
  customValuesOf,
  IMPACT_TO_LEVEL,
  IMPACTS,
  PRIORITIES,
  PRIORITY_TO_LEVEL,
  STATUS_TO_TODO,
  STATUSES,
} from './itsm.mapping.ts';
import { findLocationByName } from './itsm.repository.ts';

/** Reading an ITSM body into the todos service's terms, and its errors back. */

export type Body = Record<string, unknown>;

/** The todos service's field names as the ITSM wire format calls them. */
export function itsmField(field: string, customIds: Map<string, string>): string {
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
export function renamed(err: unknown, customIds: Map<string, string>): unknown {
  if (!(err instanceof AppError) || err.errors.length === 0) return err;
  const errors = err.errors.map((e) => ({ ...e, field: itsmField(e.field, customIds) }));
  const again = validationError(errors);
  return err.code === 'validation_failed' ? again : new AppError(err.code, again.detail, errors);
}

/** Reads one enum field; a wrong value is named with the allowed ones. */
export function enumOf<T extends string>(
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
export function checkWorkspace(ctx: Ctx): void {
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
export async function mapCommon(db: Executor, body: Body, todoType: TodoType | undefined) {
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

/** An incident id: numeric; anything else is a missing incident. */
export function incidentId(params: unknown): string {
  const { id } = params as { id: string };
  if (!/^\d{1,15}$/.test(id)) throw new AppError('not_found', `No incident ${id}`);
  return id;
}
