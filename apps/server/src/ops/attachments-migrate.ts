import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { chunkWriter, deleteChunks } from '../core/attachments/database-storage.ts';
import { measuringTap } from '../core/attachments/receive.ts';
import { attachmentStorage } from '../core/attachments/storage.ts';
import type { Db } from '../platform/db/database.ts';
import { OpsError } from './ops.errors.ts';

/** Rows read per query. */
const PAGE = 100;

export interface MigrateSummary {
  moved: number;
  /** Bytes moved. */
  bytes: number;
  /** Already in the database before this run. */
  already: number;
  /** Rows whose file is not in the data directory: `#id name (path)`. */
  missing: string[];
  /** Rows whose file's size or sha256 differs from the row's: `#id name (path)`. */
  corrupt: string[];
}

class Corrupt extends Error {}

export const notOnSqlite = () =>
  new OpsError(
    'bzctrl attachments migrate: only on PostgreSQL (on SQLite attachments stay in the data directory)',
  );

/**
 * `bzctrl attachments migrate` (PostgreSQL): moves every attachment still stored as a file
 * in the data directory into the database. Each file is streamed into chunks and its row
 * switched to 'database' in one transaction, and only if its size and sha256 match the
 * row's; after that commit the file is removed. So the command can be stopped at any point
 * and run again: it goes on with the rows still 'file', and a half-migrated database
 * serves every file meanwhile (each row says where its bytes are). A missing or corrupt
 * file is reported, left as it is, and the others are moved.
 *
 * @example
 *   const sum = await migrateAttachmentsToDatabase(db, '/var/lib/bzctrl', console.log);
 */
export async function migrateAttachmentsToDatabase(
  db: Db,
  dataDir: string,
  say: (line: string) => void,
): Promise<MigrateSummary> {
  if (db.engine !== 'postgres') throw notOnSqlite();
  const k = db.kysely;
  const count = async (storage: 'file' | 'database') =>
    Number(
      (
        await k
          .selectFrom('attachments')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('storage', '=', storage)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const sum: MigrateSummary = {
    moved: 0,
    bytes: 0,
    already: await count('database'),
    missing: [],
    corrupt: [],
  };
  const total = await count('file');
  say(`${total} attachments are files in ${dataDir}; ${sum.already} are in the database already`);
  const files = attachmentStorage(db, dataDir).store('file');
  let after = 0;
  let done = 0;
  for (;;) {
    const rows = await k
      .selectFrom('attachments')
      .select(['id', 'name', 'size', 'sha256', 'storagePath', 'createdAt'])
      .where('storage', '=', 'file')
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.id;
      done++;
      const label = `#${row.id} ${row.name} (${row.storagePath})`;
      const path = join(dataDir, row.storagePath);
      if (!(await stat(path).catch(() => undefined))?.isFile()) {
        sum.missing.push(label);
        say(`[${done}/${total}] MISSING ${label}: no such file`);
        continue;
      }
      try {
        const moved = await k.transaction().execute(async (trx) => {
          // Chunks under this key can only be a cut earlier copy; start it afresh.
          await deleteChunks(trx, row.storagePath);
          const { tap, result } = measuringTap();
          await pipeline(
            createReadStream(path),
            tap,
            chunkWriter(trx, row.storagePath, row.createdAt),
          );
          const got = result();
          if (got.size !== Number(row.size) || got.sha256 !== row.sha256) {
            throw new Corrupt(
              `${got.size} bytes with sha256 ${got.sha256}, the row says ` +
                `${row.size} bytes with sha256 ${row.sha256}`,
            );
          }
          const switched = await trx
            .updateTable('attachments')
            .set({ storage: 'database' })
            .where('id', '=', row.id)
            .where('storage', '=', 'file')
            .executeTakeFirst();
          return Number(switched.numUpdatedRows) === 1;
        });
        if (!moved) {
          say(`[${done}/${total}] skipped ${label}: removed or moved meanwhile`);
          continue;
        }
      } catch (err) {
        if (!(err instanceof Corrupt)) throw err;
        sum.corrupt.push(label);
        say(`[${done}/${total}] CORRUPT ${label}: ${err.message}`);
        continue;
      }
      // Only now that the database copy is committed.
      await files.remove(row.storagePath);
      sum.moved++;
      sum.bytes += Number(row.size);
      say(`[${done}/${total}] moved ${label}, ${row.size} bytes`);
    }
  }
  return sum;
}
