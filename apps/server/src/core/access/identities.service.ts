import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type { ApiClientRow, UserRow } from '../../platform/db/tables.ts';
import { AppError, FieldErrors } from '../../platform/errors.ts';
import { emailProblem, normalizeKey } from '../../platform/values/rules.ts';
import { newToken } from '../../platform/values/secrets.ts';
import { adminTransaction } from '../audit/admin-change.ts';
import { addClient, addUser, changeClient, changeUser } from '../provisioning/entities.ts';
import {
  findWorkspaceByKey,
  listWorkspaceKeys,
  listWorkspaces,
} from '../tenancy/workspaces.repository.ts';
import {
  clientHasWritten,
  deleteClient,
  findClientByClientId,
  listAllClientWorkspaces,
  listClients,
  listClientWorkspaceIds,
} from './clients.repository.ts';
import type {
  Client,
  ClientChange,
  ClientWithSecret,
  NewClient,
  NewUser,
  User,
  UserChange,
} from './identities.model.ts';
import {
  countEnabledAdmins,
  findUserByEmail,
  listAllMemberships,
  listMemberWorkspaceIds,
  listUsers,
} from './users.repository.ts';

/**
 * Users, their memberships, and API clients. Disabling either, a new password or a new
 * client secret revokes their tokens at once (the rules live in provisioning/entities).
 */

function renderUser(u: UserRow, workspaces: string[]): User {
  return {
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled !== 0,
    hasPassword: u.passwordHash !== null,
    workspaces,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

async function renderClient(db: Executor, c: ApiClientRow): Promise<Client> {
  const defaultId = c.defaultWorkspaceId === null ? null : Number(c.defaultWorkspaceId);
  const [defaultWorkspace = null] =
    defaultId === null ? [] : await listWorkspaceKeys(db, [defaultId]);
  return {
    clientId: c.clientId,
    name: c.name,
    workspaces: await listWorkspaceKeys(db, await listClientWorkspaceIds(db, Number(c.id))),
    defaultWorkspace,
    disabled: c.disabled !== 0,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** The ids of the named workspaces; each unknown one is an error at its index. */
async function workspaceIdsOf(
  trx: Executor,
  keys: string[],
  field: string,
  errors: FieldErrors,
): Promise<number[]> {
  const all = await listWorkspaces(trx);
  return keys.flatMap((k, i) => {
    const ws = all.find((w) => w.key === normalizeKey(k));
    if (!ws) errors.add(`${field}[${i}]`, `unknown workspace "${k}"`);
    return ws ? [Number(ws.id)] : [];
  });
}

async function userOrThrow(trx: Executor, email: string): Promise<UserRow> {
  const row = await findUserByEmail(trx, email);
  if (!row) throw new AppError('not_found', `No user "${email}"`);
  return row;
}

/** Somebody must be able to administer the system afterwards. */
async function keepAnAdministrator(trx: Executor, row: UserRow, role?: string, disabled?: boolean) {
  const losesAdmin = (role !== undefined && role !== 'admin') || disabled === true;
  if (row.role === 'admin' && row.disabled === 0 && losesAdmin) {
    if ((await countEnabledAdmins(trx)) <= 1) {
      throw new AppError('conflict', `${row.email} is the last administrator who can sign in`);
    }
  }
}

export async function listAdminUsers(ctx: Ctx): Promise<User[]> {
  const db = ctx.db.kysely;
  const [users, members] = await Promise.all([listUsers(db), listAllMemberships(db)]);
  return users.map((u) =>
    renderUser(
      u,
      members.filter((m) => m.userId === Number(u.id)).map((m) => m.key),
    ),
  );
}

export async function getAdminUser(ctx: Ctx, email: string): Promise<User> {
  const db = ctx.db.kysely;
  const row = await userOrThrow(db, email);
  return renderUser(
    row,
    await listWorkspaceKeys(db, await listMemberWorkspaceIds(db, Number(row.id))),
  );
}

export async function createAdminUser(ctx: Ctx, body: NewUser): Promise<User> {
  const email = body.email.trim().toLowerCase();
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const errors = new FieldErrors();
    const problem = emailProblem(email);
    if (problem) errors.add('email', problem);
    const workspaceIds = await workspaceIdsOf(trx, body.workspaces ?? [], 'workspaces', errors);
    errors.throwIfAny();
    if (await findUserByEmail(trx, email)) {
      throw new AppError('conflict', `User "${email}" already exists`);
    }
    const saved = await addUser(
      trx,
      {
        email,
        name: body.name,
        role: body.role ?? 'member',
        password: body.password,
        disabled: body.disabled ?? false,
        workspaceIds,
      },
      ctx.config.scryptLogN,
      ts,
    );
    await audit('user', saved.id, 'create', saved.changes);
  });
  return getAdminUser(ctx, email);
}

export async function patchAdminUser(ctx: Ctx, email: string, body: UserChange): Promise<User> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await userOrThrow(trx, email);
    const errors = new FieldErrors();
    const workspaceIds =
      body.workspaces && (await workspaceIdsOf(trx, body.workspaces, 'workspaces', errors));
    errors.throwIfAny();
    await keepAnAdministrator(trx, row, body.role, body.disabled);
    const saved = await changeUser(
      trx,
      row,
      {
        name: body.name,
        role: body.role,
        password: body.password,
        disabled: body.disabled,
        workspaceIds,
      },
      ctx.config.scryptLogN,
      ts,
    );
    await audit('user', saved.id, 'update', saved.changes);
  });
  return getAdminUser(ctx, email);
}

