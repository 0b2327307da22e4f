import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { UserRole, UserRow } from '../../platform/db/tables.ts';

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(
  db: Executor,
  values: { email: string; name: string; role: UserRole; passwordHash: string | null },
  now: string,
): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({ ...values, email: values.email.toLowerCase(), createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateUser(
  db: Executor,
  id: number,
  values: Partial<{ name: string; role: UserRole; passwordHash: string | null; disabled: number }>,
  now: string,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...values, updatedAt: now })
    .where('id', '=', id)
    .execute();
}

export async function listMemberWorkspaceIds(db: Executor, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('workspaceMembers')
    .select('workspaceId')
    .where('userId', '=', userId)
    .execute();
  return rows.map((r) => Number(r.workspaceId));
}

export async function replaceMemberships(
  db: Executor,
  userId: number,
  workspaceIds: number[],
): Promise<void> {
  await db.deleteFrom('workspaceMembers').where('userId', '=', userId).execute();
  if (workspaceIds.length > 0) {
    await db
      .insertInto('workspaceMembers')
      .values(workspaceIds.map((workspaceId) => ({ userId, workspaceId })))
      .execute();
  }
}

function usersWithAccessQuery(db: Executor, emails: string[], workspaceId: number) {
  return db
    .selectFrom('users as u')
    .leftJoin('workspaceMembers as m', (j) =>
      j.onRef('m.userId', '=', 'u.id').on('m.workspaceId', '=', workspaceId),
    )
    .selectAll('u')
    .select('m.workspaceId as memberOf')
    .where('u.email', 'in', emails);
}

/** Compiled once per number of addresses (every create checks its reporter and assignee). */
const MAX_PREPARED_EMAILS = 8;
const usersWithAccess: Array<ReturnType<typeof usersWithAccessOf>> = [];
function usersWithAccessOf(count: number) {
  return preparedQuery((db, arg) =>
    usersWithAccessQuery(
      db,
      Array.from({ length: count }, (_, i) => arg<string>(i + 1)),
      arg<number>(0),
    ),
  );
}

/**
 * Users by e-mail, each with whether it may work in the workspace (admins may work
 * everywhere), in one query. Without a workspace, `hasAccess` is false.
 */
export async function findUsersWithAccess(
  db: Executor,
  emails: string[],
  workspaceId: number | null,
): Promise<(UserRow & { hasAccess: boolean })[]> {
  if (emails.length === 0) return [];
  const lower = emails.map((e) => e.toLowerCase());
  let rows: Awaited<ReturnType<ReturnType<typeof usersWithAccessOf>>>;
  if (lower.length <= MAX_PREPARED_EMAILS) {
    let statement = usersWithAccess[lower.length];
    if (!statement) {
      statement = usersWithAccessOf(lower.length);
      usersWithAccess[lower.length] = statement;
    }
    rows = await statement(db, workspaceId ?? -1, ...lower);
  } else {
    rows = await usersWithAccessQuery(db, lower, workspaceId ?? -1).execute();
  }
  return rows.map(({ memberOf, ...u }) => ({
    ...u,
    hasAccess: workspaceId !== null && (u.role === 'admin' || memberOf !== null),
  }));
}

/**
 * What a caller hears about a person it named who may not work in the workspace: one
 * text whether the address is unknown, disabled or without access, so an error message
 * never tells who exists in another tenant.
 */
export function noActiveUserWithAccess(email: string, workspaceKey: string): string {
  return `no active user ${email} with access to workspace ${workspaceKey}`;
}

export async function listUsers(db: Executor): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('email').execute();
}

/** Every membership as (user id, workspace key), in key order. */
export async function listAllMemberships(db: Executor): Promise<{ userId: number; key: string }[]> {
  const rows = await db
    .selectFrom('workspaceMembers as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspaceId')
    .select(['m.userId', 'w.key'])
    .orderBy('w.key')
    .execute();
  return rows.map((r) => ({ userId: Number(r.userId), key: r.key }));
}

/** Administrators who can still sign in. */
export async function countEnabledAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
