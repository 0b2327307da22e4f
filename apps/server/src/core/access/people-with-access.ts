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
  const people = await checkPeopleAccess(db, emails, workspaceId);
  const out = new Map<string, UserRow>();
  for (const [email, p] of people) if (p.user) out.set(email, p.user);
  return out;
}

/** Why someone may not be named on a todo of the workspace, or null when they may. */
export type AccessRefusal = 'unknown' | 'disabled' | 'no-access';

/**
 * The same rule with its reason, for the one caller allowed to learn it: an
 * administrator setting an exposed endpoint's defaults (docs/decisions.md). Everyone
 * else asks `findActiveUsersWithAccess`, which tells the reasons apart to nobody.
 */
export async function checkPeopleAccess(
  db: Executor,
  emails: string[],
  workspaceId: number,
): Promise<Map<string, { user: UserRow | null; refusal: AccessRefusal | null }>> {
  const users = await findUsersWithAccess(db, emails, workspaceId);
  const out = new Map<string, { user: UserRow | null; refusal: AccessRefusal | null }>();
  for (const email of emails) {
    const user = users.find((u) => u.email === email);
    const refusal: AccessRefusal | null = !user
      ? 'unknown'
      : Number(user.disabled) !== 0
        ? 'disabled'
        : !user.hasAccess
          ? 'no-access'
          : null;
    out.set(email, { user: refusal === null && user ? user : null, refusal });
  }
  return out;
}
