import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Logger } from './context.ts';
import { startScheduler } from './scheduler.ts';

function recordingLog() {
  const errors: { work: unknown; message: string }[] = [];
  const log = {
    error: (obj: { work: unknown }, message: string) => errors.push({ work: obj.work, message }),
  };
  return { log: log as unknown as Logger, errors };
}

describe('startScheduler', () => {
  it('runs a work at once and again, never two runs of it at a time, and stop waits for the run in progress', async () => {
    const { log } = recordingLog();
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const stop = startScheduler(log, [
      {
        name: 'slow',
        everyMs: 10,
        run: async () => {
          runs++;
          active++;
          most = Math.max(most, active);
          await sleep(35);
          active--;
          finished++;
        },
      },
    ]);
    expect(runs).toBe(1); // started at once, not after the first interval
    await sleep(200);
    await stop();
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(finished).toBe(runs); // the run in progress ended before stop resolved
    await sleep(50);
    expect(runs).toBe(finished); // nothing started after stop
  });

  it('logs a failed run with the work name and runs it again at the next tick; other works go on', async () => {
    const { log, errors } = recordingLog();
    let attempts = 0;
    let other = 0;
    const stop = startScheduler(log, [
      {
        name: 'flaky',
        everyMs: 10,
        run: async () => {
          attempts++;
          if (attempts === 1) throw new Error('database away');
        },
      },
      { name: 'steady', everyMs: 10, run: async () => void other++ },
    ]);
    await sleep(80);
    await stop();
    expect(errors[0]).toEqual({
      work: 'flaky',
      message: 'flaky failed; it runs again at the next interval',
    });
    expect(errors).toHaveLength(1);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(other).toBeGreaterThanOrEqual(2);
  });

  it('passes an aborted signal to the run in progress when stopped', async () => {
    const { log } = recordingLog();
    let sawAbort = false;
    const stop = startScheduler(log, [
      {
        name: 'batches',
        everyMs: 1000,
        run: async (signal) => {
          while (!signal.aborted) await sleep(5);
          sawAbort = true;
        },
      },
    ]);
    await sleep(20);
    await stop();
    expect(sawAbort).toBe(true);
  });
});
