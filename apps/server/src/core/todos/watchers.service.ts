import type { Ctx } from '../../platform/context.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { emailProblem } from '../../platform/values/rules.ts';
import { findActiveUsersWithAccess } from '../access/people-with-access.ts';
import { findUserByEmail, noActiveUserWithAccess } from '../access/users.repository.ts';
import { recordTodoChange } from './todo-change.ts';
import { getTodoTarget } from './todo-load.ts';
import { deleteWatcher, insertWatcher, listWatchers } from './watchers.repository.ts';

export interface Watcher {
  email: string;
  name: string;
  since: string;
}

export async function listTodoWatchers(ctx: Ctx, ref: string): Promise<{ items: Watcher[] }> {
  const { todo } = await getTodoTarget(ctx, ref);
  const rows = await listWatchers(ctx.db.kysely, todo.id);
  return { items: rows.map(({ email, name, since }) => ({ email, name, since })) };
}

/**
 * Makes a user watch a todo. Only an active user who may work in the todo's workspace can
 * watch it (a watcher is mailed its changes). Watching again changes nothing.
 */
export async function addTodoWatcher(ctx: Ctx, ref: string, email: string): Promise<void> {
  const address = email.trim().toLowerCase();
  const problem = emailProblem(address);
  if (problem) throw validationError([{ field: 'email', message: problem }]);
  const target = await getTodoTarget(ctx, ref);
  const user = (await findActiveUsersWithAccess(ctx.db.kysely, [address], target.workspaceId)).get(
    address,
  );
  if (!user) {
    throw validationError([
      { field: 'email', message: noActiveUserWithAccess(address, target.todo.workspace) },
    ]);
  }
  await writeTransaction(ctx, async (trx) => {
    const added = await insertWatcher(trx, target.todo.id, Number(user.id), ctx.now.toISOString());
    if (!added) return;
    await recordTodoChange(trx, {
      by: ctx,
      todo: { id: target.todo.id, workspaceId: target.workspaceId },
      action: 'watch',
      changes: { watchers: [null, user.email] },
    });
  });
}

/** Stops a user watching a todo; 404 when that user was not watching it. */
export async function removeTodoWatcher(ctx: Ctx, ref: string, email: string): Promise<void> {
  const target = await getTodoTarget(ctx, ref);
  const user = await findUserByEmail(ctx.db.kysely, email.trim());
  const removed = await writeTransaction(ctx, async (trx) => {
    if (!user || !(await deleteWatcher(trx, target.todo.id, Number(user.id)))) return false;
    await recordTodoChange(trx, {
      by: ctx,
      todo: { id: target.todo.id, workspaceId: target.workspaceId },
      action: 'unwatch',
      changes: { watchers: [user.email, null] },
    });
    return true;
  });
  if (!removed) throw new AppError('not_found', `${email} is not watching ${target.todo.key}`);
}
