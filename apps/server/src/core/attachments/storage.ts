import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AppError } from '../../platform/errors.ts';
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

const cutOffError = () =>
  new AppError(
    'bad_request',
    'The multipart body ended before the file part did (no closing boundary)',
  );

/**
 * Streams an upload to `<dataDir>/attachments/<yyyy>/<random name>` through a temp file,
 * hashing it on the way; memory holds one chunk and the sniff window, never the file.
 * `truncated()` tells whether the multipart parser cut the file at the size limit: then
 * nothing is kept and the result is undefined, as soon as the cut happens. Any failure
 * removes the partial file at once; a failure of the incoming stream (a malformed or
 * cut-off multipart body, a client that went away) is a 400.
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
  // The parser destroys the part when the body ends without its closing boundary; if that
  // happened already, a pipeline would wait for it forever (and hold the temp file open).
  if (source.destroyed) throw cutOffError();
  const writer = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
  const written = pipeline(source, tap, writer);
  // Over the limit the parser cuts the file but reads on to the end of its part: the
  // temp file is closed and dropped at once, and the rest of the part is drained unread.
  const cut = new Promise<true>((resolve) => source.once('limit', () => resolve(true)));
  try {
    if (await Promise.race([written.then(truncated), cut])) {
      source.unpipe(tap);
      tap.end();
      source.resume();
      written.catch(() => {});
      await finished(writer).catch(() => {});
      await rm(tmp, { force: true });
      return undefined;
    }
    await rename(tmp, join(dataDir, storagePath));
  } catch (err) {
    await rm(tmp, { force: true });
    // The body failed, or ended (the client went) before the file's closing boundary.
    const cutOff = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (err !== sourceError && !cutOff) throw err;
    if (cutOff) throw cutOffError();
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
