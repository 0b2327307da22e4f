import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import { receiveInto } from './receive.ts';
import type { BlobStore } from './storage.ts';

/** Bytes per row of attachment_chunks (the last chunk of a file may be shorter). */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Attachments as rows of `attachment_chunks` (PostgreSQL), so every node serves every
 * file. The row's storage_path is the key of its chunks. An upload is written a chunk at
 * a time as it arrives, each insert awaited before more is read (the client is slowed,
 * memory is not filled); download reads one chunk per query. Chunks of an upload that
 * fails or is cut are deleted at once; those of a process that died mid-upload are
 * removed by the stale-upload sweep (`removeAbandoned`).
 */
export function databaseStore(db: () => Executor): BlobStore {
  return {
    async receive(source, truncated, now) {
      const storagePath = randomBytes(16).toString('hex');
      const createdAt = now.toISOString();
      const received = await receiveInto(
        source,
        truncated,
        () => chunkWriter(db(), storagePath, createdAt),
        () => deleteChunks(db(), storagePath),
      );
      return received && { ...received, storagePath };
    },
    async open(storagePath, size) {
      // The first chunk is read before answering, so a missing file is a logged 500,
      // not a cut-off 200.
      const first = await readChunk(db(), storagePath, 0);
      if (!first && size > 0) {
        throw new Error(`attachment chunks ${storagePath} are missing from the database`);
      }
      return Readable.from(readChunks(db, storagePath, first), { objectMode: false });
    },
    remove: (storagePath) => deleteChunks(db(), storagePath),
    async removeAbandoned(before) {
      // Chunks no row points to: written by a process that died before it stored the row.
      const result = await db()
        .deleteFrom('attachmentChunks')
        .where('storagePath', 'in', (eb) =>
          eb
            .selectFrom('attachmentChunks as c')
            .select('c.storagePath')
            .where('c.seq', '=', 0)
            .where('c.createdAt', '<', before.toISOString())
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('attachments as a')
                    .select(sql.lit(1).as('one'))
                    .whereRef('a.storagePath', '=', 'c.storagePath'),
                ),
              ),
            ),
        )
        .where('seq', '=', 0)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Chunk after chunk; the next is fetched while the current one is being sent. */
async function* readChunks(
  db: () => Executor,
  storagePath: string,
  first: Buffer | undefined,
): AsyncGenerator<Buffer> {
  let chunk = first;
  for (let seq = 1; chunk; seq++) {
    const next = readChunk(db(), storagePath, seq);
    // A client that goes away stops the generator here; its fetch is then nobody's.
    next.catch(() => {});
    yield chunk;
    chunk = await next;
  }
}

async function readChunk(db: Executor, storagePath: string, seq: number) {
  const row = await db
    .selectFrom('attachmentChunks')
    .select('data')
    .where('storagePath', '=', storagePath)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row?.data;
}

export async function deleteChunks(db: Executor, storagePath: string): Promise<void> {
  await db.deleteFrom('attachmentChunks').where('storagePath', '=', storagePath).execute();
}

/**
 * A sink that cuts what it is given into CHUNK_BYTES rows of `storagePath`, numbered from
 * 0, through `db` (the pool, or the transaction of `bzctrl attachments migrate`). One
 * insert is under way while the next chunk fills: the bytes keep flowing, and memory
 * holds two chunks at most.
 */
export function chunkWriter(db: Executor, storagePath: string, createdAt: string): Writable {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  // The insert under way. A destroyed writer closes only after it, so whoever cleans up
  // on 'close' (receiveInto) cannot be overtaken by a late chunk.
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  const insert = async (data: Buffer) => {
    await writing;
    if (stopped) throw new Error('the chunk writer was destroyed');
    writing = db
      .insertInto('attachmentChunks')
      .values({ storagePath, seq: seq++, data, createdAt })
      .execute()
      .then(() => undefined);
    // Its failure is told to the next write, the end, or destroy.
    writing.catch(() => {});
  };
  const take = (n: number) => {
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    const rest = all.subarray(n);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    return all.subarray(0, n);
  };
  const flushWhole = async () => {
    while (pendingBytes >= CHUNK_BYTES) await insert(take(CHUNK_BYTES));
  };
  const settled = () =>
    writing.then(
      () => undefined,
      () => undefined,
    );
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      flushWhole().then(() => done(), done);
    },
    final(done) {
      (async () => {
        if (pendingBytes > 0) await insert(take(pendingBytes));
        await writing;
      })().then(() => done(), done);
    },
    destroy(err, done) {
      stopped = true;
      settled().then(() => done(err));
    },
  });
}
