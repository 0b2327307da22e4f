import type { Logger } from './context.ts';

/** Work the server repeats in the background, such as the lifecycle jobs or a sweep. */
export interface Repeated {
  /** Names the work in the log. */
  readonly name: string;
  readonly everyMs: number;
  /** One run; it should end soon after `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Frees what the work holds (a worker thread), once its last run has ended. */
  close?(): Promise<void>;
}

/**
 * The one timer of the server: starts each work now and then every `everyMs`. A tick is
 * skipped while the work's previous run is still going, so runs of one work never overlap
 * within a process; a failed run is logged and the work runs again at the next tick.
 * Returns a function that stops every timer and waits for the runs in progress, so the
 * database can be closed after it.
 */
export function startScheduler(log: Logger, works: readonly Repeated[]): () => Promise<void> {
  const abort = new AbortController();
  const running = new Map<string, Promise<void>>();
  const timers = works.map((work) => {
    const tick = () => {
      if (running.has(work.name) || abort.signal.aborted) return;
      const run = work
        .run(abort.signal)
        .catch((err) =>
          log.error(
            { err, work: work.name },
            `${work.name} failed; it runs again at the next interval`,
          ),
        )
        .finally(() => running.delete(work.name));
      running.set(work.name, run);
    };
    const timer = setInterval(tick, work.everyMs);
    timer.unref();
    tick();
    return timer;
  });
  return async () => {
    abort.abort();
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
    await Promise.all(works.map((work) => work.close?.()));
  };
}
