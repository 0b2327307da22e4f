import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Repeated } from '../../platform/scheduler.ts';
import { waitForEvents } from '../events/events.feed.ts';
import {
  attemptAndRecord,
  claim,
  fanOutOnce,
  MAX_IN_FLIGHT,
  subscriptionsOf,
} from './webhooks.delivery.ts';
import { releaseAllLeases } from './webhooks.repository.ts';

/**
 * The webhook loops of a `serve` process (webhooks.delivery.ts has the steps): the
 * fan-out wakes on new events (the feed's head watcher, ~50 ms) while a subscription is
 * active, and otherwise looks once a second, so an idle server costs one cheap query a
 * second, not twenty; the sender is woken by
 * the fan-out and by finished attempts, and otherwise looks for due retries every second
 * at most.
 */

/**
 * The two loops as the server runs them (while jobs are on): `run` goes until the server
 * stops; the scheduler starts it again a second later should it fail.
 */
export function webhookDelivery(
  shared: Db,
  config: Config,
  log: Logger,
  openOwn?: () => Db,
): Repeated {
  return {
    name: 'webhook delivery',
    everyMs: 1000,
    run: async (signal) => {
      // On PostgreSQL the loops get connections of their own, so a burst of requests
      // queued for the shared pool does not hold up delivery (SQLite has one writer).
      const db = shared.engine === 'postgres' && openOwn ? openOwn() : shared;
      try {
        await loops(db, config, log, signal);
      } finally {
        if (db !== shared) await db.close();
      }
    },
  };
}

async function loops(db: Db, config: Config, log: Logger, signal: AbortSignal): Promise<void> {
  if (db.engine === 'sqlite') await releaseAllLeases(db.kysely);
  let wake: () => void = () => undefined;
  const nudge = () => wake();
  const idleMs = Math.min(1000, config.webhookBackoffMs);
  const inFlight = new Map<number, Promise<void>>();

  const fanOut = async () => {
    while (!signal.aborted) {
      try {
        const r = await fanOutOnce(db, config);
        if (r.made > 0) nudge();
        // Without a subscription it looks once a second instead of watching the head.
        if (r.idle) await sleep(1000, signal);
        else if (!r.more) await waitForEvents(db, r.head, 1000, signal);
      } catch (err) {
        log.error({ err }, 'webhook fan-out failed; trying again in a second');
        await sleep(1000, signal);
      }
    }
  };

  const send = async () => {
    while (!signal.aborted) {
      const idle = new Promise<void>((resolve) => {
        wake = resolve;
      });
      try {
        const free = MAX_IN_FLIGHT - inFlight.size;
        const claimed =
          free > 0 ? await claim(db, config, new Date(), free, [...inFlight.keys()]) : [];
        const subs = await subscriptionsOf(db, claimed);
        for (const d of claimed) {
          const id = Number(d.id);
          const p = attemptAndRecord(db, config, log, subs, d, () => new Date(), signal)
            .catch((err) => log.error({ err, delivery: id }, 'webhook delivery failed to record'))
            .finally(() => {
              inFlight.delete(id);
              nudge();
            });
          inFlight.set(id, p);
        }
        if (claimed.length > 0 && inFlight.size < MAX_IN_FLIGHT) continue;
      } catch (err) {
        log.error({ err }, 'webhook claim failed; trying again in a second');
        await sleep(1000, signal);
      }
      await Promise.race([idle, sleep(idleMs, signal)]);
    }
    await Promise.all(inFlight.values());
  };

  await Promise.all([fanOut(), send()]);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
