import type { Ctx } from '../../platform/context.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { normalizeKey } from '../../platform/values/rules.ts';
import { listClientsDefaultingTo } from '../access/clients.repository.ts';
import { adminTransaction } from '../audit/admin-change.ts';
import {
  addDomain,
  addWorkspace,
  changeDomain,
  changeWorkspace,
} from '../provisioning/entities.ts';
import type {
  Domain,
  DomainChange,
  NewDomain,
  NewWorkspace,
  Workspace,
  WorkspaceChange,
} from './tenancy.model.ts';
import {
  deleteDomain,
  deleteWorkspace,
  findDomainByCode,
  findWorkspaceByKey,
  listDomains,
  listWorkspaces,
  type WorkspaceWithDomain,
  workspaceHasTodos,
} from './workspaces.repository.ts';

/** Domains and their workspaces. Codes are in every workspace and todo key: they never change. */

const CODE_IS_FIXED = 'cannot be changed: it is part of every workspace and todo key';

function renderWorkspace(w: WorkspaceWithDomain): Workspace {
  return {
    key: w.key,
    domain: w.domainCode,
    code: w.code,
    name: w.name,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

export async function listAdminDomains(ctx: Ctx): Promise<Domain[]> {
  const db = ctx.db.kysely;
  const [domains, workspaces] = await Promise.all([listDomains(db), listWorkspaces(db)]);
  return domains.map((d) => ({
    code: d.code,
    name: d.name,
    workspaces: workspaces.filter((w) => w.domainId === d.id).map((w) => w.key),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  }));
}

export async function getAdminDomain(ctx: Ctx, code: string): Promise<Domain> {
  const found = (await listAdminDomains(ctx)).find((d) => d.code === normalizeKey(code));
  if (!found) throw new AppError('not_found', `No domain "${code}"`);
  return found;
}

export async function createAdminDomain(ctx: Ctx, body: NewDomain): Promise<Domain> {
  const code = normalizeKey(body.code);
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    if (await findDomainByCode(trx, code)) {
      throw new AppError('conflict', `Domain "${code}" already exists`);
    }
    const saved = await addDomain(trx, { code, name: body.name }, ts);
    await audit('domain', saved.id, 'create', saved.changes);
  });
  return getAdminDomain(ctx, code);
}

export async function patchAdminDomain(
  ctx: Ctx,
  code: string,
  body: DomainChange,
): Promise<Domain> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await findDomainByCode(trx, normalizeKey(code));
    if (!row) throw new AppError('not_found', `No domain "${code}"`);
    if (body.code !== undefined && normalizeKey(body.code) !== row.code) {
      throw validationError([{ field: 'code', message: CODE_IS_FIXED }]);
    }
    const saved = await changeDomain(trx, row, { name: body.name }, ts);
    await audit('domain', saved.id, 'update', saved.changes);
  });
  return getAdminDomain(ctx, code);
}

/** Only an empty domain can go: its workspaces hold todos and memberships. */
export async function deleteAdminDomain(ctx: Ctx, code: string): Promise<void> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const row = await findDomainByCode(trx, normalizeKey(code));
    if (!row) throw new AppError('not_found', `No domain "${code}"`);
    const workspaces = (await listWorkspaces(trx)).filter((w) => w.domainId === row.id);
    if (workspaces.length > 0) {
      throw new AppError(
        'conflict',
        `Domain "${row.code}" still has workspaces (${workspaces.map((w) => w.key).join(', ')}); delete them first`,
      );
    }
    await deleteDomain(trx, Number(row.id));
    await audit('domain', Number(row.id), 'delete', {
      code: [row.code, null],
      name: [row.name, null],
    });
  });
}

export async function listAdminWorkspaces(ctx: Ctx): Promise<Workspace[]> {
  return (await listWorkspaces(ctx.db.kysely)).map(renderWorkspace);
}

export async function getAdminWorkspace(ctx: Ctx, key: string): Promise<Workspace> {
  const ws = await findWorkspaceByKey(ctx.db.kysely, normalizeKey(key), null);
  if (!ws) throw new AppError('workspace_not_found', `No workspace "${key}"`);
  return renderWorkspace(ws);
}

export async function createAdminWorkspace(ctx: Ctx, body: NewWorkspace): Promise<Workspace> {
  const code = normalizeKey(body.code);
  const key = await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const domain = await findDomainByCode(trx, normalizeKey(body.domain));
    if (!domain) {
      throw validationError([{ field: 'domain', message: `unknown domain "${body.domain}"` }]);
    }
    const key = `${domain.code}-${code}`;
    if (await findWorkspaceByKey(trx, key, null)) {
      throw new AppError('conflict', `Workspace "${key}" already exists`);
    }
    const saved = await addWorkspace(trx, domain, { code, name: body.name }, ts);
    await audit('workspace', saved.id, 'create', saved.changes, saved.id);
    return saved.key;
  });
  return getAdminWorkspace(ctx, key);
}

export async function patchAdminWorkspace(
  ctx: Ctx,
  key: string,
  body: WorkspaceChange,
): Promise<Workspace> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const ws = await findWorkspaceByKey(trx, normalizeKey(key), null);
    if (!ws) throw new AppError('workspace_not_found', `No workspace "${key}"`);
    if (body.code !== undefined && normalizeKey(body.code) !== ws.code) {
      throw validationError([{ field: 'code', message: CODE_IS_FIXED }]);
    }
    const saved = await changeWorkspace(trx, ws, { name: body.name }, ts);
    await audit('workspace', saved.id, 'update', saved.changes, saved.id);
  });
  return getAdminWorkspace(ctx, key);
}

/**
 * Only a workspace that never held a todo can go (keys are never reused, and deleted
 * todos keep their history). Its memberships, client grants and exposed endpoints go
 * with it; a client whose default it is must be pointed elsewhere first.
 */
export async function deleteAdminWorkspace(ctx: Ctx, key: string): Promise<void> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const ws = await findWorkspaceByKey(trx, normalizeKey(key), null);
    if (!ws) throw new AppError('workspace_not_found', `No workspace "${key}"`);
    const id = Number(ws.id);
    if (await workspaceHasTodos(trx, id)) {
      throw new AppError('conflict', `Workspace "${ws.key}" has todos; it cannot be deleted`);
    }
    const clients = await listClientsDefaultingTo(trx, id);
    if (clients.length > 0) {
      throw new AppError(
        'conflict',
        `Workspace "${ws.key}" is the default workspace of client ${clients.join(', ')}; change that first`,
      );
    }
    await deleteWorkspace(trx, id);
    await audit('workspace', id, 'delete', { key: [ws.key, null], name: [ws.name, null] }, id);
  });
}
