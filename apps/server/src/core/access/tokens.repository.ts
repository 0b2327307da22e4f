import { sql } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import { preparedQuery } from '../../platform/db/prepared.ts';
import type { OauthTokenTable } from '../../platform/db/tables.ts';

export async function insertTokens(db: Executor, rows: OauthTokenTable[]): Promise<void> {
  await db.insertInto('oauthTokens').values(rows).execute();
}

export async function findTokenByDigest(db: Executor, digest: string, kind: 'access' | 'refresh') {
  return db
    .selectFrom('oauthTokens')
    .selectAll()
    .where('tokenHash', '=', digest)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

/**
 * Resolves a presented access token to its holder in one query: the token must be live,
 * its user (if any) enabled and its client (if any) enabled. The workspace ids of the
 * user's memberships and of the client's grant come along as JSON arrays (text), so
 * authenticating a request costs one round trip. Prepared once: it runs on every request.
 */
const liveAccessToken = preparedQuery((db, arg, dialect) => {
  // The same aggregate in each dialect's words; always a JSON array text, '[]' if none.
  const ids =
    dialect === 'postgres'
      ? sql`coalesce(json_agg(workspace_id)::text, '[]')`
      : sql`json_group_array(workspace_id)`;
  return db
    .selectFrom('oauthTokens as t')
    .leftJoin('users as u', 'u.id', 't.userId')
    .leftJoin('apiClients as c', 'c.id', 't.apiClientId')
    .select([
      't.id',
      't.userId',
      't.apiClientId',
      't.scope',
      't.expiresAt',
      'u.email as userEmail',
      'u.role as userRole',
      'u.disabled as userDisabled',
      'c.clientId as clientId',
      'c.disabled as clientDisabled',
      'c.defaultWorkspaceId',
      sql<string>`(select ${ids} from workspace_members m where m.user_id = t.user_id)`.as(
        'memberWorkspaceIds',
      ),
      sql<string>`(select ${ids} from api_client_workspaces cw where cw.api_client_id = t.api_client_id)`.as(
        'clientWorkspaceIds',
      ),
    ])
    .where('t.tokenHash', '=', arg<string>(0))
    .where('t.kind', '=', 'access')
    .where('t.revokedAt', 'is', null)
    .where('t.expiresAt', '>', arg<string>(1));
});

export async function findLiveAccessToken(db: Executor, digest: string, now: string) {
  return (await liveAccessToken(db, digest, now))[0];
}

/** Marks a refresh token used; false when it was already used or revoked (a replay). */
export async function markRotated(db: Executor, id: string, now: string): Promise<boolean> {
  const res = await db
    .updateTable('oauthTokens')
    .set({ rotatedAt: now })
    .where('id', '=', id)
    .where('rotatedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Revokes every live token of a sign-in; false when none was left. */
export async function revokeFamily(db: Executor, familyId: string, now: string): Promise<boolean> {
  const res = await db
    .updateTable('oauthTokens')
    .set({ revokedAt: now })
    .where('familyId', '=', familyId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Revokes one token (RFC 7009 for an access token); false when it was revoked already. */
export async function revokeToken(db: Executor, id: string, now: string): Promise<boolean> {
  const res = await db
    .updateTable('oauthTokens')
    .set({ revokedAt: now })
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function revokeUserTokens(db: Executor, userId: number, now: string): Promise<void> {
  await db
    .updateTable('oauthTokens')
    .set({ revokedAt: now })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .execute();
}

export async function revokeClientTokens(
  db: Executor,
  apiClientId: number,
  now: string,
): Promise<void> {
  await db
    .updateTable('oauthTokens')
    .set({ revokedAt: now })
    .where('apiClientId', '=', apiClientId)
    .where('revokedAt', 'is', null)
    .execute();
}

export async function deleteExpiredTokens(db: Executor, now: string): Promise<number> {
  const res = await db.deleteFrom('oauthTokens').where('expiresAt', '<', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
