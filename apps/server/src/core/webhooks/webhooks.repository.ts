import type { Insertable, Updateable } from 'kysely';
import type { Engine } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import type {
  WebhookDeliveryRow,
  WebhookDeliveryTable,
  WebhookSubscriptionRow,
  WebhookSubscriptionTable,
} from '../../platform/db/tables.ts';

/**
 * Webhook subscriptions and deliveries (migration 011). `ownerClientId` filters by owner:
 * an API client sees its own subscriptions only; null (an administrator) sees all.
 */

export async function insertSubscription(
  db: Executor,
  values: Insertable<WebhookSubscriptionTable>,
): Promise<number> {
  const row = await db
    .insertInto('webhookSubscriptions')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function findSubscription(
  db: Executor,
  id: number,
  ownerClientId: number | null,
): Promise<WebhookSubscriptionRow | undefined> {
  return db
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .where('id', '=', id)
    .$if(ownerClientId !== null, (q) => q.where('ownerClientId', '=', ownerClientId))
    .executeTakeFirst();
}

export async function findSubscriptions(
  db: Executor,
  ids: number[],
): Promise<WebhookSubscriptionRow[]> {
  return db.selectFrom('webhookSubscriptions').selectAll().where('id', 'in', ids).execute();
}

export async function listSubscriptions(
  db: Executor,
  ownerClientId: number | null,
): Promise<WebhookSubscriptionRow[]> {
  return db
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .$if(ownerClientId !== null, (q) => q.where('ownerClientId', '=', ownerClientId))
    .orderBy('id')
    .execute();
}

export async function updateSubscription(
  db: Executor,
  id: number,
  set: Updateable<WebhookSubscriptionTable>,
): Promise<void> {
  await db.updateTable('webhookSubscriptions').set(set).where('id', '=', id).execute();
}

export async function deleteSubscription(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('webhookDeliveries').where('subscriptionId', '=', id).execute();
  await db.deleteFrom('webhookSubscriptions').where('id', '=', id).execute();
}

/** Workspace keys by id, and the owners' names, for showing subscriptions. */
export async function namesFor(db: Executor, rows: WebhookSubscriptionRow[]) {
  const wsIds = [
    ...new Set(
      rows.flatMap((r) => (r.workspaceIds ? (JSON.parse(r.workspaceIds) as number[]) : [])),
    ),
  ];
  const userIds = [
    ...new Set(rows.flatMap((r) => (r.ownerUserId === null ? [] : [r.ownerUserId]))),
  ];
  const clientIds = [
    ...new Set(rows.flatMap((r) => (r.ownerClientId === null ? [] : [r.ownerClientId]))),
  ];
  const [ws, users, clients] = await Promise.all([
    wsIds.length
      ? db.selectFrom('workspaces').select(['id', 'key']).where('id', 'in', wsIds).execute()
      : [],
    userIds.length
      ? db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute()
      : [],
    clientIds.length
      ? db
          .selectFrom('apiClients')
          .select(['id', 'clientId'])
          .where('id', 'in', clientIds)
          .execute()
      : [],
  ]);
  return {
    workspaceKeys: new Map(ws.map((w) => [Number(w.id), w.key])),
    users: new Map(users.map((u) => [Number(u.id), u.email])),
    clients: new Map(clients.map((c) => [Number(c.id), c.clientId])),
  };
}

/** Whether any subscription is active: without one, nothing needs the fan-out. */
export async function anyActiveSubscription(db: Executor): Promise<boolean> {
  const row = await db
    .selectFrom('webhookSubscriptions')
    .select('id')
    .where('status', '=', 'active')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Active subscriptions whose fan-out has not reached `head`. */
export async function subscriptionsBehind(
  db: Executor,
  head: number,
): Promise<WebhookSubscriptionRow[]> {
  return db
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .where('status', '=', 'active')
    .where('position', '<', head)
    .orderBy('id')
    .execute();
}

/**
 * An active subscription's row, locked for this transaction; on PostgreSQL undefined when
 * another process holds it (its fan-out is running: this one goes on to the next).
 */
export async function lockSubscription(
  trx: Executor,
  engine: Engine,
  id: number,
): Promise<WebhookSubscriptionRow | undefined> {
  return trx
    .selectFrom('webhookSubscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('status', '=', 'active')
    .$if(engine === 'postgres', (q) => q.forUpdate().skipLocked())
    .executeTakeFirst();
}

/** The workspaces an API client may use now, or null when it is gone or disabled. */
export async function clientWorkspaceIds(db: Executor, clientId: number): Promise<number[] | null> {
  const client = await db
    .selectFrom('apiClients')
    .select('id')
    .where('id', '=', clientId)
    .where('disabled', '=', 0)
    .executeTakeFirst();
  if (!client) return null;
  const rows = await db
    .selectFrom('apiClientWorkspaces')
    .select('workspaceId')
    .where('apiClientId', '=', clientId)
    .execute();
  return rows.map((r) => Number(r.workspaceId));
}

/** Whether a user is still an enabled administrator. */
export async function isActiveAdmin(db: Executor, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirst();
  return row !== undefined;
}

/** The e-mail addresses of every enabled administrator. */
export async function adminEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('email')
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.email);
}

export async function insertDeliveries(
  db: Executor,
  rows: Insertable<WebhookDeliveryTable>[],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const ids = await db.insertInto('webhookDeliveries').values(rows).returning('id').execute();
  return ids.map((r) => Number(r.id));
}

/** A subscription's deliveries, newest first, before the id `before` when given. */
export async function listDeliveries(
  db: Executor,
  subscriptionId: number,
  opts: { limit: number; before?: number; status?: string },
): Promise<WebhookDeliveryRow[]> {
  return db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('subscriptionId', '=', subscriptionId)
    .$if(opts.before !== undefined, (q) => q.where('id', '<', opts.before ?? 0))
    .$if(opts.status !== undefined, (q) => q.where('status', '=', opts.status ?? ''))
    .orderBy('id', 'desc')
    .limit(opts.limit)
    .execute();
}

export async function findDelivery(
  db: Executor,
  subscriptionId: number,
  id: number,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('subscriptionId', '=', subscriptionId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Claims up to `limit` due deliveries by leasing them until `leaseUntil` and counting the
 * attempt, in one statement: pending, due, not leased (or the lease ran out), of an
 * active subscription, and with no older pending delivery of the same todo to the same
 * subscription (the order per todo). On PostgreSQL the candidates are locked with SKIP
 * LOCKED, so workers in other processes claim other rows.
 */
export async function claimDueDeliveries(
  db: Executor,
  engine: Engine,
  opts: { now: string; leaseUntil: string; limit: number; exclude: readonly number[] },
): Promise<WebhookDeliveryRow[]> {
  const due = db
    .selectFrom('webhookDeliveries as d')
    .innerJoin('webhookSubscriptions as s', 's.id', 'd.subscriptionId')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('s.status', '=', 'active')
    .where('d.nextAttemptAt', '<=', opts.now)
    .where((eb) => eb.or([eb('d.lockedUntil', 'is', null), eb('d.lockedUntil', '<', opts.now)]))
    .$if(opts.exclude.length > 0, (q) => q.where('d.id', 'not in', opts.exclude))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhookDeliveries as o')
            .select('o.id')
            .whereRef('o.subscriptionId', '=', 'd.subscriptionId')
            .whereRef('o.todoId', '=', 'd.todoId')
            .whereRef('o.id', '<', 'd.id')
            .where('o.status', '=', 'pending'),
        ),
      ),
    )
    .orderBy('d.id')
    .limit(opts.limit)
    .$if(engine === 'postgres', (q) => q.forUpdate('d').skipLocked());
  return db
    .updateTable('webhookDeliveries')
    .set((eb) => ({ lockedUntil: opts.leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

export async function updateDelivery(
  db: Executor,
  id: number,
  set: Updateable<WebhookDeliveryTable>,
): Promise<void> {
  await db.updateTable('webhookDeliveries').set(set).where('id', '=', id).execute();
}

/** SQLite, one process per file: the leases of a process that died are nobody's now. */
export async function releaseAllLeases(db: Executor): Promise<void> {
  await db
    .updateTable('webhookDeliveries')
    .set({ lockedUntil: null })
    .where('status', '=', 'pending')
    .where('lockedUntil', 'is not', null)
    .execute();
}

/**
 * For the metrics: deliveries still to make, and when the longest-waiting one was due.
 * A disabled subscription's deliveries wait for it to be enabled again, not for the
 * worker, so they do not count.
 */
export async function findDeliveryQueue(
  db: Executor,
): Promise<{ depth: number; oldestDue: string | null }> {
  const row = await db
    .selectFrom('webhookDeliveries as d')
    .innerJoin('webhookSubscriptions as s', 's.id', 'd.subscriptionId')
    .select((eb) => [
      eb.fn.countAll<number>().as('depth'),
      eb.fn.min('d.nextAttemptAt').as('oldestDue'),
    ])
    .where('d.status', '=', 'pending')
    .where('s.status', '=', 'active')
    .executeTakeFirstOrThrow();
  return { depth: Number(row.depth), oldestDue: row.oldestDue ?? null };
}
