import type { Executor } from '../../platform/db/executor.ts';

/** Workspaces with their domain's code and name; `allowed` null means all. */
export async function listWorkspacesWithDomain(
  db: Executor,
  allowed: ReadonlySet<number> | null,
  key?: string,
) {
  let q = db
    .selectFrom('workspaces as w')
    .innerJoin('domains as d', 'd.id', 'w.domainId')
    .select(['w.id', 'w.key', 'w.code', 'w.name', 'd.code as domain', 'd.name as domainName'])
    .orderBy('w.key');
  if (allowed !== null) q = q.where('w.id', 'in', allowed.size > 0 ? [...allowed] : [-1]);
  if (key !== undefined) q = q.where('w.key', '=', key);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Active members of a workspace, by e-mail. Administrators may work everywhere but are
 * not members: they are left out so one customer's form never lists the operator's staff.
 */
export async function listActiveMembers(
  db: Executor,
  workspaceId: number,
): Promise<{ email: string; name: string }[]> {
  return db
    .selectFrom('users as u')
    .innerJoin('workspaceMembers as m', 'm.userId', 'u.id')
    .select(['u.email', 'u.name'])
    .where('m.workspaceId', '=', workspaceId)
    .where('u.disabled', '=', 0)
    .orderBy('u.email')
    .execute();
}

/** Custom-field definitions of a module (`task`, `incident`), in creation order. */
export async function listCustomFieldDefinitions(db: Executor, module: string) {
  const rows = await db
    .selectFrom('customFields')
    .select(['id', 'name', 'type', 'required', 'options'])
    .where('module', '=', module)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    type: Number(r.type),
    required: Number(r.required) !== 0,
    options: r.options === null ? null : (JSON.parse(r.options) as string[]),
  }));
}
