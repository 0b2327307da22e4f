import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { IdempotencyKeyTable } from '../db/tables.ts';

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;

/** What a key records about the request it answers. */
export interface KeyClaim {
  caller: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  createdAt: string;
  expiresAt: string;
}

/** The answer kept for a key; a null body marks one withheld because it showed a secret. */
export interface KeyResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * Takes the key for this request: true when this call wrote the row. Inside a write's
 * transaction (with `response` null until the answer is known) the row commits with the
 * change or not at all; on PostgreSQL a second transaction taking the same key waits here
 * until the first ends. A row that is expired, or that an older BzCtrl left without an
 * answer, is taken over.
 */
export async function claimKey(
  db: Executor,
  claim: KeyClaim,
  response: KeyResponse | null = null,
): Promise<boolean> {
  const values = {
    ...claim,
    statusCode: response?.statusCode ?? null,
    responseHeaders: response ? JSON.stringify(response.headers) : null,
    responseBody: response?.body ?? null,
  };
  // RETURNING yields a row only when this statement inserted or took over the row.
  const row = await db
    .insertInto('idempotencyKeys')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['caller', 'key'])
        .doUpdateSet({
          method: values.method,
          path: values.path,
          requestHash: values.requestHash,
          statusCode: values.statusCode,
          responseHeaders: values.responseHeaders,
          responseBody: values.responseBody,
          createdAt: values.createdAt,
          expiresAt: values.expiresAt,
        })
        .where((eb) =>
          eb.or([
            eb('idempotencyKeys.statusCode', 'is', null),
            eb('idempotencyKeys.expiresAt', '<=', claim.createdAt),
          ]),
        ),
    )
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

/** Writes the answer onto the row `claimKey` wrote in the same transaction. */
export async function storeKeyResponse(
  db: Executor,
  claim: Pick<KeyClaim, 'caller' | 'key'>,
  response: KeyResponse,
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
