import type { Actor } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { tokenDigest } from '../../platform/values/secrets.ts';
import { credentialCacheOf } from './actor-cache.ts';
import { findLiveAccessToken } from './tokens.repository.ts';

type LiveToken = NonNullable<Awaited<ReturnType<typeof findLiveAccessToken>>>;

/** A JSON array of ids as the token query aggregates them (PostgreSQL bigints as numbers). */
function idList(json: string): number[] {
  return (JSON.parse(json) as Array<number | string>).map(Number);
}

/** Who holds a live token row; undefined when its user or client is disabled. */
function actorOf(row: LiveToken): Actor | undefined {
  if (row.userId !== null && row.userDisabled !== 0) return undefined;
  if (row.apiClientId !== null && row.clientDisabled !== 0) return undefined;
  const apiClientId = row.apiClientId === null ? null : Number(row.apiClientId);
  const userId = row.userId === null ? null : Number(row.userId);
  const isAdmin = row.userRole === 'admin';
  // A user acting through a client is limited to the workspaces both may use.
  let workspaceIds: Set<number> | null = null;
  if (userId !== null && !isAdmin) workspaceIds = new Set(idList(row.memberWorkspaceIds));
  if (apiClientId !== null) {
    const clientIds = idList(row.clientWorkspaceIds);
    workspaceIds = new Set(
      workspaceIds ? clientIds.filter((id) => workspaceIds?.has(id)) : clientIds,
    );
  }
  return {
    kind: userId !== null ? 'user' : 'client',
    userId,
    userEmail: row.userEmail ?? null,
    apiClientId,
    clientId: row.clientId ?? null,
    isAdmin: isAdmin && apiClientId === null,
    workspaceIds,
    defaultWorkspaceId:
      row.defaultWorkspaceId === null || row.defaultWorkspaceId === undefined
        ? null
        : Number(row.defaultWorkspaceId),
    scopes: new Set(row.scope.split(' ')),
    tokenId: row.id,
  };
}

/**
 * Finds who holds a bearer token; undefined when it is not live (unknown, expired,
 * revoked, or its user or client disabled). Normally answered from the process's
 * credential cache (actor-cache.ts): a change made here holds from the next request,
 * one made by another process within a second; the token's expiry is checked every time.
 */
export async function resolveAccessToken(
  db: Db,
  token: string,
  now: Date,
): Promise<Actor | undefined> {
  const digest = tokenDigest(token);
  return credentialCacheOf(db.kysely).get(`token:${digest}`, now.getTime(), async () => {
    const row = await findLiveAccessToken(db.kysely, digest, now.toISOString());
    const actor = row && actorOf(row);
    return actor && { value: actor, expiresAtMs: Date.parse(row.expiresAt) };
  });
}
