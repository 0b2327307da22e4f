import { Webhook as Signer } from 'standardwebhooks';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import type { WebhookDeliveryRow, WebhookSubscriptionRow } from '../../platform/db/tables.ts';
import {
  checkTarget,
  type PostResult,
  postTo,
  TargetRefused,
} from '../../platform/http/outbound.ts';
import { enqueueMails } from '../../platform/mail/outbox.repository.ts';
import { toTodoEvent } from '../events/events.model.ts';
import { headPosition, readEvents, sequenceEvents } from '../events/events.repository.ts';
import { backoffMs, GIVE_UP_AFTER_MS, KEEP_ANSWER_BYTES, matchesType } from './webhooks.model.ts';
import {
  adminEmails,
  anyActiveSubscription,
  claimDueDeliveries,
  clientWorkspaceIds,
  findSubscriptions,
  insertDeliveries,
  isActiveAdmin,
  lockSubscription,
  subscriptionsBehind,
  updateDelivery,
  updateSubscription,
} from './webhooks.repository.ts';

/**
 * The steps of webhook delivery, which webhooks.worker.ts runs in two loops in every
 * `serve` process (and tests call with a clock of their own):
 *
 * - the fan-out turns events into delivery rows, per subscription from its `position`
 *   on, under the subscription's row lock (SKIP LOCKED on PostgreSQL), so each event is
 *   considered once per subscription however many processes run it;
 * - the sender claims due deliveries (SKIP LOCKED on PostgreSQL; one at a time per todo
 *   and subscription, oldest first), POSTs them signed, and records the answer, retrying
 *   with exponential backoff and disabling a subscription that has failed for 24 h.
 *
 * A delivery row is committed before its first attempt; a claim is a lease that runs
 * out, so a process that dies mid-attempt loses nothing (at least once).
 */

/** Events one fan-out pass reads per subscription. */
const FAN_OUT_BATCH = 500;
/** Deliveries in flight per process. */
export const MAX_IN_FLIGHT = 32;

/** The workspaces and echo rule a subscription delivers under now; null: nothing (owner gone). */
async function scopeOf(
  db: Db,
  sub: WebhookSubscriptionRow,
): Promise<{ workspaceIds: number[] | null; excludeClientId: number | null } | null> {
  const chosen = sub.workspaceIds === null ? null : (JSON.parse(sub.workspaceIds) as number[]);
  if (sub.ownerClientId !== null) {
    const owned = await clientWorkspaceIds(db.kysely, Number(sub.ownerClientId));
    if (owned === null) return null;
    return {
      workspaceIds: chosen === null ? owned : chosen.filter((id) => owned.includes(id)),
      excludeClientId: sub.includeOwn === 1 ? null : Number(sub.ownerClientId),
    };
  }
  if (sub.ownerUserId === null || !(await isActiveAdmin(db.kysely, Number(sub.ownerUserId)))) {
    return null;
  }
  return { workspaceIds: chosen, excludeClientId: null };
}

/**
 * One fan-out pass over every active subscription behind the newest event. Returns how
 * many deliveries it made, the head it worked to, and whether events are left (a batch
 * was full).
 */
export async function fanOutOnce(
  db: Db,
  config: Config,
  now: Date = new Date(),
): Promise<{ made: number; head: number; more: boolean; idle: boolean }> {
  // No subscription: nothing to fan out, and no reason to number events for it.
  if (!(await anyActiveSubscription(db.kysely)))
    return { made: 0, head: 0, more: false, idle: true };
  await sequenceEvents(db);
  const head = await headPosition(db);
  let made = 0;
  let more = false;
  for (const sub of await subscriptionsBehind(db.kysely, head)) {
    const id = Number(sub.id);
    const from = Number(sub.position);
    // Read outside the transaction, so it holds its connection and row lock briefly.
    const scope = await scopeOf(db, sub);
    const rows =
      scope === null
        ? []
        : await readEvents(db, { after: from, through: head, limit: FAN_OUT_BATCH, ...scope });
    const full = rows.length === FAN_OUT_BATCH;
    const filters = JSON.parse(sub.events) as string[];
    const ts = now.toISOString();
    const deliveries = rows
      .filter((r) => matchesType(filters, r.type))
      .map((r) => ({
        subscriptionId: id,
        eventId: Number(r.id),
        todoId: Number(r.todoId),
        eventType: r.type,
        messageId: `msg_${id}_${r.id}`,
        payload: JSON.stringify(toTodoEvent(r, config.publicUrl)),
        replayOf: null,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: ts,
        createdAt: ts,
      }));
    const done = await db.kysely.transaction().execute(async (trx) => {
      const locked = await lockSubscription(trx, db.engine, id);
      // Another process moved it meanwhile (or holds it now): the next pass goes on from there.
      if (!locked || Number(locked.position) !== from) return false;
      await insertDeliveries(trx, deliveries);
      await updateSubscription(trx, id, { position: full ? (rows.at(-1)?.at ?? head) : head });
      return true;
    });
    if (!done) continue;
    made += deliveries.length;
    if (full) more = true;
  }
  return { made, head, more, idle: false };
}

