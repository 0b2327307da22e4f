import type { Actor, Ctx } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError, FieldErrors, validationError } from '../../platform/errors.ts';
import { EXPOSED_PATH } from '../../platform/http/exposed-path.ts';
import { parseOrigin } from '../../platform/http/origins.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { isEmail, normalizeKey } from '../../platform/values/rules.ts';
import { randomUUID, tokenDigest } from '../../platform/values/secrets.ts';
import { findUsersWithAccess } from '../access/users.repository.ts';
import { auditedBy, insertAuditEvent } from '../audit/audit.repository.ts';
import { findWorkspaceByKey } from '../tenancy/workspaces.repository.ts';
import {
  LEVELS,
  type Level,
  LIMITS,
  normalizeEnum,
  SETTABLE_STATUSES,
  TODO_TYPES,
  type TodoInput,
  type TodoType,
} from '../todos/todo-fields.ts';
import {
  deleteExposedEndpoint,
  type ExposedEndpointRow,
  findExposedEndpoint,
  findLiveEndpointByHash,
  insertExposedEndpoint,
  listExposedEndpoints,
  updateExposedEndpoint,
} from './exposed.repository.ts';

/** Fields an endpoint fills in when the body leaves them out; stored canonical. */
export interface EndpointDefaults {
  todoType?: TodoType;
  reporter?: string;
  assignee?: string;
  status?: (typeof SETTABLE_STATUSES)[number];
  priority?: Level;
  impact?: Level;
  likelihood?: Level;
  tags?: string[];
  category?: string[];
}

const DEFAULT_FIELDS = [
  'todoType',
  'reporter',
  'assignee',
  'status',
  'priority',
  'impact',
  'likelihood',
  'tags',
  'category',
] as const;

const MAX_ORIGINS = 20;

/** An exposed endpoint as the admin API shows it: never its UUID, only a hint. */
export interface ExposedEndpoint {
  id: number;
  workspace: string;
  workspaceName: string;
  name: string;
  defaults: EndpointDefaults;
  allowedOrigins: string[];
  disabled: boolean;
  uuidHint: string;
  createdAt: string;
  updatedAt: string;
}

/** What create and rotate answer, once: the UUID and the URL to hand to the caller. */
export interface ExposedEndpointWithUuid extends ExposedEndpoint {
  uuid: string;
  url: string;
}

export interface CreateEndpointInput {
  workspace: string;
  name: string;
  defaults?: Record<string, unknown>;
  allowedOrigins?: string[];
}

export interface UpdateEndpointInput {
  name?: string;
  defaults?: Record<string, unknown>;
  allowedOrigins?: string[];
  disabled?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toEndpoint(row: ExposedEndpointRow): ExposedEndpoint {
  return {
    id: Number(row.id),
    workspace: row.workspaceKey,
    workspaceName: row.workspaceName,
    name: row.name,
    defaults: JSON.parse(row.defaults) as EndpointDefaults,
    allowedOrigins: JSON.parse(row.allowedOrigins) as string[],
    disabled: row.disabled !== 0,
    uuidHint: row.uuidHint,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A fresh credential: a v4 UUID from the CSPRNG, kept only as its digest and a hint. */
function newCredential(publicUrl: string) {
  const uuid = randomUUID();
  return {
    uuid,
    url: `${publicUrl}${EXPOSED_PATH}/${uuid}`,
    uuidHash: tokenDigest(uuid),
    uuidHint: uuid.slice(-4),
  };
}

function checkName(name: string | undefined, errors: FieldErrors): string | undefined {
  if (name === undefined) return undefined;
  const s = name.trim();
  if (s === '') errors.add('name', 'must not be empty');
  else if (s.length > LIMITS.shortText)
    errors.add('name', `must be at most ${LIMITS.shortText} characters`);
  return s;
}

/**
 * Origins as a browser sends them in `Origin`: scheme, host and an optional port, nothing
 * else. `*` is refused: an endpoint names every site that may embed it.
 */
function checkOrigins(list: string[], errors: FieldErrors): string[] {
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    const field = `allowedOrigins[${i}]`;
    const s = raw.trim().replace(/\/$/, '');
    if (s === '*') {
      errors.add(field, '"*" is not allowed: list each origin, e.g. https://erp.example.com');
      continue;
    }
    const origin = parseOrigin(s);
    if (!origin) {
      errors.add(
        field,
        `"${raw}" is not an origin: give scheme, host and optional port, without path, e.g. https://erp.example.com`,
      );
      continue;
    }
    if (!out.includes(origin)) out.push(origin);
  }
  if (out.length > MAX_ORIGINS) errors.add('allowedOrigins', `must have at most ${MAX_ORIGINS}`);
  return out;
}

function checkList(
  errors: FieldErrors,
  field: string,
  value: unknown,
  maxItems: number,
): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    const name = Array.isArray(value) ? `${field}[${i}]` : field;
    if (typeof item !== 'string') {
      errors.add(name, 'must be a string');
      continue;
    }
    const s = item.trim();
    if (s === '') continue;
    if (s.length > LIMITS.tag) errors.add(name, `must be at most ${LIMITS.tag} characters`);
    else if (!out.includes(s)) out.push(s);
  }
  if (out.length > maxItems) errors.add(field, `must have at most ${maxItems} items`);
  return out.length > 0 ? out : undefined;
}

