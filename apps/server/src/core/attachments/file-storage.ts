import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { receiveInto } from './receive.ts';
import type { BlobStore } from './storage.ts';

export const ATTACHMENTS_DIR = 'attachments';
const TMP_DIR = join(ATTACHMENTS_DIR, 'tmp');

/**
 * Attachments as files in the data directory (SQLite; and rows not yet moved by
 * `bzctrl attachments migrate` on PostgreSQL). An upload streams to a temp file and is
 * renamed to `attachments/<yyyy>/<random name>` (the row's storage_path, relative to the
 * data directory) once whole.
 */
export function fileStore(dataDir: string): BlobStore {
  return {
    async receive(source, truncated, now) {
      const year = String(now.getUTCFullYear());
      await mkdir(join(dataDir, TMP_DIR), { recursive: true });
      await mkdir(join(dataDir, ATTACHMENTS_DIR, year), { recursive: true });
      const name = randomBytes(16).toString('hex');
      const tmp = join(dataDir, TMP_DIR, `${name}.part`);
      const storagePath = join(ATTACHMENTS_DIR, year, name);
      const drop = () => rm(tmp, { force: true });
      const received = await receiveInto(
        source,
        truncated,
        () => createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
        drop,
      );
      if (!received) return undefined;
      try {
        await rename(tmp, join(dataDir, storagePath));
      } catch (err) {
        await drop();
        throw err;
      }
      return { ...received, storagePath };
    },
    async open(storagePath): Promise<Readable> {
      // Opened before answering, so a missing file is a logged 500, not a cut-off 200.
      const handle = await open(join(dataDir, storagePath), 'r');
      return handle.createReadStream();
    },
    async remove(storagePath) {
      await rm(join(dataDir, storagePath), { force: true });
    },
    removeAbandoned: (before) => removeAbandonedTempFiles(dataDir, before),
  };
}

/**
 * Removes temp files older than `before`: those of uploads whose process died mid-way
 * (a live upload's temp file is younger than any cut-off the sweep uses).
 */
async function removeAbandonedTempFiles(dataDir: string, before: Date): Promise<number> {
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