/** The `webhook-signature` value: one `v1,…` per secret in use, space-separated. */
export function signatureOf(
  sub: Pick<WebhookSubscriptionRow, 'secret' | 'previousSecret' | 'previousSecretUntil'>,
  messageId: string,
  at: Date,
  payload: string,
): string {
  const secrets = [sub.secret];
  if (
    sub.previousSecret &&
    sub.previousSecretUntil &&
    Date.parse(sub.previousSecretUntil) > at.getTime()
  ) {
    secrets.push(sub.previousSecret);
  }
  return secrets.map((s) => new Signer(s).sign(messageId, at, payload)).join(' ');
}

/** One attempt: POSTs the delivery to its subscription's target, checked again now. */
async function attempt(
  config: Config,
  sub: WebhookSubscriptionRow,
  d: WebhookDeliveryRow,
  now: Date,
  signal?: AbortSignal,
): Promise<PostResult> {
  try {
    const target = await checkTarget(sub.url, {
      allowPrivate: config.webhookAllowPrivate,
      httpHosts: config.webhookHttpHosts,
    });
    const timestamp = new Date(Math.floor(now.getTime() / 1000) * 1000);
    return await postTo(
      target,
      d.payload,
      {
        'webhook-id': d.messageId,
        'webhook-timestamp': String(timestamp.getTime() / 1000),
        'webhook-signature': signatureOf(sub, d.messageId, timestamp, d.payload),
      },
      { timeoutMs: config.webhookTimeoutMs, keepBytes: KEEP_ANSWER_BYTES, signal },
    );
  } catch (err) {
    if (err instanceof TargetRefused)
      return { status: null, body: '', error: `refused: ${err.message}` };
    throw err;
  }
}

// PostgreSQL text refuses NUL; an answer's bytes are kept for people to read.
const printable = (s: string) => s.split(String.fromCharCode(0)).join('');