/**
 * Checks defaults with the rules of a create (forgiving enums stored canonical; people
 * must be active users with access to the workspace), so a create through the endpoint
 * cannot fail on a default that was already wrong when it was set.
 */
async function checkDefaults(
  db: Executor,
  input: Record<string, unknown>,
  workspaceId: number | null,
  workspaceKey: string,
  errors: FieldErrors,
): Promise<EndpointDefaults> {
  const out: EndpointDefaults = {};
  const field = (name: string) => `defaults.${name}`;
  for (const key of Object.keys(input)) {
    if (!(DEFAULT_FIELDS as readonly string[]).includes(key))
      errors.add(field(key), `is not a default an endpoint carries (${DEFAULT_FIELDS.join(', ')})`);
  }
  const text = (name: string): string | undefined => {
    const v = input[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      errors.add(field(name), 'must be a string');
      return undefined;
    }
    return v.trim() === '' ? undefined : v.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const s = text(name);
    if (s === undefined) return undefined;
    const hit = normalizeEnum(s, allowed);
    if (!hit) errors.add(field(name), `"${s}" is not one of ${allowed.join(', ')}`);
    return hit;
  };
  const todoType = oneOf('todoType', TODO_TYPES);
  if (todoType) out.todoType = todoType;
  const status = oneOf('status', SETTABLE_STATUSES);
  if (status) out.status = status;
  for (const name of ['priority', 'impact', 'likelihood'] as const) {
    const level = oneOf(name, LEVELS);
    if (level) out[name] = level;
  }
  for (const name of ['tags', 'category'] as const) {
    if (input[name] === undefined || input[name] === null) continue;
    const max = name === 'tags' ? LIMITS.tags : LIMITS.categories;
    const list = checkList(errors, field(name), input[name], max);
    if (list) out[name] = list;
  }
  const people: ['reporter' | 'assignee', string][] = [];
  for (const name of ['reporter', 'assignee'] as const) {
    const s = text(name);
    if (s === undefined) continue;
    if (!isEmail(s)) errors.add(field(name), `"${s}" is not a valid e-mail address`);
    else people.push([name, s.toLowerCase()]);
  }
  if (people.length > 0 && workspaceId !== null) {
    const users = await findUsersWithAccess(
      db,
      people.map(([, e]) => e),
      workspaceId,
    );
    for (const [name, email] of people) {
      const user = users.find((u) => u.email === email);
      if (user?.disabled !== 0) errors.add(field(name), `no active user with e-mail ${email}`);
      else if (!user.hasAccess)
        errors.add(field(name), `${email} has no access to workspace ${workspaceKey}`);
      else out[name] = email;
    }
  }
  return out;
}

async function audit(
  db: Executor,
  ctx: Ctx,
  id: number,
  workspaceId: number,
  action: string,
  changes: Record<string, [unknown, unknown]>,
): Promise<void> {
  await insertAuditEvent(db, {
    ...auditedBy(ctx),
    entityType: 'exposedEndpoint',
    entityId: id,
    workspaceId,
    action,
    changes,
  });
}

async function mustFind(ctx: Ctx, id: number): Promise<ExposedEndpointRow> {
  const row = await findExposedEndpoint(ctx.db.kysely, id, ctx.actor.workspaceIds);
  if (!row) throw new AppError('not_found', `No exposed endpoint ${id}`);
  return row;
}

