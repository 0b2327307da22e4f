import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { WorkspaceRow } from '../../platform/db/tables.ts';

export interface WorkspaceWithDomain extends WorkspaceRow {
  domainCode: string;
}

const withDomain = (db: Executor) =>
  db
    .selectFrom('workspaces as w')
    .innerJoin('domains as d', 'd.id', 'w.domainId')
    .selectAll('w')
    .select('d.code as domainCode');

/** `allowed` is the set of workspace ids the caller may use, or null for all. */
function restrict(q: ReturnType<typeof withDomain>, allowed: ReadonlySet<number> | null) {
  if (allowed === null) return q;
  return q.where('w.id', 'in', allowed.size > 0 ? [...allowed] : [-1]);
}

// Compiled once (every create resolves its workspace); the caller's workspaces are
// checked on the row, so the text does not vary with them.
const workspaceByKey = preparedQuery((db, arg) =>
  withDomain(db).where('w.key', '=', arg<string>(0)),
);
const workspaceById = preparedQuery((db, arg) => withDomain(db).where('w.id', '=', arg<number>(0)));

export async function findWorkspaceByKey(
  db: Executor,
  key: string,
  allowed: ReadonlySet<number> | null,
): Promise<WorkspaceWithDomain | undefined> {
  const [ws] = await workspaceByKey(db, key);
  return ws && (allowed === null || allowed.has(Number(ws.id))) ? ws : undefined;
}

/** Workspaces whose code, display name or key matches, compared case-insensitively. */
export async function findWorkspacesByCodeOrName(
  db: Executor,
  value: string,
  allowed: ReadonlySet<number> | null,
): Promise<WorkspaceWithDomain[]> {
  const v = value.toLowerCase();
  const rows = await restrict(withDomain(db), allowed).execute();
  return rows.filter(
    (w) => w.code.toLowerCase() === v || w.name.toLowerCase() === v || w.key.toLowerCase() === v,
  );
}

export async function findWorkspaceById(
  db: Executor,
  id: number,
): Promise<WorkspaceWithDomain | undefined> {
  return (await workspaceById(db, id))[0];
}

export async function listWorkspaces(db: Executor): Promise<WorkspaceWithDomain[]> {
  return withDomain(db).orderBy('w.key').execute();
}

/** Hands out the next sequence number; the row lock serializes concurrent creates. */
/** Compiled once: every create takes the next key of its workspace. */
const bumpTodoSeq = preparedQuery((db, arg) =>
  db
    .updateTable('workspaces')
    .set((eb) => ({ todoSeq: eb('todoSeq', '+', 1) }))
    .where('id', '=', arg<number>(0))
    .returning('todoSeq'),
);

export async function nextTodoSeq(db: Executor, workspaceId: number): Promise<number> {
  const [row] = await bumpTodoSeq(db, workspaceId);
  if (!row) throw new Error(`workspace ${workspaceId} does not exist`);
  return Number(row.todoSeq);
}

export async function findDomainByCode(db: Executor, code: string) {
  return db.selectFrom('domains').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function insertDomain(db: Executor, code: string, name: string, now: string) {
  return db
    .insertInto('domains')
    .values({ code, name, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateDomainName(db: Executor, id: number, name: string, now: string) {
  await db.updateTable('domains').set({ name, updatedAt: now }).where('id', '=', id).execute();
}

export async function insertWorkspace(
  db: Executor,
  values: { domainId: number; code: string; name: string; key: string },
  now: string,
) {
  return db
    .insertInto('workspaces')
    .values({ ...values, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateWorkspaceName(db: Executor, id: number, name: string, now: string) {
  await db.updateTable('workspaces').set({ name, updatedAt: now }).where('id', '=', id).execute();
}

export async function listDomains(db: Executor) {
  return db.selectFrom('domains').selectAll().orderBy('code').execute();
}

/** Keys of the given workspace ids, in key order; unknown ids are skipped. */
export async function listWorkspaceKeys(db: Executor, ids: number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('workspaces')
    .select('key')
    .where('id', 'in', ids)
    .orderBy('key')
    .execute();
  return rows.map((r) => r.key);
}

/** Whether any todo, deleted ones included, lives in the workspace (its key is in theirs). */
export async function workspaceHasTodos(db: Executor, workspaceId: number): Promise<boolean> {
  const row = await db
    .selectFrom('todos')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteDomain(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('domains').where('id', '=', id).execute();
}

/** Memberships, client grants and exposed endpoints go with it (ON DELETE CASCADE). */
export async function deleteWorkspace(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('workspaces').where('id', '=', id).execute();
}

/** The ids of the workspaces with these keys among those the caller may use. */
export async function findWorkspaceIdsByKeys(
  db: Executor,
  keys: string[],
  allowed: ReadonlySet<number> | null,
): Promise<Array<{ id: number; key: string }>> {
  let q = db.selectFrom('workspaces').select(['id', 'key']).where('key', 'in', keys);
  if (allowed !== null) q = q.where('id', 'in', allowed.size > 0 ? [...allowed] : [-1]);
  const rows = await q.execute();
  return rows.map((r) => ({ id: Number(r.id), key: r.key }));
}
