import type { Executor } from '../db/executor.ts';
import type { WorkspaceRow } from '../db/tables.ts';

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

export async function findWorkspaceByKey(
  db: Executor,
  key: string,
  allowed: ReadonlySet<number> | null,
): Promise<WorkspaceWithDomain | undefined> {
  return restrict(withDomain(db), allowed).where('w.key', '=', key).executeTakeFirst();
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
  return withDomain(db).where('w.id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(db: Executor): Promise<WorkspaceWithDomain[]> {
  return withDomain(db).orderBy('w.key').execute();
}

/** Hands out the next sequence number; the row lock serializes concurrent creates. */
export async function nextTodoSeq(db: Executor, workspaceId: number): Promise<number> {
  const row = await db
    .updateTable('workspaces')
    .set((eb) => ({ todoSeq: eb('todoSeq', '+', 1) }))
    .where('id', '=', workspaceId)
    .returning('todoSeq')
    .executeTakeFirstOrThrow();
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
