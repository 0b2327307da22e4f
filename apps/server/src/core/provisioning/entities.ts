import type { Executor } from '../../platform/db/executor.ts';
import type { ApiClientRow, UserRole, UserRow } from '../../platform/db/tables.ts';
import { hashSecret, verifySecret } from '../../platform/values/secrets.ts';
import {
  insertClient,
  listClientWorkspaceIds,
  replaceClientWorkspaces,
  updateClient,
} from '../access/clients.repository.ts';
import { deleteUserSessions } from '../access/sessions.repository.ts';
import { revokeClientTokens, revokeUserTokens } from '../access/tokens.repository.ts';
import {
  insertUser,
  listMemberWorkspaceIds,
  replaceMemberships,
  updateUser,
} from '../access/users.repository.ts';
import {
  type CustomFieldRow,
  insertCustomField,
  insertLocation,
  type LocationRow,
  updateCustomField,
  updateLocationName,
} from '../catalog/catalog.repository.ts';
import {
  insertDomain,
  insertWorkspace,
  listWorkspaceKeys,
  updateDomainName,
  updateWorkspaceName,
} from '../tenancy/workspaces.repository.ts';

/**
 * Creating and changing the objects a provisioning file describes, one at a time: the
 * rules the provisioning file and the admin API share, so the two cannot disagree.
 * In a change, a field left undefined stays as it is. Each function returns what it did
 * as `{ field: [old, new] }` for the audit trail, `{}` when nothing changed; a password
 * or secret is never in it, only the marker `"<set>"`.
 */
export type Changes = Record<string, [unknown, unknown]>;

/** What the audit trail records for a new password or client secret. */
export const SECRET_MARK = '<set>';

export interface Saved {
  id: number;
  changes: Changes;
}

const sameSet = (a: number[], b: number[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** `{ field: [null, value] }` for every field of a new object. */
const created = (values: Record<string, unknown>): Changes =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [null, v]]));

/** Puts `field` in the patch and the changes when a value other than the current one is wanted. */
function track<P extends object, K extends keyof P & string>(
  patch: P,
  changes: Changes,
  field: K,
  current: P[K],
  wanted: P[K] | undefined,
): void {
  if (wanted === undefined || wanted === current) return;
  patch[field] = wanted;
  changes[field] = [current, wanted];
}

/** `track` for a flag stored as 0/1 and shown (and audited) as a boolean. */
function trackFlag<K extends string>(
  patch: Partial<Record<K, number>>,
  changes: Changes,
  field: K,
  current: number,
  wanted: boolean | undefined,
): void {
  const was = current !== 0;
  if (wanted === undefined || wanted === was) return;
  patch[field] = wanted ? 1 : 0;
  changes[field] = [was, wanted];
}

/** Renames an object that has only a name to change (domains, workspaces, locations). */
async function rename(
  row: { id: number; name: string },
  want: { name?: string | undefined },
  update: (id: number, name: string) => Promise<unknown>,
): Promise<Saved> {
  const id = Number(row.id);
  if (want.name === undefined || want.name === row.name) return { id, changes: {} };
  await update(id, want.name);
  return { id, changes: { name: [row.name, want.name] } };
}

/** Replaces a user's or client's workspaces when the wanted set differs, audited as keys. */
async function changeWorkspaceSet(
  trx: Executor,
  changes: Changes,
  before: number[],
  wanted: number[],
  replace: (after: number[]) => Promise<unknown>,
): Promise<void> {
  const after = [...new Set(wanted)];
  if (sameSet(before, after)) return;
  changes.workspaces = [await listWorkspaceKeys(trx, before), await listWorkspaceKeys(trx, after)];
  await replace(after);
}

export async function addDomain(
  trx: Executor,
  d: { code: string; name: string },
  ts: string,
): Promise<Saved> {
  const row = await insertDomain(trx, d.code, d.name, ts);
  return { id: Number(row.id), changes: created(d) };
}

export async function changeDomain(
  trx: Executor,
  row: { id: number; name: string },
  want: { name?: string | undefined },
  ts: string,
): Promise<Saved> {
  return rename(row, want, (id, name) => updateDomainName(trx, id, name, ts));
}