/** Users own and are assigned todos, so "deleting" one disables it (and ends its sessions). */
export async function disableAdminUser(ctx: Ctx, email: string): Promise<void> {
  await patchAdminUser(ctx, email, { disabled: true });
}

/** Grants (`member: true`) or withdraws a membership; doing it twice is harmless. */
export async function setAdminMembership(
  ctx: Ctx,
  email: string,
  key: string,
  member: boolean,
): Promise<void> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await userOrThrow(trx, email);
    const ws = await findWorkspaceByKey(trx, normalizeKey(key), null);
    if (!ws) throw new AppError('workspace_not_found', `No workspace "${key}"`);
    const current = await listMemberWorkspaceIds(trx, Number(row.id));
    const workspaceIds = member
      ? [...current, Number(ws.id)]
      : current.filter((id) => id !== Number(ws.id));
    const saved = await changeUser(trx, row, { workspaceIds }, ctx.config.scryptLogN, ts);
    await audit('user', saved.id, 'update', saved.changes, Number(ws.id));
  });
}

export async function listAdminClients(ctx: Ctx): Promise<Client[]> {
  const db = ctx.db.kysely;
  const [clients, grants, workspaces] = await Promise.all([
    listClients(db),
    listAllClientWorkspaces(db),
    listWorkspaces(db),
  ]);
  return clients.map((c) => ({
    clientId: c.clientId,
    name: c.name,
    workspaces: grants.filter((g) => g.apiClientId === Number(c.id)).map((g) => g.key),
    defaultWorkspace: workspaces.find((w) => w.id === c.defaultWorkspaceId)?.key ?? null,
    disabled: c.disabled !== 0,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  }));
}

async function clientOrThrow(trx: Executor, clientId: string): Promise<ApiClientRow> {
  const row = await findClientByClientId(trx, clientId);
  if (!row) throw new AppError('not_found', `No client "${clientId}"`);
  return row;
}

export async function getAdminClient(ctx: Ctx, clientId: string): Promise<Client> {
  return renderClient(ctx.db.kysely, await clientOrThrow(ctx.db.kysely, clientId));
}

