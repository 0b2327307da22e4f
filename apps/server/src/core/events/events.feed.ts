import type { Ctx } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { workspacesByKeys } from '../tenancy/workspace-ref.ts';
import { type TodoEvent, toTodoEvent } from './events.model.ts';
import { headPosition, readEvents, sequenceEvents, sweptThrough } from './events.repository.ts';

/** How often a process looks for new events while someone waits for them. */
const WATCH_INTERVAL_MS = 50;
export const MAX_WAIT_SECONDS = 30;
export const MAX_LIMIT = 1000;

/**
 * The newest event position of one database, watched for the callers waiting on it: one
 * query per interval per process however many long-polls and delivery loops wait (and
 * none when nobody does). On PostgreSQL each look also numbers newly committed events.
 */
class EventHead {
  private waiters = new Set<{ after: number; wake: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private looking = false;

  constructor(private readonly db: Db) {}

  /** Resolves once the head passes `after`, after `ms`, or when `signal` aborts. */
  wait(after: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { after, wake: () => done() };
      const timeout = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(waiter);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(waiter);
      this.timer ??= setInterval(() => void this.look(), WATCH_INTERVAL_MS);
    });
  }

  private async look(): Promise<void> {
    if (this.waiters.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.looking) return;
    this.looking = true;
    try {
      await sequenceEvents(this.db);
      const head = await headPosition(this.db);
      for (const w of this.waiters) if (head > w.after) w.wake();
    } catch {
      // The database is closing or briefly gone: the waiters time out as usual.
    } finally {
      this.looking = false;
    }
  }
}

const heads = new WeakMap<Db, EventHead>();

/** Waits until an event past position `after` may be there (see EventHead). */
export function waitForEvents(
  db: Db,
  after: number,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  // One watcher per process's database, on the primary: a request's view of it (reads
  // routed to a replica) shares it.
  const primary = db.primary ?? db;
  let head = heads.get(primary);
  if (!head) {
    head = new EventHead(primary);
    heads.set(primary, head);
  }
  return head.wait(after, ms, signal);
}

/** A feed cursor: opaque to callers, a position inside. */
export function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^p:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw validationError([{ field: 'after', message: 'is not a cursor this feed gave' }]);
  return Number(m[1]);
}

export interface FeedQuery {
  after?: string;
  limit?: number;
  /** Seconds to wait for an event when there is none yet (long-poll), ≤ 30. */
  wait?: number;
  /** Also the events the calling API client caused itself. */
  includeOwn?: boolean;
  /** Only these workspaces (keys), among the caller's. */
  workspace?: string[];
}

export interface FeedPage {
  items: TodoEvent[];
  next: string;
}

/**
 * The change feed (SPEC §8): the events of the caller's workspaces after the cursor,
 * oldest first. Without a cursor it starts at the oldest event kept. With `wait` and
 * nothing to return yet, it waits up to that many seconds for one. `next` moves past
 * every event looked at, also those the caller may not see, so a quiet caller does not
 * scan them again. A cursor behind the retention sweep is 410 Gone.
 */
export async function readFeed(ctx: Ctx, q: FeedQuery, signal?: AbortSignal): Promise<FeedPage> {
  const limit = q.limit ?? 100;
  const waitMs = Math.min(q.wait ?? 0, MAX_WAIT_SECONDS) * 1000;
  const swept = await sweptThrough(ctx.db);
  let after = q.after === undefined ? swept : decodeCursor(q.after);
  if (after < swept) {
    throw new AppError(
      'gone',
      `Events up to this cursor are past the ${ctx.config.eventRetentionDays}-day retention and were deleted; start again without "after"`,
    );
  }
  const own = ctx.actor.apiClientId;
  const workspaceIds = q.workspace?.length
    ? (await workspacesByKeys(ctx, q.workspace)).map((w) => w.id)
    : ctx.actor.workspaceIds === null
      ? null
      : [...ctx.actor.workspaceIds];
  const deadline = Date.now() + waitMs;
  // With read replicas the first look may be on a replica (ctx.db.reader): its head and
  // its events come from that one replica, which holds every event up to its head, so
  // `next` never passes one it did not show; a replica behind the cursor gives nothing
  // and the cursor back. A long poll waits on the primary's head and then reads the
  // primary, which has the event it woke for.
  let db = ctx.db;
  for (;;) {
    await sequenceEvents(db);
    const through = await headPosition(db);
    const rows =
      through > after
        ? await readEvents(db, {
            after,
            through,
            limit,
            workspaceIds,
            excludeClientId: q.includeOwn || own === null ? null : own,
          })
        : [];
    if (rows.length > 0) {
      const next = rows.length === limit ? (rows.at(-1)?.at ?? through) : through;
      return {
        items: rows.map((r) => toTodoEvent(r, ctx.config.publicUrl)),
        next: encodeCursor(next),
      };
    }
    after = Math.max(after, through);
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return { items: [], next: encodeCursor(after) };
    await waitForEvents(ctx.db, after, left, signal);
    db = ctx.db.primary ?? ctx.db;
  }
}