/** Creates an endpoint; its UUID is in this answer and nowhere else, ever. */
export async function createExposedEndpoint(
  ctx: Ctx,
  input: CreateEndpointInput,
): Promise<ExposedEndpointWithUuid> {
  const db = ctx.db.kysely;
  const ws = await findWorkspaceByKey(db, normalizeKey(input.workspace), ctx.actor.workspaceIds);
  if (!ws) {
    throw validationError(
      [{ field: 'workspace', message: `unknown workspace "${input.workspace}"` }],
      'workspace_not_found',
    );
  }
  const errors = new FieldErrors();
  const name = checkName(input.name, errors) ?? '';
  const origins = checkOrigins(input.allowedOrigins ?? [], errors);
  const defaults = await checkDefaults(db, input.defaults ?? {}, ws.id, ws.key, errors);
  errors.throwIfAny();

  const cred = newCredential(ctx.config.publicUrl);
  const now = ctx.now.toISOString();
  const id = await writeTransaction(ctx, async (trx) => {
    const id = await insertExposedEndpoint(trx, {
      workspaceId: ws.id,
      name,
      uuidHash: cred.uuidHash,
      uuidHint: cred.uuidHint,
      defaults: JSON.stringify(defaults),
      allowedOrigins: JSON.stringify(origins),
      createdByUserId: ctx.actor.userId,
      createdAt: now,
      updatedAt: now,
    });
    await audit(trx, ctx, id, ws.id, 'create', {
      workspace: [null, ws.key],
      name: [null, name],
      defaults: [null, defaults],
      allowedOrigins: [null, origins],
      uuidHint: [null, cred.uuidHint],
    });
    return id;
  });
  const row = await mustFind(ctx, id);
  return { ...toEndpoint(row), uuid: cred.uuid, url: cred.url };
}

export async function listEndpoints(ctx: Ctx, workspace?: string): Promise<ExposedEndpoint[]> {
  const db = ctx.db.kysely;
  let workspaceId: number | null = null;
  if (workspace !== undefined) {
    const ws = await findWorkspaceByKey(db, normalizeKey(workspace), ctx.actor.workspaceIds);
    if (!ws) {
      throw validationError(
        [{ field: 'workspace', message: `unknown workspace "${workspace}"` }],
        'workspace_not_found',
      );
    }
    workspaceId = ws.id;
  }
  const rows = await listExposedEndpoints(db, ctx.actor.workspaceIds, workspaceId);
  return rows.map(toEndpoint);
}

export async function getEndpoint(ctx: Ctx, id: number): Promise<ExposedEndpoint> {
  return toEndpoint(await mustFind(ctx, id));
}

/** Changes name, defaults (replaced whole), allowed origins or the disabled flag. */
export async function updateEndpoint(
  ctx: Ctx,
  id: number,
  input: UpdateEndpointInput,
): Promise<ExposedEndpoint> {
  const db = ctx.db.kysely;
  const row = await mustFind(ctx, id);
  const before = toEndpoint(row);
  const errors = new FieldErrors();
  const name = checkName(input.name, errors);
  const origins =
    input.allowedOrigins === undefined ? undefined : checkOrigins(input.allowedOrigins, errors);
  const defaults =
    input.defaults === undefined
      ? undefined
      : await checkDefaults(db, input.defaults, Number(row.workspaceId), row.workspaceKey, errors);
  errors.throwIfAny();

  const changes: Record<string, [unknown, unknown]> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (name !== undefined && name !== before.name) changes.name = [before.name, name];
  if (defaults !== undefined && !same(defaults, before.defaults))
    changes.defaults = [before.defaults, defaults];
  if (origins !== undefined && !same(origins, before.allowedOrigins))
    changes.allowedOrigins = [before.allowedOrigins, origins];
  if (input.disabled !== undefined && input.disabled !== before.disabled)
    changes.disabled = [before.disabled, input.disabled];
  if (Object.keys(changes).length === 0) return before;

  await writeTransaction(ctx, async (trx) => {
    await updateExposedEndpoint(trx, id, {
      ...(name !== undefined ? { name } : {}),
      ...(defaults !== undefined ? { defaults: JSON.stringify(defaults) } : {}),
      ...(origins !== undefined ? { allowedOrigins: JSON.stringify(origins) } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled ? 1 : 0 } : {}),
      updatedAt: ctx.now.toISOString(),
    });
    await audit(trx, ctx, id, Number(row.workspaceId), 'update', changes);
  });
  return toEndpoint(await mustFind(ctx, id));
}

/**
 * Deletes an endpoint; its UUID is dead at once. Todos created through it keep their
 * `created_by_endpoint_id` and the audit trail keeps its name.
 */
export async function removeEndpoint(ctx: Ctx, id: number): Promise<void> {
  const row = await mustFind(ctx, id);
  await writeTransaction(ctx, async (trx) => {
    await deleteExposedEndpoint(trx, id);
    await audit(trx, ctx, id, Number(row.workspaceId), 'delete', {
      name: [row.name, null],
      uuidHint: [row.uuidHint, null],
    });
  });
}

