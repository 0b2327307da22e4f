import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError, FieldErrors, validationError } from '../../platform/errors.ts';
import { EXPOSED_PATH } from '../../platform/http/exposed-path.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { normalizeKey } from '../../platform/values/rules.ts';
import { randomUUID, tokenDigest } from '../../platform/values/secrets.ts';
import { auditedBy, insertAuditEvent } from '../audit/audit.repository.ts';
import { findWorkspaceByKey } from '../tenancy/workspaces.repository.ts';
import {
  deleteExposedEndpoint,
  type ExposedEndpointRow,
  findExposedEndpoint,
  insertExposedEndpoint,
  listExposedEndpoints,
  updateExposedEndpoint,
} from './exposed.repository.ts';
import {
  checkDefaults,
  checkName,
  checkOrigins,
  type EndpointDefaults,
} from './exposed.settings.ts';

/** Exposed endpoints as administrators manage them: create, list, change, rotate, delete. */

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
