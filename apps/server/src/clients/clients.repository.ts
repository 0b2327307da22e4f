import type { Executor } from '../db/executor.ts';
import type { ApiClientRow } from '../db/tables.ts';

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
