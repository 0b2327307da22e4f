import type { Executor } from '../../platform/db/executor.ts';
import type { UserRow } from '../../platform/db/tables.ts';
import { findUsersWithAccess } from './users.repository.ts';

/**
 * The one rule for who may be named on a todo (reporter, assignee, watcher) or be told
 * its content: an active (not disabled) user with access to the todo's workspace. Gives
 * those of `emails` who are, by e-mail; the others are missing, whatever the reason,
 * so callers say one thing for all of them (`noActiveUserWithAccess`) and never reveal
 * who exists elsewhere.
 */
export async function findActiveUsersWithAccess(
  db: Executor,
  emails: string[],
  workspaceId: number,
): Promise<Map<string, UserRow>> {
  const users = await findUsersWithAccess(db, emails, workspaceId);
  return new Map(
    users.filter((u) => u.hasAccess && Number(u.disabled) === 0).map((u) => [u.email, u]),
  );
}
