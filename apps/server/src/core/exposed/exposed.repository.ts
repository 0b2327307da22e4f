import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { ExposedEndpointTable } from '../../platform/db/tables.ts';

const withWorkspace = (db: Executor) =>
  db
    .selectFrom('exposedEndpoints as e')
    .innerJoin('workspaces as w', 'w.id', 'e.workspaceId')
    .selectAll('e')
    .select(['w.key as workspaceKey', 'w.name as workspaceName']);

export type ExposedEndpointRow = Awaited<
  ReturnType<ReturnType<typeof withWorkspace>['executeTakeFirstOrThrow']>
>;

/** `allowed` is the set of workspace ids the caller may use, or null for all. */
function restrict(q: ReturnType<typeof withWorkspace>, allowed: ReadonlySet<number> | null) {
  if (allowed === null) return q;
  return q.where('e.workspaceId', 'in', allowed.size > 0 ? [...allowed] : [-1]);
}

export async function insertExposedEndpoint(
  db: Executor,
  values: Insertable<ExposedEndpointTable>,
): Promise<number> {
  const row = await db
    .insertInto('exposedEndpoints')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function findExposedEndpoint(
  db: Executor,
  id: number,
  allowed: ReadonlySet<number> | null,
): Promise<ExposedEndpointRow | undefined> {
  return restrict(withWorkspace(db), allowed).where('e.id', '=', id).executeTakeFirst();
}

export async function listExposedEndpoints(
  db: Executor,
  allowed: ReadonlySet<number> | null,
  workspaceId: number | null,
): Promise<ExposedEndpointRow[]> {
  let q = restrict(withWorkspace(db), allowed);
  if (workspaceId !== null) q = q.where('e.workspaceId', '=', workspaceId);
  return q.orderBy('w.key').orderBy('e.id').execute();
}

/** The enabled endpoint whose UUID has this digest: how an anonymous create is admitted. */
export async function findLiveEndpointByHash(
  db: Executor,
  uuidHash: string,
): Promise<ExposedEndpointRow | undefined> {
  return withWorkspace(db)
    .where('e.uuidHash', '=', uuidHash)
    .where('e.disabled', '=', 0)
    .executeTakeFirst();
}

export async function updateExposedEndpoint(
  db: Executor,
  id: number,
  values: Updateable<ExposedEndpointTable>,
): Promise<void> {
  await db.updateTable('exposedEndpoints').set(values).where('id', '=', id).execute();
}

export async function deleteExposedEndpoint(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('exposedEndpoints').where('id', '=', id).execute();
}
