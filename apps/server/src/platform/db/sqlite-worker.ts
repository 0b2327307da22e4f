import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * A worker thread with a SQLite connection of its own (the checkpointer, the read pool).
 * `source` is CommonJS run with `eval`, so it works the same under tsx and plain node; it
 * finds better-sqlite3 at `workerData.driver`, resolved here, beside `data`. Unref'd: it
 * never keeps the process alive by itself.
 */
export function sqliteWorker(source: string, data: Record<string, unknown>): Worker {
  const worker = new Worker(source, { eval: true, workerData: { driver, ...data } });
  worker.unref();
  return worker;
}
