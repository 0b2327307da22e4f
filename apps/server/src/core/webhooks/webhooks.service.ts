import type { Ctx } from '../../platform/context.ts';
import type { WebhookSubscriptionRow } from '../../platform/db/tables.ts';
import { AppError, FieldErrors } from '../../platform/errors.ts';
import { checkTarget, TargetRefused } from '../../platform/http/outbound.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { normalizeKey } from '../../platform/values/rules.ts';
import { auditedBy, insertAuditEvent } from '../audit/audit.repository.ts';
import { headPosition, sequenceEvents } from '../events/events.repository.ts';
import { findWorkspaceIdsByKeys } from '../tenancy/workspaces.repository.ts';
import {
  EVENT_FILTERS,
  newSecret,
  PING_TYPE,
  ROTATION_GRACE_MS,
  toWebhook,
  toWebhookDelivery,
  type Webhook,
  type WebhookDelivery,
} from './webhooks.model.ts';
import {
  deleteSubscription,
  findDelivery,
  findSubscription,
  insertDeliveries,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  namesFor,
  updateSubscription,
} from './webhooks.repository.ts';

/**
 * Webhook subscriptions (SPEC §8). An administrator signed in as itself manages every
 * subscription; an API client its own, for its own workspaces; anyone else gets 403.
 * "Missing" and "another owner's" are the same 404.
 */

export interface WebhookInput {
  url?: string;
  events?: string[];
  /** Workspace keys; null or absent: every workspace the owner may use. */
  workspaces?: string[] | null;
  includeOwn?: boolean;
  /** PATCH only: false disables, true enables again (and clears the failure run). */
  enabled?: boolean;
}

/** A subscription with its secret: the answer to a create or a rotation, and only those. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

/** Who owns what the caller creates, and whose subscriptions it sees (null: all). */
function callerOf(ctx: Ctx): { ownerUserId: number | null; ownerClientId: number | null } {
  const { actor } = ctx;
  if (actor.kind === 'client' && actor.apiClientId !== null) {
    return { ownerUserId: null, ownerClientId: actor.apiClientId };
  }
  if (actor.kind === 'user' && actor.isAdmin && actor.userId !== null) {
    return { ownerUserId: actor.userId, ownerClientId: null };
  }
  throw new AppError(
    'forbidden',
    'Webhooks are managed by administrators and by API clients (for their own workspaces)',
  );
}

/** The subscriptions the caller may manage see this one: its own, or all for an admin. */
function visibleTo(ctx: Ctx): number | null {
  const { ownerClientId } = callerOf(ctx);
  return ownerClientId;
}

async function loadOwn(ctx: Ctx, id: number): Promise<WebhookSubscriptionRow> {
  const row = await findSubscription(ctx.db.kysely, id, visibleTo(ctx));
  if (!row) throw new AppError('not_found', `No webhook ${id}`);
  return row;
}

async function show(ctx: Ctx, rows: WebhookSubscriptionRow[]): Promise<Webhook[]> {
  const names = await namesFor(ctx.db.kysely, rows);
  return rows.map((r) =>
    toWebhook(r, {
      workspaceKeys: names.workspaceKeys,
      owner:
        (r.ownerClientId === null
          ? names.users.get(Number(r.ownerUserId))
          : names.clients.get(Number(r.ownerClientId))) ?? '(removed)',
    }),
  );
}

async function showOne(ctx: Ctx, id: number): Promise<Webhook> {
  const row = await loadOwn(ctx, id);
  const [hook] = await show(ctx, [row]);
  return hook as Webhook;
}

/** Checks the fields given, each by name; resolves workspace keys to ids. */
async function checkInput(
  ctx: Ctx,
  input: WebhookInput,
  creating: boolean,
): Promise<{ workspaceIds?: string | null }> {
  const errors = new FieldErrors();
  if (creating && input.url === undefined) errors.add('url', 'is required');
  if (input.url !== undefined) {
    try {
      await checkTarget(input.url, {
        allowPrivate: ctx.config.webhookAllowPrivate,
        httpHosts: ctx.config.webhookHttpHosts,
      });
    } catch (err) {
      if (!(err instanceof TargetRefused)) throw err;
      errors.add('url', err.message);
    }
  }
  if (creating && input.events === undefined) errors.add('events', 'is required');
  if (input.events !== undefined) {
    if (input.events.length === 0) errors.add('events', 'must name at least one event type');
    input.events.forEach((e, i) => {
      if (!(EVENT_FILTERS as readonly string[]).includes(e)) {
        errors.add(`events[${i}]`, `must be one of ${EVENT_FILTERS.join(', ')}`);
      }
    });
  }
  const out: { workspaceIds?: string | null } = {};
  if (input.workspaces === null) out.workspaceIds = null;
  else if (input.workspaces !== undefined) {
    const keys = input.workspaces.map(normalizeKey);
    const found = keys.length
      ? await findWorkspaceIdsByKeys(ctx.db.kysely, keys, ctx.actor.workspaceIds)
      : [];
    keys.forEach((k, i) => {
      if (!found.some((w) => w.key === k)) {
        errors.add(`workspaces[${i}]`, `unknown workspace "${k}" (or not one you may use)`);
      }
    });
    if (keys.length === 0) errors.add('workspaces', 'must name a workspace, or be left out');
    out.workspaceIds = JSON.stringify([...new Set(found.map((w) => w.id))].sort((a, b) => a - b));
  }
  errors.throwIfAny();
  return out;
}

