import type { Ctx } from '../../platform/context.ts';
import { AppError, FieldErrors, validationError } from '../../platform/errors.ts';
import { AMOUNT_PATTERN, EMAIL_MAX_LENGTH, normalizeKey } from '../../platform/values/rules.ts';
import { resolveWorkspace } from '../tenancy/workspace-ref.ts';
import {
  LEVELS,
  LIMITS,
  normalizeEnum,
  SETTABLE_STATUSES,
  TODO_TYPES,
  type TodoType,
} from '../todos/todo-fields.ts';
import {
  listActiveMembers,
  listCustomFieldDefinitions,
  listWorkspacesWithDomain,
} from './form.repository.ts';

export interface WorkspaceSummary {
  key: string;
  code: string;
  name: string;
  domain: string;
  domainName: string;
  /** The workspace a create that names none goes to. */
  default: boolean;
}

/** The workspace a create that names none would use for this caller, if any. */
async function defaultWorkspaceId(ctx: Ctx): Promise<number | undefined> {
  const ws = await resolveWorkspace(ctx, { by: 'default', field: 'workspace' }, new FieldErrors());
  return ws === undefined ? undefined : Number(ws.id);
}

/** The workspaces the caller may use (all of them for an administrator). */
export async function listMyWorkspaces(ctx: Ctx): Promise<{ items: WorkspaceSummary[] }> {
  const [rows, defaultId] = await Promise.all([
    listWorkspacesWithDomain(ctx.db.kysely, ctx.actor.workspaceIds),
    defaultWorkspaceId(ctx),
  ]);
  return {
    items: rows.map(({ id, ...w }) => ({ ...w, default: id === defaultId })),
  };
}

/** JSON Schema (draft 2020-12) keywords plus our `x-` annotations. */
type JsonSchema = Record<string, unknown>;

const NON_BLANK = '\\S';

/**
 * The form contract: a JSON Schema of what the caller may send to create a todo of
 * `type` in workspace `key`. It is the intersection of what the native create and
 * add-task accept, so a body valid against it is accepted by both: native names, the
 * reporter always named (add-task requires it). Unknown fields are refused although the
 * API drops them, so a misspelt optional field is caught instead of silently lost.
 * Canonical enum values are listed; the API also forgives case and spaces.
 */
