import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { IdempotencyKeyTable } from '../db/tables.ts';

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;

/** What a claim records about the request; the response columns stay null until it ends. */
export interface KeyClaim {
  caller: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * Claims a key for a request that is about to run: true when this call inserted the row.
 * Atomic across processes (INSERT … ON CONFLICT DO NOTHING on the primary key).
 */
export async function insertKeyClaim(db: Executor, claim: KeyClaim): Promise<boolean> {
  // RETURNING yields a row only when this statement inserted it.
  const row = await db
    .insertInto('idempotencyKeys')
    .values({ ...claim, statusCode: null, responseHeaders: null, responseBody: null })
    .onConflict((oc) => oc.columns(['caller', 'key']).doNothing())
    .returning('caller')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findKey(
  db: Executor,
  caller: string,
  key: string,
): Promise<IdempotencyKeyRow | undefined> {
  return db
    .selectFrom('idempotencyKeys')
    .selectAll()
    .where('caller', '=', caller)
    .where('key', '=', key)
    .executeTakeFirst();
}

/**
 * Takes over a row that is expired or whose request died in flight, as a new claim.
 * Compare-and-set on `created_at` (every claim writes a new one): of two processes taking
 * over the same row, one wins.
 */
export async function takeOverKey(
  db: Executor,
  claim: KeyClaim,
  seenCreatedAt: string,
): Promise<boolean> {
  const res = await db
    .updateTable('idempotencyKeys')
    .set({
      method: claim.method,
      path: claim.path,
      requestHash: claim.requestHash,
      statusCode: null,
      responseHeaders: null,
      responseBody: null,
      createdAt: claim.createdAt,
      expiresAt: claim.expiresAt,
    })
    .where('caller', '=', claim.caller)
    .where('key', '=', claim.key)
    .where('createdAt', '=', seenCreatedAt)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Stores the response of the claim made at `createdAt` (not of a later takeover). A null
 * body marks a response whose body was withheld (it showed a secret).
 */
export async function storeKeyResponse(
  db: Executor,
  claim: Pick<KeyClaim, 'caller' | 'key' | 'createdAt'>,
  response: { statusCode: number; headers: Record<string, string>; body: string | null },
): Promise<void> {
  await db
    .updateTable('idempotencyKeys')
    .set({
      statusCode: response.statusCode,
      responseHeaders: JSON.stringify(response.headers),
      responseBody: response.body,
    })
    .where('caller', '=', claim.caller)
    .where('key', '=', claim.key)
    .where('createdAt', '=', claim.createdAt)
    .where('statusCode', 'is', null)
    .execute();
}

/** Gives up an in-flight claim, so a retry runs the request again. */
export async function deleteKeyClaim(
  db: Executor,
  claim: Pick<KeyClaim, 'caller' | 'key' | 'createdAt'>,
): Promise<void> {
  await db
    .deleteFrom('idempotencyKeys')
    .where('caller', '=', claim.caller)
    .where('key', '=', claim.key)
    .where('createdAt', '=', claim.createdAt)
    .where('statusCode', 'is', null)
    .execute();
}

/** Deletes keys kept long enough; returns how many. */
export async function deleteExpiredIdempotencyKeys(db: Executor, now: string): Promise<number> {
  const res = await db
    .deleteFrom('idempotencyKeys')
    .where('expiresAt', '<=', now)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