/** A readable, unique-enough id from the name: `ERP system` → `erp-system-3f9a`. */
function clientIdFrom(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'client'}-${randomBytes(2).toString('hex')}`;
}

/**
 * Registers a client with a fresh secret from the CSPRNG (256 bits). The secret is in
 * this one response and nowhere else: only its hash is stored, the audit says "<set>".
 */
export async function createAdminClient(ctx: Ctx, body: NewClient): Promise<ClientWithSecret> {
  const clientId = body.clientId ?? clientIdFrom(body.name);
  const clientSecret = newToken();
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const errors = new FieldErrors();
    const workspaceIds = await workspaceIdsOf(trx, body.workspaces, 'workspaces', errors);
    let defaultWorkspaceId = workspaceIds[0] ?? null;
    if (body.defaultWorkspace !== undefined) {
      const at = body.workspaces.findIndex(
        (k) => normalizeKey(k) === normalizeKey(body.defaultWorkspace ?? ''),
      );
      if (at < 0) {
        errors.add('defaultWorkspace', `"${body.defaultWorkspace}" is not among its workspaces`);
      }
      defaultWorkspaceId = workspaceIds[at] ?? null;
    }
    errors.throwIfAny();
    if (await findClientByClientId(trx, clientId)) {
      throw new AppError('conflict', `Client "${clientId}" already exists`);
    }
    const saved = await addClient(
      trx,
      {
        clientId,
        name: body.name,
        secret: clientSecret,
        workspaceIds,
        defaultWorkspaceId,
        disabled: body.disabled ?? false,
      },
      ctx.config.scryptLogN,
      ts,
    );
    await audit('client', saved.id, 'create', saved.changes);
  });
  return { ...(await getAdminClient(ctx, clientId)), clientSecret };
}

export async function patchAdminClient(
  ctx: Ctx,
  clientId: string,
  body: ClientChange,
): Promise<Client> {
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await clientOrThrow(trx, clientId);
    const errors = new FieldErrors();
    const workspaceIds =
      body.workspaces && (await workspaceIdsOf(trx, body.workspaces, 'workspaces', errors));
    errors.throwIfAny();
    const allowed = workspaceIds ?? (await listClientWorkspaceIds(trx, Number(row.id)));
    let defaultWorkspaceId: number | null | undefined;
    if (typeof body.defaultWorkspace === 'string') {
      const ws = await findWorkspaceByKey(trx, normalizeKey(body.defaultWorkspace), null);
      if (!ws || !allowed.includes(Number(ws.id))) {
        errors.add('defaultWorkspace', `"${body.defaultWorkspace}" is not among its workspaces`);
      }
      defaultWorkspaceId = ws ? Number(ws.id) : undefined;
    } else if (body.defaultWorkspace === null) defaultWorkspaceId = null;
    else if (row.defaultWorkspaceId !== null && !allowed.includes(Number(row.defaultWorkspaceId))) {
      // The default is always one of its workspaces, so taking that one away needs a new one.
      errors.add(
        'defaultWorkspace',
        'the current default workspace is no longer among its workspaces; name a new one (or null)',
      );
    }
    errors.throwIfAny();
    const saved = await changeClient(
      trx,
      row,
      { name: body.name, disabled: body.disabled, workspaceIds, defaultWorkspaceId },
      ctx.config.scryptLogN,
      ts,
    );
    await audit('client', saved.id, 'update', saved.changes);
  });
  return getAdminClient(ctx, clientId);
}

/** A new secret, shown once: the old one stops working and the client's tokens are revoked. */
export async function rotateAdminClientSecret(
  ctx: Ctx,
  clientId: string,
): Promise<ClientWithSecret> {
  const clientSecret = newToken();
  await adminTransaction(ctx, async ({ trx, ts, audit }) => {
    const row = await clientOrThrow(trx, clientId);
    const saved = await changeClient(trx, row, { secret: clientSecret }, ctx.config.scryptLogN, ts);
    await audit('client', saved.id, 'update', saved.changes);
  });
  return { ...(await getAdminClient(ctx, clientId)), clientSecret };
}

/**
 * Removes a client that never wrote anything; one that created todos or comments is
 * named in their trail and can only be disabled.
 */
export async function deleteAdminClient(ctx: Ctx, clientId: string): Promise<void> {
  await adminTransaction(ctx, async ({ trx, audit }) => {
    const row = await clientOrThrow(trx, clientId);
    const id = Number(row.id);
    if (await clientHasWritten(trx, id)) {
      throw new AppError(
        'conflict',
        `Client "${row.clientId}" created todos or comments; disable it instead (PATCH {"disabled": true})`,
      );
    }
    const before = await renderClient(trx, row);
    await deleteClient(trx, id);
    await audit('client', id, 'delete', {
      clientId: [before.clientId, null],
      name: [before.name, null],
      workspaces: [before.workspaces, null],
      defaultWorkspace: [before.defaultWorkspace, null],
    });
  });
}