export async function getCreateForm(
  ctx: Ctx,
  key: string,
  typeParam: string | undefined,
): Promise<JsonSchema> {
  const type: TodoType | undefined =
    typeParam === undefined || typeParam.trim() === ''
      ? 'TASK'
      : normalizeEnum(typeParam.trim(), TODO_TYPES);
  if (!type) {
    throw validationError([
      { field: 'type', message: `"${typeParam}" is not one of ${TODO_TYPES.join(', ')}` },
    ]);
  }
  const db = ctx.db.kysely;
  const [ws] = await listWorkspacesWithDomain(db, ctx.actor.workspaceIds, normalizeKey(key));
  if (!ws) {
    throw new AppError('workspace_not_found', `No workspace ${key} (or not one you may use)`);
  }
  const [members, fields, defaultId] = await Promise.all([
    listActiveMembers(db, ws.id),
    listCustomFieldDefinitions(db, type.toLowerCase()),
    defaultWorkspaceId(ctx),
  ]);
  const emails = members.map((m) => m.email);
  const person = (description: string): JsonSchema => ({
    type: 'string',
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    description,
    'x-users': emails,
    ...(emails.length > 0 ? { examples: emails.slice(0, 3) } : {}),
  });
  const strings = (description: string, maxItems: number): JsonSchema => ({
    type: 'array',
    items: { type: 'string', maxLength: LIMITS.tag },
    maxItems,
    description,
  });
  const level = (label: string): JsonSchema => ({
    type: 'string',
    enum: [...LEVELS],
    description: `${label}: LOW, MEDIUM or HIGH ("High" is accepted too)`,
  });

  const custom = customFieldsSchema(fields);
  const required = ['todoType', 'title', 'description', 'reporter'];
  // A caller whose default workspace is this one may leave it out; others must name it.
  if (defaultId !== ws.id) required.push('workspace');
  if (custom.required.length > 0) required.push('customFields');

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `New ${type} in ${ws.key} (${ws.name})`,
    description:
      `What to send to POST /bzctrl-core-api/api/v1/todos to create a ${type} in workspace ` +
      `${ws.key}; a body valid against it is accepted by POST /bzctrl-core-api/api/v1/task/add-task ` +
      'too (which ignores watchers, dueDate and customFields). Enum values are canonical; the API ' +
      'also accepts them in any case and with spaces or underscores.',
    type: 'object',
    required,
    properties: {
      todoType: {
        type: 'string',
        const: type,
        default: type,
        description: 'TASK or INCIDENT; this form is for one of them',
      },
      workspace: {
        type: 'string',
        const: ws.key,
        default: ws.key,
        description: 'The workspace key (add-task also takes it as domainWorkSpace)',
      },
      title: {
        type: 'string',
        minLength: 1,
        maxLength: LIMITS.title,
        pattern: NON_BLANK,
        description: 'Short summary',
      },
      description: {
        type: 'string',
        minLength: 1,
        maxLength: LIMITS.text,
        pattern: NON_BLANK,
        description: 'What happened or what must be done',
      },
      result: { type: 'string', maxLength: LIMITS.text, description: 'Outcome (tasks)' },
      financialImpact: {
        type: ['number', 'string'],
        minimum: 0,
        exclusiveMaximum: 1e13,
        pattern: AMOUNT_PATTERN,
        description:
          'Amount in EUR, exact to the cent: a number or a numeric string with a dot and at most two decimals, e.g. "1234.50"',
        examples: ['1234.50', 250],
        'x-currency': 'EUR',
      },
      impact: level('Impact'),
      likelihood: level('Likelihood'),
      priority: level('Priority'),
      status: {
        type: 'string',
        enum: [...SETTABLE_STATUSES],
        default: 'INPROGRESS',
        description: 'DONE sets the due date to the day of the transaction',
      },
      reporter: {
        ...person('E-mail of the reporting user; must have access to this workspace'),
        // Prefills a form for a signed-in user (the native create defaults to them too).
        ...(ctx.actor.userEmail ? { default: ctx.actor.userEmail } : {}),
      },
      assignee: {
        ...person('E-mail of the user who follows the todo up; defaults to the reporter'),
        'x-default-from': 'reporter',
      },
      watchers: {
        type: 'array',
        items: { type: 'string', format: 'email', maxLength: EMAIL_MAX_LENGTH },
        maxItems: LIMITS.watchers,
        uniqueItems: true,
        description: 'E-mails of users to mail on every change (add-task ignores it)',
        'x-users': emails,
      },
      category: strings('Categories (a single string is accepted too)', LIMITS.categories),
      subCategory: strings('Sub-categories (a single string is accepted too)', LIMITS.categories),
      orderID: {
        type: 'string',
        maxLength: LIMITS.tag,
        description: 'Order reference; also added as a tag',
      },
      lrn: {
        type: 'string',
        maxLength: LIMITS.tag,
        description: 'Local reference number of a customs declaration; also added as a tag',
      },
      tags: strings('Free tags', LIMITS.tags),
      reminderDate: {
        type: 'string',
        format: 'date',
        description: 'YYYY-MM-DD: the assignee is reminded on this day',
      },
      dueDate: {
        type: 'string',
        format: 'date',
        description: 'YYYY-MM-DD; replaced by today when status is DONE (add-task ignores it)',
      },
      externalRef: {
        type: 'object',
        required: ['system', 'id'],
        additionalProperties: false,
        properties: {
          system: { type: 'string', minLength: 1, maxLength: LIMITS.externalSystem },
          id: { type: 'string', minLength: 1, maxLength: LIMITS.externalId },
        },
        description:
          'The todo in your system: creating again with the same reference returns the existing todo',
      },
      customFields: custom,
    },
    additionalProperties: false,
    'x-workspace': {
      key: ws.key,
      code: ws.code,
      name: ws.name,
      domain: ws.domain,
      domainName: ws.domainName,
    },
  };
}

type CustomFieldDefinition = Awaited<ReturnType<typeof listCustomFieldDefinitions>>[number];

/** One property per custom field, by its SPEC §5 type; options become an `enum`. */
function customFieldsSchema(fields: CustomFieldDefinition[]) {
  const properties: Record<string, JsonSchema> = {};
  for (const f of fields) {
    const strings = f.options ?? undefined;
    const numbers = f.options?.map(Number).filter(Number.isFinite);
    let schema: JsonSchema;
    switch (f.type) {
      case 2:
      case 5:
        schema = { type: 'integer' };
        break;
      case 3:
        schema = { type: 'number' };
        break;
      case 4:
        schema = { type: 'boolean' };
        break;
      case 7:
        schema = {
          type: 'array',
          items: { type: 'integer', ...(numbers ? { enum: numbers } : {}) },
        };
        break;
      case 8:
        schema = {
          type: 'array',
          items: { type: 'string', ...(strings ? { enum: strings } : {}) },
        };
        break;
      default:
        // 1 STRING and 10 BIG STRING.
        schema = { type: 'string', ...(strings ? { enum: strings } : {}) };
    }
    properties[f.name] = { ...schema, title: f.name, 'x-field-id': f.id, 'x-field-type': f.type };
  }
  return {
    type: 'object',
    properties,
    required: fields.filter((f) => f.required).map((f) => f.name),
    additionalProperties: false,
    description: 'Custom fields by name; unknown names are refused (add-task ignores them)',
  };
}
