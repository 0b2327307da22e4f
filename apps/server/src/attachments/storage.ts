import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';
import { SNIFF_BYTES } from './sniff.ts';

/** A file written to the data directory, not yet known to the database. */
export interface StoredFile {
  /** Relative to the data directory: attachments/<yyyy>/<random name>. */
  storagePath: string;
  size: number;
  sha256: string;
  /** The first bytes, for content sniffing. */
  head: Buffer;
}

export const ATTACHMENTS_DIR = 'attachments';
const TMP_DIR = join(ATTACHMENTS_DIR, 'tmp');

/**
 * Streams an upload to `<dataDir>/attachments/<yyyy>/<random name>` through a temp file,
 * hashing it on the way; memory holds one chunk and the sniff window, never the file.
 * `truncated()` tells whether the multipart parser cut the file at the size limit: then
 * nothing is kept and the result is undefined. Any failure removes the partial file; a
 * failure of the incoming stream (a malformed or cut-off multipart body) is a 400.
 */
export async function storeStream(
  dataDir: string,
  source: Readable,
  truncated: () => boolean,
  now: Date,
): Promise<StoredFile | undefined> {
  const year = String(now.getUTCFullYear());
  await mkdir(join(dataDir, TMP_DIR), { recursive: true });
  await mkdir(join(dataDir, ATTACHMENTS_DIR, year), { recursive: true });
  const name = randomBytes(16).toString('hex');
  const tmp = join(dataDir, TMP_DIR, `${name}.part`);
  const storagePath = join(ATTACHMENTS_DIR, year, name);

  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      if (headLength < SNIFF_BYTES) {
        const part = chunk.subarray(0, SNIFF_BYTES - headLength);
        head.push(part);
        headLength += part.length;
      }
      done(null, chunk);
    },
  });
  let sourceError: unknown;
  source.once('error', (err) => {
    sourceError = err;
  });
  try {
    await pipeline(source, tap, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    if (truncated()) {
      await rm(tmp, { force: true });
      return undefined;
    }
    await rename(tmp, join(dataDir, storagePath));
  } catch (err) {
    await rm(tmp, { force: true });
    if (err !== sourceError) throw err;
    throw new AppError('bad_request', `The multipart body is malformed: ${(err as Error).message}`);
  }
  return { storagePath, size, sha256: hash.digest('hex'), head: Buffer.concat(head) };
}

/** Removes a stored file; one already gone is fine (removal is idempotent). */
export async function removeStoredFile(dataDir: string, storagePath: string): Promise<void> {
  await rm(join(dataDir, storagePath), { force: true });
}

/**
 * Removes temp files older than `before`: those of uploads whose process died mid-way
 * (a live upload's temp file is younger than any cut-off the sweep uses).
 */
export async function removeAbandonedTempFiles(dataDir: string, before: Date): Promise<number> {
  const dir = join(dataDir, TMP_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const n of names) {
    const file = join(dir, n);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && info.mtime < before) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
