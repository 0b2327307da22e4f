import type { Worker } from 'node:worker_threads';
import type { Logger } from '../context.ts';
import type { Repeated } from '../scheduler.ts';
import type { Db } from './database.ts';
import { sqliteWorker } from './sqlite-worker.ts';

/** How often the WAL is checkpointed; its size stays near what is written in this time. */
export const CHECKPOINT_EVERY_MS = 1000;

/** Past this many frames (4 KB pages: 8 MB) a checkpoint that cannot catch up RESTARTs. */
export const RESTART_AFTER_FRAMES = 2048;

/** One checkpoint's outcome, as `PRAGMA wal_checkpoint` reports it. */
export interface CheckpointResult {
  /** 1 when a reader or writer kept it from finishing (it runs again next time). */
  busy: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

// A worker of its own with its own connection: copying the WAL into the database file
// and its fsync never run on the thread that answers requests, nor inside a COMMIT.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    let [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under steady writes a PASSIVE checkpoint may never catch up, and the WAL restarts
    // only once it has: past the bound, RESTART makes writers wait for one checkpoint.
    if (row.log > workerData.restartFrames && row.checkpointed < row.log)
      [row] = db.pragma('wal_checkpoint(RESTART)');
    parentPort.postMessage({ ok: row });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

/**
 * The SQLite checkpointer as the server's scheduler runs it: a PASSIVE checkpoint every
 * second from a worker thread, so no request's COMMIT ever checkpoints (the server's
 * connection has `wal_autocheckpoint = 0`). A PASSIVE checkpoint never blocks a writer;
 * when it has copied every frame, the next write starts the WAL from its beginning. If
 * writes never let it catch up and the WAL holds more than `RESTART_AFTER_FRAMES`, a
 * RESTART checkpoint makes writers wait for it once. So the WAL stays below about 8 MB
 * plus one second of writes, and the file is cut back to `WAL_SIZE_LIMIT_BYTES` after a
 * burst. Null on PostgreSQL and in memory.
 */
export function walCheckpointer(
  db: Db,
  log: Logger,
  everyMs = CHECKPOINT_EVERY_MS,
): (Repeated & { checkpointNow(): Promise<CheckpointResult> }) | null {
  if (db.engine !== 'sqlite' || db.sqliteFile === null) return null;
  let worker: Worker | null = null;
  let pending: { resolve(r: CheckpointResult): void; reject(err: Error): void } | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const start = () => {
    const w = sqliteWorker(WORKER, { file: db.sqliteFile, restartFrames: RESTART_AFTER_FRAMES });
    w.on('message', (m: { ok?: CheckpointResult; error?: string }) => {
      const p = pending;
      pending = null;
      if (m.ok) p?.resolve(m.ok);
      else p?.reject(new Error(`WAL checkpoint failed: ${m.error}`));
    });
    w.on('error', (err) => log.error({ err }, 'the WAL checkpointer stopped; it starts again'));
    w.on('exit', () => {
      if (worker === w) worker = null;
      pending?.reject(new Error('the WAL checkpointer stopped'));
      pending = null;
    });
    return w;
  };
  /** One checkpoint now; calls wait for each other, so one runs at a time. */
  const checkpointNow = (): Promise<CheckpointResult> => {
    const next = queue.then(
      () =>
        new Promise<CheckpointResult>((resolve, reject) => {
          pending = { resolve, reject };
          worker ??= start();
          worker.postMessage('checkpoint');
        }),
    );
    queue = next.catch(() => {});
    return next;
  };
  return {
    name: 'WAL checkpoint',
    everyMs,
    checkpointNow,
    run: async () => {
      const r = await checkpointNow();
      if (r.busy) log.debug(r, 'WAL checkpoint could not finish; it runs again');
    },
    close: async () => {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.postMessage('close');
      await exited;
    },
  };
}