/** Records an attempt's outcome: delivered, or the next attempt, or given up; and the subscription's health. */
async function record(
  db: Db,
  config: Config,
  log: Logger,
  sub: WebhookSubscriptionRow,
  d: WebhookDeliveryRow,
  result: PostResult,
  now: Date,
): Promise<void> {
  const ts = now.toISOString();
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const answer = {
    lastAttemptAt: ts,
    lastStatus: result.status,
    lastBody: result.status === null ? null : printable(result.body),
    lastError:
      result.error ??
      (ok
        ? null
        : result.status !== null && result.status >= 300 && result.status < 400
          ? `answered ${result.status}: redirects are not followed`
          : `answered ${result.status}`),
    lockedUntil: null,
  };
  const subId = Number(d.subscriptionId);
  if (ok && sub.failingSince === null) {
    // The common case in one statement: nothing about the subscription changes.
    await updateDelivery(db.kysely, Number(d.id), {
      ...answer,
      status: 'delivered',
      deliveredAt: ts,
    });
    return;
  }
  await db.kysely.transaction().execute(async (trx) => {
    if (ok) {
      await updateDelivery(trx, Number(d.id), { ...answer, status: 'delivered', deliveredAt: ts });
      await trx
        .updateTable('webhookSubscriptions')
        .set({ failingSince: null })
        .where('id', '=', subId)
        .where('failingSince', 'is not', null)
        .execute();
      return;
    }
    const givingUp = now.getTime() - Date.parse(d.createdAt) >= GIVE_UP_AFTER_MS;
    await updateDelivery(trx, Number(d.id), {
      ...answer,
      status: givingUp ? 'failed' : 'pending',
      nextAttemptAt: new Date(
        now.getTime() + backoffMs(Number(d.attempts), config.webhookBackoffMs),
      ).toISOString(),
    });
    await trx
      .updateTable('webhookSubscriptions')
      .set({ failingSince: ts })
      .where('id', '=', subId)
      .where('failingSince', 'is', null)
      .execute();
    const disableBefore = new Date(now.getTime() - config.webhookDisableAfterHours * 3600_000);
    const disabled = await trx
      .updateTable('webhookSubscriptions')
      .set({
        status: 'disabled',
        disabledAt: ts,
        disabledReason: `every delivery failed for ${config.webhookDisableAfterHours} h (last: ${answer.lastError})`,
        updatedAt: ts,
      })
      .where('id', '=', subId)
      .where('status', '=', 'active')
      .where('failingSince', '<=', disableBefore.toISOString())
      .returning(['id', 'url'])
      .executeTakeFirst();
    if (!disabled) return;
    log.warn({ webhook: subId }, 'webhook disabled after failing for too long');
    const to = await adminEmails(trx);
    await enqueueMails(
      trx,
      to.map((address) => ({
        to: address,
        kind: 'webhook-disabled',
        todoId: null,
        subject: `BzCtrl webhook ${subId} was disabled`,
        text:
          `Every delivery to webhook ${subId} (${disabled.url}) failed for ${config.webhookDisableAfterHours} hours, ` +
          `so BzCtrl disabled it. The last attempt: ${answer.lastError}.\n\n` +
          'Its undelivered events are kept. Once the receiver works again, enable the webhook ' +
          `(PATCH /bzctrl-core-api/api/v1/webhooks/${subId} with {"enabled": true}) and they are delivered, in order.\n`,
      })),
      ts,
    );
  });
}

/**
 * Claims and attempts due deliveries once, at `now` (tests pass their own clock), and
 * waits for them. Returns how many it attempted.
 */
export async function deliverDueOnce(
  db: Db,
  config: Config,
  log: Logger,
  now: Date = new Date(),
  limit = MAX_IN_FLIGHT,
): Promise<number> {
  const claimed = await claim(db, config, now, limit, []);
  const subs = await subscriptionsOf(db, claimed);
  await Promise.all(claimed.map((d) => attemptAndRecord(db, config, log, subs, d, () => now)));
  return claimed.length;
}

/** The subscriptions of a batch of claimed deliveries, in one query. */
export async function subscriptionsOf(
  db: Db,
  claimed: WebhookDeliveryRow[],
): Promise<Map<number, WebhookSubscriptionRow>> {
  const ids = [...new Set(claimed.map((d) => Number(d.subscriptionId)))];
  const rows = ids.length ? await findSubscriptions(db.kysely, ids) : [];
  return new Map(rows.map((r) => [Number(r.id), r]));
}

export function claim(
  db: Db,
  config: Config,
  now: Date,
  limit: number,
  exclude: readonly number[],
) {
  return claimDueDeliveries(db.kysely, db.engine, {
    now: now.toISOString(),
    // Past the attempt's own deadline, so a lease ends only when its process is gone.
    leaseUntil: new Date(now.getTime() + config.webhookTimeoutMs + 5000).toISOString(),
    limit,
    exclude,
  });
}

export async function attemptAndRecord(
  db: Db,
  config: Config,
  log: Logger,
  subs: Map<number, WebhookSubscriptionRow>,
  d: WebhookDeliveryRow,
  clock: () => Date,
  signal?: AbortSignal,
): Promise<void> {
  const sub = subs.get(Number(d.subscriptionId));
  if (!sub) return; // deleted meanwhile, with its deliveries
  const result = await attempt(config, sub, d, clock(), signal);
  if (signal?.aborted) {
    // Stopped mid-attempt: whether it arrived is unknown, so it is sent again (at least once).
    await updateDelivery(db.kysely, Number(d.id), { lockedUntil: null });
    return;
  }
  await record(db, config, log, sub, d, result, clock());
}
