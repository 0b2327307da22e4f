import { Webhook } from 'standardwebhooks';
import type { components, paths } from './schema.d.ts';

const HOOKS = '/bzctrl-core-api/api/v1/webhooks';

type Schemas = components['schemas'];
/** A webhook subscription as the API shows it (never its secret). */
export type WebhookSubscription = Schemas['Webhook'];
/** A subscription with its signing secret: what a create and a rotation answer, once. */
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
/** One entry of a subscription's delivery log. */
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type CreateWebhookBody =
  paths['/bzctrl-core-api/api/v1/webhooks']['post']['requestBody']['content']['application/json'];
export type UpdateWebhookBody =
  paths['/bzctrl-core-api/api/v1/webhooks/{id}']['patch']['requestBody']['content']['application/json'];
export type ListDeliveriesQuery = NonNullable<
  paths['/bzctrl-core-api/api/v1/webhooks/{id}/deliveries']['get']['parameters']['query']
>;

type Call = <T>(
  method: string,
  path: string,
  options?: { body?: unknown; query?: Record<string, unknown> },
) => Promise<T>;

/** The `webhooks.*` methods of a client, over its signed, retrying transport. */
export function webhooksApi(call: Call) {
  const one = (id: number) => `${HOOKS}/${encodeURIComponent(String(id))}`;
  return {
    /**
     * Subscribes a URL to events. The answer's `secret` (`whsec_…`) is shown only here:
     * keep it to verify deliveries ({@link verifyWebhook}).
     *
     * @example
     * const hook = await bz.webhooks.create({
     *   url: 'https://erp.example.com/bzctrl-events',
     *   events: ['todo.*'],
     *   workspaces: ['IMP-NLD-EXA-SWA'],
     * });
     * saveSecret(hook.secret);
     */
    create: (body: CreateWebhookBody): Promise<WebhookWithSecret> => call('POST', HOOKS, { body }),

    /**
     * Your subscriptions (an administrator's: all of them).
     *
     * @example
     * const { items } = await bz.webhooks.list();
     */
    list: (): Promise<{ items: WebhookSubscription[] }> => call('GET', HOOKS),

    /**
     * One subscription.
     *
     * @example
     * const hook = await bz.webhooks.get(3);
     * if (!hook.enabled) console.log(hook.disabledReason);
     */
    get: (id: number): Promise<WebhookSubscription> => call('GET', one(id)),

    /**
     * Changes the given fields; `{ enabled: true }` resumes a disabled subscription.
     *
     * @example
     * await bz.webhooks.update(3, { events: ['todo.status_changed', 'todo.commented'] });
     */
    update: (id: number, patch: UpdateWebhookBody): Promise<WebhookSubscription> =>
      call('PATCH', one(id), { body: patch }),

    /**
     * Deletes a subscription and its delivery log.
     *
     * @example
     * await bz.webhooks.delete(3);
     */
    delete: (id: number): Promise<void> => call('DELETE', one(id)),

    /**
     * A new signing secret, shown once; for 24 h deliveries carry a signature with the old
     * secret too, so the receiver can switch without losing one.
     *
     * @example
     * const { secret } = await bz.webhooks.rotateSecret(3);
     */
    rotateSecret: (id: number): Promise<WebhookWithSecret> =>
      call('POST', `${one(id)}/rotate-secret`),

    /**
     * The delivery log, newest first: status, attempts, the last answer's status and first
     * bytes, the next attempt.
     *
     * @example
     * const { items } = await bz.webhooks.deliveries(3, { status: 'pending' });
     */
    deliveries: (
      id: number,
      query: ListDeliveriesQuery = {},
    ): Promise<{ items: WebhookDelivery[] }> =>
      call('GET', `${one(id)}/deliveries`, { query: query as Record<string, unknown> }),

    /**
     * Sends a delivery again (same `webhook-id` and body), as a new entry of the log.
     *
     * @example
     * await bz.webhooks.replay(3, 1207);
     */
    replay: (id: number, deliveryId: number): Promise<WebhookDelivery> =>
      call('POST', `${one(id)}/deliveries/${encodeURIComponent(String(deliveryId))}/replay`),

    /**
     * Sends a signed `webhook.test` ping, delivered like any event.
     *
     * @example
     * const delivery = await bz.webhooks.test(3);
     */
    test: (id: number): Promise<WebhookDelivery> => call('POST', `${one(id)}/test`),
  };
}

/** Headers as a receiver has them: a plain object (Node, Express) or a `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * For receivers: checks a delivery's Standard Webhooks signature (`webhook-id`,
 * `webhook-timestamp` within 5 minutes, `webhook-signature`) against the secret, and
 * answers the event. Throws {@link WebhookVerificationError} when it does not verify.
 * Pass the body exactly as received (the raw string, or its bytes such as a Buffer; not re-serialized JSON).
 *
 * @example
 * import { createServer } from 'node:http';
 * import { verifyWebhook } from '@bzctrl/sdk';
 * createServer((req, res) => {
 *   let body = '';
 *   req.on('data', (c) => (body += c));
 *   req.on('end', () => {
 *     try {
 *       const event = verifyWebhook(body, req.headers, process.env.BZCTRL_WEBHOOK_SECRET!);
 *       console.log(event.type, event.todo?.key);
 *       res.writeHead(204).end();
 *     } catch {
 *       res.writeHead(400).end();
 *     }
 *   });
 * }).listen(3000);
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
): WebhookEvent {
  const get = (name: string): string => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? '';
    const v = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(v) ? v.join(' ') : (v ?? '');
  };
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  try {
    return new Webhook(secret).verify(body, {
      'webhook-id': get('webhook-id'),
      'webhook-timestamp': get('webhook-timestamp'),
      'webhook-signature': get('webhook-signature'),
    }) as WebhookEvent;
  } catch (err) {
    throw new WebhookVerificationError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * A delivery that does not verify: a wrong or missing signature, or a timestamp too far
 * from now. The SDK's own class, so its declarations need nothing of Node's.
 */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

/** What a delivery carries: an event (`Event` of the API) or a `webhook.test` ping. */
export type WebhookEvent =
  | Schemas['Event']
  | { type: 'webhook.test'; occurredAt: string; webhook: { id: number }; message: string };