async function audit(
  ctx: Ctx,
  trx: Parameters<typeof insertAuditEvent>[0],
  id: number,
  action: 'create' | 'update' | 'delete',
  changes: Record<string, [unknown, unknown]>,
) {
  if (Object.keys(changes).length === 0) return;
  await insertAuditEvent(trx, {
    ...auditedBy(ctx),
    entityType: 'webhook',
    entityId: id,
    workspaceId: null,
    action,
    changes,
  });
}

/**
 * Creates a subscription owned by the caller. It gets the events from now on; the answer
 * carries the signing secret, which is never shown again.
 *
 * @example
 *   await createWebhook(ctx, { url: 'https://erp.example.com/hooks', events: ['todo.*'] });
 */
export async function createWebhook(ctx: Ctx, input: WebhookInput): Promise<WebhookWithSecret> {
  const owner = callerOf(ctx);
  const checked = await checkInput(ctx, input, true);
  const ts = ctx.now.toISOString();
  const secret = newSecret();
  await sequenceEvents(ctx.db);
  const head = await headPosition(ctx.db);
  const id = await writeTransaction(ctx, async (trx) => {
    const newId = await insertSubscription(trx, {
      url: input.url ?? '',
      events: JSON.stringify([...new Set(input.events)]),
      workspaceIds: checked.workspaceIds ?? null,
      includeOwn: input.includeOwn ? 1 : 0,
      ownerUserId: owner.ownerUserId,
      ownerClientId: owner.ownerClientId,
      secret,
      previousSecret: null,
      previousSecretUntil: null,
      status: input.enabled === false ? 'disabled' : 'active',
      disabledAt: input.enabled === false ? ts : null,
      disabledReason: input.enabled === false ? 'created disabled' : null,
      failingSince: null,
      position: head,
      createdAt: ts,
      updatedAt: ts,
    });
    await audit(ctx, trx, newId, 'create', {
      url: [null, input.url],
      events: [null, input.events],
      workspaces: [null, input.workspaces ?? null],
      includeOwn: [null, input.includeOwn ?? false],
    });
    return newId;
  });
  return { ...(await showOne(ctx, id)), secret };
}

export async function listWebhooks(ctx: Ctx): Promise<Webhook[]> {
  return show(ctx, await listSubscriptions(ctx.db.kysely, visibleTo(ctx)));
}

export async function getWebhook(ctx: Ctx, id: number): Promise<Webhook> {
  return showOne(ctx, id);
}

/** Changes the fields given; `enabled: true` enables a disabled subscription again. */
export async function updateWebhook(ctx: Ctx, id: number, input: WebhookInput): Promise<Webhook> {
  const before = await loadOwn(ctx, id);
  const checked = await checkInput(ctx, input, false);
  const ts = ctx.now.toISOString();
  const set: Parameters<typeof updateSubscription>[2] = { updatedAt: ts };
  const changes: Record<string, [unknown, unknown]> = {};
  if (input.url !== undefined && input.url !== before.url) {
    set.url = input.url;
    changes.url = [before.url, input.url];
  }
  if (input.events !== undefined) {
    const events = JSON.stringify([...new Set(input.events)]);
    if (events !== before.events) {
      set.events = events;
      changes.events = [JSON.parse(before.events), JSON.parse(events)];
    }
  }
  if (checked.workspaceIds !== undefined && checked.workspaceIds !== before.workspaceIds) {
    set.workspaceIds = checked.workspaceIds;
    changes.workspaces = [before.workspaceIds, checked.workspaceIds];
  }
  if (input.includeOwn !== undefined && (input.includeOwn ? 1 : 0) !== before.includeOwn) {
    set.includeOwn = input.includeOwn ? 1 : 0;
    changes.includeOwn = [before.includeOwn === 1, input.includeOwn];
  }
  if (input.enabled !== undefined && input.enabled !== (before.status === 'active')) {
    set.status = input.enabled ? 'active' : 'disabled';
    set.disabledAt = input.enabled ? null : ts;
    set.disabledReason = input.enabled ? null : 'disabled by request';
    set.failingSince = null;
    changes.enabled = [!input.enabled, input.enabled];
  }
  await writeTransaction(ctx, async (trx) => {
    await updateSubscription(trx, id, set);
    await audit(ctx, trx, id, 'update', changes);
  });
  return showOne(ctx, id);
}