export async function addWorkspace(
  trx: Executor,
  domain: { id: number; code: string },
  w: { code: string; name: string },
  ts: string,
): Promise<Saved & { key: string }> {
  const key = `${domain.code}-${w.code}`;
  const row = await insertWorkspace(trx, { domainId: Number(domain.id), ...w, key }, ts);
  return { id: Number(row.id), key, changes: created({ key, ...w }) };
}

export async function changeWorkspace(
  trx: Executor,
  row: { id: number; name: string },
  want: { name?: string | undefined },
  ts: string,
): Promise<Saved> {
  return rename(row, want, (id, name) => updateWorkspaceName(trx, id, name, ts));
}

export interface UserFields {
  name?: string | undefined;
  role?: UserRole | undefined;
  /** The password to have: re-setting the current one changes nothing. */
  password?: string | undefined;
  disabled?: boolean | undefined;
  /** The complete list of workspaces the user is a member of. */
  workspaceIds?: number[] | undefined;
}

export async function addUser(
  trx: Executor,
  u: UserFields & { email: string; name: string; role: UserRole },
  logN: number,
  ts: string,
): Promise<Saved> {
  const passwordHash = u.password ? await hashSecret(u.password, logN) : null;
  const email = u.email.toLowerCase();
  const id = await insertUser(trx, { email, name: u.name, role: u.role, passwordHash }, ts);
  if (u.disabled) await updateUser(trx, id, { disabled: 1 }, ts);
  const workspaceIds = [...new Set(u.workspaceIds ?? [])];
  await replaceMemberships(trx, id, workspaceIds);
  return {
    id,
    changes: created({
      email,
      name: u.name,
      role: u.role,
      disabled: u.disabled ?? false,
      ...(passwordHash ? { password: SECRET_MARK } : {}),
      workspaces: await listWorkspaceKeys(trx, workspaceIds),
    }),
  };
}

/** A new password or disabling the account ends every session of the user. */
export async function changeUser(
  trx: Executor,
  row: UserRow,
  want: UserFields,
  logN: number,
  ts: string,
): Promise<Saved> {
  const id = Number(row.id);
  const changes: Changes = {};
  const patch: Parameters<typeof updateUser>[2] = {};
  track(patch, changes, 'name', row.name, want.name);
  track(patch, changes, 'role', row.role, want.role);
  trackFlag(patch, changes, 'disabled', row.disabled, want.disabled);
  if (
    want.password !== undefined &&
    (!row.passwordHash || !(await verifySecret(want.password, row.passwordHash)))
  ) {
    patch.passwordHash = await hashSecret(want.password, logN);
    changes.password = [row.passwordHash ? SECRET_MARK : null, SECRET_MARK];
  }
  if (want.workspaceIds !== undefined) {
    await changeWorkspaceSet(
      trx,
      changes,
      await listMemberWorkspaceIds(trx, id),
      want.workspaceIds,
      (after) => replaceMemberships(trx, id, after),
    );
  }
  if (Object.keys(patch).length > 0) await updateUser(trx, id, patch, ts);
  if (patch.passwordHash || patch.disabled === 1) {
    await revokeUserTokens(trx, id, ts);
    await deleteUserSessions(trx, id);
  }
  return { id, changes };
}

export interface ClientFields {
  name?: string | undefined;
  /** The secret to have: re-setting the current one changes nothing. */
  secret?: string | undefined;
  /** The complete list of workspaces the client may use. */
  workspaceIds?: number[] | undefined;
  defaultWorkspaceId?: number | null | undefined;
  disabled?: boolean | undefined;
}

export async function addClient(
  trx: Executor,
  c: ClientFields & { clientId: string; name: string; secret: string },
  logN: number,
  ts: string,
): Promise<Saved> {
  const secretHash = await hashSecret(c.secret, logN);
  const defaultWorkspaceId = c.defaultWorkspaceId ?? null;
  const id = await insertClient(
    trx,
    { clientId: c.clientId, name: c.name, secretHash, defaultWorkspaceId },
    ts,
  );
  if (c.disabled) await updateClient(trx, id, { disabled: 1 }, ts);
  const workspaceIds = [...new Set(c.workspaceIds ?? [])];
  await replaceClientWorkspaces(trx, id, workspaceIds);
  const [defaultKey = null] =
    defaultWorkspaceId === null ? [] : await listWorkspaceKeys(trx, [defaultWorkspaceId]);
  return {
    id,
    changes: created({
      clientId: c.clientId,
      name: c.name,
      secret: SECRET_MARK,
      workspaces: await listWorkspaceKeys(trx, workspaceIds),
      defaultWorkspace: defaultKey,
      disabled: c.disabled ?? false,
    }),
  };
}

