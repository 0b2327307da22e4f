import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  pingWebhook,
  replayWebhookDelivery,
  rotateWebhookSecret,
  updateWebhook,
} from '../../core/webhooks/webhooks.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses, refTo } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  PatchWebhookBody,
  WebhookDeliverySchema,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.ts';

const BASE = '/bzctrl-core-api/api/v1/webhooks';
const WHO =
  'An administrator signed in as itself manages every webhook; an API client its own, for its own workspaces; others get 403.';

/** Webhook subscriptions and their delivery log (SPEC §8). */
export async function webhookRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(WebhookSchema);
  app.addSchema(WebhookWithSecretSchema);
  app.addSchema(WebhookDeliverySchema);
  const common = {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
  };
  const doc = { tags: ['webhooks'], security: [{ bearer: [] }] };
  const ctx = (request: Parameters<typeof ctxOf>[0]) => ctxOf(request, deps, 'native');

  app.post(BASE, {
    ...common,
    schema: {
      ...doc,
      summary: 'Subscribe to events',
      description: `Deliveries start with the events after this call. The answer carries the signing secret, once. ${WHO}`,
      body: CreateWebhookBody,
      response: { 201: refTo(WebhookWithSecretSchema), ...problemResponses },
    },
    handler: async (request, reply) => {
      const hook = await createWebhook(ctx(request), request.body);
      return reply.code(201).header('Location', `${BASE}/${hook.id}`).send(hook);
    },
  });

  app.get(BASE, {
    ...common,
    schema: {
      ...doc,
      summary: 'Your webhooks (an administrator: all)',
      response: {
        200: Type.Object({ items: Type.Array(refTo(WebhookSchema)) }),
        ...problemResponses,
      },
    },
    handler: async (request) => ({ items: await listWebhooks(ctx(request)) }),
  });

  app.get(`${BASE}/:id`, {
    ...common,
    schema: {
      ...doc,
      summary: 'One webhook (never its secret)',
      params: WebhookParams,
      response: { 200: refTo(WebhookSchema), ...problemResponses },
    },
    handler: async (request) => getWebhook(ctx(request), request.params.id),
  });

  app.patch(`${BASE}/:id`, {
    ...common,
    schema: {
      ...doc,
      summary: 'Change a webhook, or disable and enable it',
      params: WebhookParams,
      body: PatchWebhookBody,
      response: { 200: refTo(WebhookSchema), ...problemResponses },
    },
    handler: async (request) => updateWebhook(ctx(request), request.params.id, request.body),
  });

  app.delete(`${BASE}/:id`, {
    ...common,
    schema: {
      ...doc,
      summary: 'Delete a webhook and its delivery log',
      params: WebhookParams,
      response: { 204: Type.Null(), ...problemResponses },
    },
    handler: async (request, reply) => {
      await deleteWebhook(ctx(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post(`${BASE}/:id/rotate-secret`, {
    ...common,
    schema: {
      ...doc,
      summary: 'A new signing secret',
      description:
        'The new secret is shown once. For 24 h the old one signs too: `webhook-signature` carries both signatures, space-separated.',
      params: WebhookParams,
      response: { 200: refTo(WebhookWithSecretSchema), ...problemResponses },
    },
    handler: async (request) => rotateWebhookSecret(ctx(request), request.params.id),
  });

  app.get(`${BASE}/:id/deliveries`, {
    ...common,
    schema: {
      ...doc,
      summary: 'The delivery log, newest first',
      params: WebhookParams,
      querystring: DeliveriesQuery,
      response: {
        200: Type.Object({ items: Type.Array(refTo(WebhookDeliverySchema)) }),
        ...problemResponses,
      },
    },
    handler: async (request) => ({
      items: await listWebhookDeliveries(ctx(request), request.params.id, request.query),
    }),
  });

  app.post(`${BASE}/:id/deliveries/:deliveryId/replay`, {
    ...common,
    schema: {
      ...doc,
      summary: 'Send a delivery again',
      description:
        'A new delivery of the same message (same `webhook-id`, same body), attempted at once and retried like any other.',
      params: DeliveryParams,
      response: { 202: refTo(WebhookDeliverySchema), ...problemResponses },
    },
    handler: async (request, reply) => {
      const d = await replayWebhookDelivery(
        ctx(request),
        request.params.id,
        request.params.deliveryId,
      );
      return reply.code(202).send(d);
    },
  });

  app.post(`${BASE}/:id/test`, {
    ...common,
    schema: {
      ...doc,
      summary: 'Send a test ping',
      description: 'A `webhook.test` message, signed and delivered like any event.',
      params: WebhookParams,
      response: { 202: refTo(WebhookDeliverySchema), ...problemResponses },
    },
    handler: async (request, reply) => {
      const d = await pingWebhook(ctx(request), request.params.id);
      return reply.code(202).send(d);
    },
  });
}
