import type { Executor } from '../../platform/db/executor.ts';
import type { SessionTable } from '../../platform/db/tables.ts';

export async function insertSession(db: Executor, row: SessionTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** A live session and its user, whatever the user's state: the caller checks `disabled`. */
export async function findLiveSession(db: Executor, digest: string, now: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.userId')
    .select(['s.userId', 's.expiresAt', 'u.email', 'u.name', 'u.role', 'u.disabled'])
    .where('s.tokenHash', '=', digest)
    .where('s.expiresAt', '>', now)
    .executeTakeFirst();
}

/** Ends one session; false when there was none. */
export async function deleteSession(db: Executor, digest: string): Promise<boolean> {
  const res = await db.deleteFrom('sessions').where('tokenHash', '=', digest).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Ends every session of a user (disabled, or a new password). */
export async function deleteUserSessions(db: Executor, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('userId', '=', userId).execute();
}

export async function deleteExpiredSessions(db: Executor, now: string): Promise<number> {
  const res = await db.deleteFrom('sessions').where('expiresAt', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