/** A new secret or disabling the client revokes every token issued to it. */
export async function changeClient(
  trx: Executor,
  row: ApiClientRow,
  want: ClientFields,
  logN: number,
  ts: string,
): Promise<Saved> {
  const id = Number(row.id);
  const changes: Changes = {};
  const patch: Parameters<typeof updateClient>[2] = {};
  track(patch, changes, 'name', row.name, want.name);
  trackFlag(patch, changes, 'disabled', row.disabled, want.disabled);
  const currentDefault = row.defaultWorkspaceId === null ? null : Number(row.defaultWorkspaceId);
  if (want.defaultWorkspaceId !== undefined && want.defaultWorkspaceId !== currentDefault) {
    patch.defaultWorkspaceId = want.defaultWorkspaceId;
    const keyOf = async (wsId: number | null) =>
      wsId === null ? null : ((await listWorkspaceKeys(trx, [wsId]))[0] ?? null);
    changes.defaultWorkspace = [await keyOf(currentDefault), await keyOf(want.defaultWorkspaceId)];
  }
  if (want.secret !== undefined && !(await verifySecret(want.secret, row.secretHash))) {
    patch.secretHash = await hashSecret(want.secret, logN);
    changes.secret = [SECRET_MARK, SECRET_MARK];
  }
  if (want.workspaceIds !== undefined) {
    await changeWorkspaceSet(
      trx,
      changes,
      await listClientWorkspaceIds(trx, id),
      want.workspaceIds,
      (after) => replaceClientWorkspaces(trx, id, after),
    );
  }
  if (Object.keys(patch).length > 0) await updateClient(trx, id, patch, ts);
  if (patch.secretHash || patch.disabled === 1) await revokeClientTokens(trx, id, ts);
  return { id, changes };
}

export async function addLocation(trx: Executor, name: string, ts: string): Promise<Saved> {
  return { id: await insertLocation(trx, name, ts), changes: created({ name }) };
}

export async function changeLocation(
  trx: Executor,
  row: LocationRow,
  want: { name?: string | undefined },
): Promise<Saved> {
  return rename(row, want, (id, name) => updateLocationName(trx, id, name));
}

export interface CustomFieldFields {
  module?: 'incident' | 'task' | undefined;
  name?: string | undefined;
  type?: number | undefined;
  required?: boolean | undefined;
  /** Allowed values; null for none. */
  options?: string[] | null | undefined;
}

/** Only STRING (1) and the list types (7, 8) take a list of allowed values. */
export const TYPES_WITH_OPTIONS: readonly number[] = [1, 7, 8];

export async function addCustomField(
  trx: Executor,
  f: CustomFieldFields & { module: 'incident' | 'task'; name: string; type: number },
  ts: string,
): Promise<Saved> {
  const values = {
    module: f.module,
    name: f.name,
    type: f.type,
    required: f.required ?? false,
    options: f.options ?? null,
  };
  const id = await insertCustomField(
    trx,
    {
      ...values,
      required: values.required ? 1 : 0,
      options: values.options ? JSON.stringify(values.options) : null,
    },
    ts,
  );
  return { id, changes: created(values) };
}

export async function changeCustomField(
  trx: Executor,
  row: CustomFieldRow,
  want: CustomFieldFields,
  ts: string,
): Promise<Saved> {
  const id = Number(row.id);
  const changes: Changes = {};
  const patch: Parameters<typeof updateCustomField>[2] = {};
  track(patch, changes, 'module', row.module, want.module);
  track(patch, changes, 'name', row.name, want.name);
  track(patch, changes, 'type', row.type, want.type);
  trackFlag(patch, changes, 'required', row.required, want.required);
  if (want.options !== undefined) {
    const options = want.options ? JSON.stringify(want.options) : null;
    if (options !== row.options) {
      patch.options = options;
      changes.options = [row.options === null ? null : JSON.parse(row.options), want.options];
    }
  }
  if (Object.keys(patch).length > 0) await updateCustomField(trx, id, patch, ts);
  return { id, changes };
}
