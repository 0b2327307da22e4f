import type { Executor } from '../../platform/db/executor.ts';

/** Watchers of a todo: active users notified of its changes, by e-mail. */
export async function listWatchers(
  db: Executor,
  todoId: number,
): Promise<{ userId: number; email: string; name: string; since: string }[]> {
  const rows = await db
    .selectFrom('todoWatchers as tw')
    .innerJoin('users as u', 'u.id', 'tw.userId')
    .select(['u.id as userId', 'u.email', 'u.name', 'tw.createdAt as since'])
    .where('tw.todoId', '=', todoId)
    .where('u.disabled', '=', 0)
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({ ...r, userId: Number(r.userId) }));
}

/** Adds watchers; already watching is not an error. */
export async function insertWatchers(
  db: Executor,
  todoId: number,
  userIds: number[],
  now: string,
): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .insertInto('todoWatchers')
    .values(userIds.map((userId) => ({ todoId, userId, createdAt: now })))
    .onConflict((oc) => oc.columns(['todoId', 'userId']).doNothing())
    .execute();
}

export async function deleteWatcher(
  db: Executor,
  todoId: number,
  userId: number,
): Promise<boolean> {
  const r = await db
    .deleteFrom('todoWatchers')
    .where('todoId', '=', todoId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Adds one watcher; false when the user was already watching. */
export async function insertWatcher(
  db: Executor,
  todoId: number,
  userId: number,
  now: string,
): Promise<boolean> {
  const r = await db
    .insertInto('todoWatchers')
    .values({ todoId, userId, createdAt: now })
    .onConflict((oc) => oc.columns(['todoId', 'userId']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