/** A new UUID, shown once; the old one stops working in the same transaction. */
export async function rotateEndpoint(ctx: Ctx, id: number): Promise<ExposedEndpointWithUuid> {
  const row = await mustFind(ctx, id);
  const cred = newCredential(ctx.config.publicUrl);
  await writeTransaction(ctx, async (trx) => {
    await updateExposedEndpoint(trx, id, {
      uuidHash: cred.uuidHash,
      uuidHint: cred.uuidHint,
      updatedAt: ctx.now.toISOString(),
    });
    await audit(trx, ctx, id, Number(row.workspaceId), 'rotate', {
      uuidHint: [row.uuidHint, cred.uuidHint],
    });
  });
  return { ...toEndpoint(await mustFind(ctx, id)), uuid: cred.uuid, url: cred.url };
}

/** The enabled endpoint a UUID opens, if any: malformed, unknown, disabled all give none. */
export async function admitEndpoint(db: Db, uuid: string): Promise<ExposedEndpointRow | undefined> {
  if (!UUID.test(uuid)) return undefined;
  return findLiveEndpointByHash(db.kysely, tokenDigest(uuid.toLowerCase()));
}

/** The caller a create through an endpoint acts as: the endpoint, in its one workspace. */
export function endpointActor(row: ExposedEndpointRow): Actor {
  const workspaceId = Number(row.workspaceId);
  return {
    kind: 'endpoint',
    endpointId: Number(row.id),
    endpointName: row.name,
    userId: null,
    userEmail: null,
    apiClientId: null,
    clientId: null,
    isAdmin: false,
    workspaceIds: new Set([workspaceId]),
    defaultWorkspaceId: workspaceId,
    scopes: new Set(['todo:write']),
    tokenId: '',
  };
}

export function allowedOriginsOf(row: ExposedEndpointRow): string[] {
  return JSON.parse(row.allowedOrigins) as string[];
}

/**
 * The body's fields over the endpoint's defaults: a field the body sends wins; tags are the
 * union of the endpoint's and the body's, so an endpoint's tags always mark its todos.
 */
export function withDefaults(row: ExposedEndpointRow, input: TodoInput): TodoInput {
  const defaults = JSON.parse(row.defaults) as EndpointDefaults;
  const merged: TodoInput = { ...input };
  for (const key of DEFAULT_FIELDS) {
    if (key === 'tags') continue;
    if (merged[key] === undefined || merged[key] === null) merged[key] = defaults[key];
  }
  if (defaults.tags) {
    const body = input.tags;
    merged.tags =
      body === undefined || body === null
        ? defaults.tags
        : [...defaults.tags, ...(Array.isArray(body) ? body : [body])];
  }
  return merged;
}

/** Body fields the public create does not take: the endpoint decides or has no use for them. */
const NOT_EXPOSED = ['workspace', 'watchers', 'dueDate'] as const;

/**
 * The workspace form contract (forms/form.service.ts) as the public create takes it: the
 * fields it ignores are gone, its defaults are the form's defaults, and what a default
 * fills in is no longer required. Whoever holds the UUID reads this, so it names no
 * person: the member lists and the default reporter and assignee stay on the server.
 */
export function exposedForm(
  row: ExposedEndpointRow,
  form: Record<string, unknown>,
): Record<string, unknown> {
  const defaults = JSON.parse(row.defaults) as EndpointDefaults;
  const properties = { ...(form.properties as Record<string, Record<string, unknown>>) };
  for (const name of NOT_EXPOSED) delete properties[name];
  for (const name of ['reporter', 'assignee'] as const) {
    const {
      'x-users': _users,
      examples: _examples,
      default: _default,
      ...rest
    } = properties[name] ?? {};
    properties[name] = {
      ...rest,
      ...(defaults[name] ? { description: `${rest.description}; the endpoint has a default` } : {}),
    };
  }
  for (const name of ['status', 'priority', 'impact', 'likelihood'] as const) {
    const value = defaults[name];
    if (value && properties[name]) properties[name] = { ...properties[name], default: value };
  }
  const required = (form.required as string[]).filter(
    (name) =>
      !(NOT_EXPOSED as readonly string[]).includes(name) &&
      !(name === 'reporter' && defaults.reporter),
  );
  return {
    ...form,
    description:
      'What to send to this exposed endpoint (POST, no token) to create a todo in its workspace. ' +
      'Enum values are canonical; the API also accepts them in any case and with spaces or underscores. ' +
      'Fields left out take the endpoint defaults.',
    required,
    properties,
  };
}