export async function deleteWebhook(ctx: Ctx, id: number): Promise<void> {
  const before = await loadOwn(ctx, id);
  await writeTransaction(ctx, async (trx) => {
    await deleteSubscription(trx, id);
    await audit(ctx, trx, id, 'delete', { url: [before.url, null] });
  });
}

/**
 * A new secret, shown once. The old one keeps signing beside it for 24 h (both
 * signatures are sent), so receivers can switch without losing a delivery.
 */
export async function rotateWebhookSecret(ctx: Ctx, id: number): Promise<WebhookWithSecret> {
  const before = await loadOwn(ctx, id);
  const secret = newSecret();
  const ts = ctx.now.toISOString();
  await writeTransaction(ctx, async (trx) => {
    await updateSubscription(trx, id, {
      secret,
      previousSecret: before.secret,
      previousSecretUntil: new Date(ctx.now.getTime() + ROTATION_GRACE_MS).toISOString(),
      updatedAt: ts,
    });
    await audit(ctx, trx, id, 'update', { secret: ['(rotated)', '(new)'] });
  });
  return { ...(await showOne(ctx, id)), secret };
}

export async function listWebhookDeliveries(
  ctx: Ctx,
  id: number,
  q: { limit?: number; before?: number; status?: string },
): Promise<WebhookDelivery[]> {
  await loadOwn(ctx, id);
  const rows = await listDeliveries(ctx.db.kysely, id, { ...q, limit: q.limit ?? 50 });
  return rows.map(toWebhookDelivery);
}

/**
 * Sends a delivery's message again, as a new delivery with the same `webhook-id` (so a
 * receiver that deduplicates sees it is the same message) and fresh attempts.
 */
export async function replayWebhookDelivery(
  ctx: Ctx,
  id: number,
  deliveryId: number,
): Promise<WebhookDelivery> {
  await loadOwn(ctx, id);
  const original = await findDelivery(ctx.db.kysely, id, deliveryId);
  if (!original) throw new AppError('not_found', `No delivery ${deliveryId} of webhook ${id}`);
  const ts = ctx.now.toISOString();
  const [newId] = await writeTransaction(ctx, (trx) =>
    insertDeliveries(trx, [
      {
        subscriptionId: id,
        eventId: original.eventId,
        todoId: original.todoId,
        eventType: original.eventType,
        messageId: original.messageId,
        payload: original.payload,
        replayOf: Number(original.id),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: ts,
        createdAt: ts,
      },
    ]),
  );
  const row = await findDelivery(ctx.db.kysely, id, Number(newId));
  if (!row) throw new AppError('not_found', `No delivery ${newId} of webhook ${id}`);
  return toWebhookDelivery(row);
}

/** Queues a ping (`webhook.test`), delivered like any event (to a disabled subscription once it is enabled again). */
export async function pingWebhook(ctx: Ctx, id: number): Promise<WebhookDelivery> {
  await loadOwn(ctx, id);
  const ts = ctx.now.toISOString();
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const messageId = `msg_${id}_test_${stamp}`;
  const payload = JSON.stringify({
    type: PING_TYPE,
    occurredAt: ts,
    webhook: { id },
    message: 'A test delivery from BzCtrl',
  });
  const [newId] = await writeTransaction(ctx, (trx) =>
    insertDeliveries(trx, [
      {
        subscriptionId: id,
        eventId: null,
        todoId: null,
        eventType: PING_TYPE,
        messageId,
        payload,
        replayOf: null,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: ts,
        createdAt: ts,
      },
    ]),
  );
  const row = await findDelivery(ctx.db.kysely, id, Number(newId));
  if (!row) throw new AppError('not_found', `No delivery ${newId} of webhook ${id}`);
  return toWebhookDelivery(row);
}
