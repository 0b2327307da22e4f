import { randomBytes, randomInt } from 'node:crypto';
import type { WebhookDeliveryRow, WebhookSubscriptionRow } from '../../platform/db/tables.ts';
import { EVENT_TYPES, type EventType } from '../events/events.model.ts';

/** What a subscription's `events` may hold: every todo event, or named types. */
export const EVENT_FILTERS = ['todo.*', ...EVENT_TYPES] as const;

/** The type of the test ping (`POST /webhooks/{id}/test`). */
export const PING_TYPE = 'webhook.test';

/** The grace period in which a rotated-out secret still signs (both signatures are sent). */
export const ROTATION_GRACE_MS = 24 * 3600_000;

/** The most bytes of a target's answer the delivery log keeps. */
export const KEEP_ANSWER_BYTES = 1024;

/** A retry is never later than this after the previous attempt. */
export const MAX_BACKOFF_MS = 3600_000;

/**
 * Attempts stop for one delivery after this long (the subscription is disabled sooner
 * if all its deliveries keep failing): SPEC §8's "at least 24 h", with room.
 */
export const GIVE_UP_AFTER_MS = 72 * 3600_000;

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether a subscription's type filter takes an event type. */
export function matchesType(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === type || (f === 'todo.*' && type.startsWith('todo.')));
}

/**
 * The delay before attempt `attempt + 1`, after `attempt` failed ones: `base · 2^(n-1)`,
 * at most an hour, with "equal jitter" (half fixed, half random) so retries of many
 * deliveries that failed together spread out without any coming much too early.
 */
export function backoffMs(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const half = Math.floor(ceiling / 2);
  return half + randomInt(0, Math.max(1, ceiling - half + 1));
}

/** A subscription as the API shows it (never its secret). */
export interface Webhook {
  id: number;
  url: string;
  events: string[];
  /** Workspace keys, or null for every workspace the owner may use. */
  workspaces: string[] | null;
  includeOwn: boolean;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  owner: { type: 'user' | 'client'; name: string };
  /** Until when the secret before the last rotation still signs too. */
  previousSecretUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toWebhook(
  row: WebhookSubscriptionRow,
  names: { workspaceKeys: Map<number, string>; owner: string },
): Webhook {
  const ids = row.workspaceIds === null ? null : (JSON.parse(row.workspaceIds) as number[]);
  return {
    id: Number(row.id),
    url: row.url,
    events: JSON.parse(row.events) as string[],
    workspaces: ids === null ? null : ids.map((id) => names.workspaceKeys.get(id) ?? `#${id}`),
    includeOwn: row.includeOwn === 1,
    enabled: row.status === 'active',
    disabledAt: row.disabledAt,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince,
    owner: { type: row.ownerClientId === null ? 'user' : 'client', name: names.owner },
    previousSecretUntil: row.previousSecretUntil,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** One entry of a subscription's delivery log. */
export interface WebhookDelivery {
  id: number;
  messageId: string;
  eventId: number | null;
  eventType: string;
  replayOf: number | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  /** The next attempt, while pending. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** The last answer: its status and first bytes; null before one came. */
  lastResponse: { status: number; body: string } | null;
  /** Why the last attempt failed without an answer (timeout, refused, …). */
  lastError: string | null;
}

export function toWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: Number(row.id),
    messageId: row.messageId,
    eventId: row.eventId === null ? null : Number(row.eventId),
    eventType: row.eventType,
    replayOf: row.replayOf === null ? null : Number(row.replayOf),
    status: row.status as WebhookDelivery['status'],
    attempts: Number(row.attempts),
    createdAt: row.createdAt,
    lastAttemptAt: row.lastAttemptAt,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
    deliveredAt: row.deliveredAt,
    lastResponse:
      row.lastStatus === null ? null : { status: Number(row.lastStatus), body: row.lastBody ?? '' },
    lastError: row.lastError,
  };
}

export type { EventType };
