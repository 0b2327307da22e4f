import type { Executor } from '../../platform/db/executor.ts';
import type { ApiClientRow } from '../../platform/db/tables.ts';

export async function findClientByClientId(
  db: Executor,
  clientId: string,
): Promise<ApiClientRow | undefined> {
  return db
    .selectFrom('apiClients')
    .selectAll()
    .where('clientId', '=', clientId)
    .executeTakeFirst();
}

export async function insertClient(
  db: Executor,
  values: { clientId: string; name: string; secretHash: string; defaultWorkspaceId: number | null },
  now: string,
): Promise<number> {
  const row = await db
    .insertInto('apiClients')
    .values({ ...values, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateClient(
  db: Executor,
  id: number,
  values: Partial<{
    name: string;
    secretHash: string;
    defaultWorkspaceId: number | null;
    disabled: number;
  }>,
  now: string,
): Promise<void> {
  await db
    .updateTable('apiClients')
    .set({ ...values, updatedAt: now })
    .where('id', '=', id)
    .execute();
}

export async function listClientWorkspaceIds(db: Executor, apiClientId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('apiClientWorkspaces')
    .select('workspaceId')
    .where('apiClientId', '=', apiClientId)
    .execute();
  return rows.map((r) => Number(r.workspaceId));
}

export async function replaceClientWorkspaces(
  db: Executor,
  apiClientId: number,
  workspaceIds: number[],
): Promise<void> {
  await db.deleteFrom('apiClientWorkspaces').where('apiClientId', '=', apiClientId).execute();
  if (workspaceIds.length > 0) {
    await db
      .insertInto('apiClientWorkspaces')
      .values(workspaceIds.map((workspaceId) => ({ apiClientId, workspaceId })))
      .execute();
  }
}

export async function listClients(db: Executor): Promise<ApiClientRow[]> {
  return db.selectFrom('apiClients').selectAll().orderBy('clientId').execute();
}

/** Every client grant as (client id, workspace key), in key order. */
export async function listAllClientWorkspaces(
  db: Executor,
): Promise<{ apiClientId: number; key: string }[]> {
  const rows = await db
    .selectFrom('apiClientWorkspaces as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .select(['c.apiClientId', 'w.key'])
    .orderBy('w.key')
    .execute();
  return rows.map((r) => ({ apiClientId: Number(r.apiClientId), key: r.key }));
}

/** Client ids (the public ones) whose default workspace is this one. */
export async function listClientsDefaultingTo(
  db: Executor,
  workspaceId: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('apiClients')
    .select('clientId')
    .where('defaultWorkspaceId', '=', workspaceId)
    .orderBy('clientId')
    .execute();
  return rows.map((r) => r.clientId);
}

/** Whether the client created a todo or wrote a comment: the trail points at it then. */
export async function clientHasWritten(db: Executor, apiClientId: number): Promise<boolean> {
  const todo = await db
    .selectFrom('todos')
    .select('id')
    .where('createdByClientId', '=', apiClientId)
    .limit(1)
    .executeTakeFirst();
  if (todo) return true;
  const comment = await db
    .selectFrom('todoComments')
    .select('id')
    .where('authorClientId', '=', apiClientId)
    .limit(1)
    .executeTakeFirst();
  return comment !== undefined;
}

/** Its grants and tokens go with it (ON DELETE CASCADE). */
export async function deleteClient(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('apiClients').where('id', '=', id).execute();
}
