import { Type } from 'typebox';
import { EVENT_FILTERS } from '../../core/webhooks/webhooks.model.ts';

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'Where deliveries are POSTed: https://, or http:// to loopback (when private targets are allowed) or a host in BZCTRL_WEBHOOK_HTTP_HOSTS',
});
const Events = Type.Array(Type.String({ enum: [...EVENT_FILTERS] }), {
  minItems: 1,
  maxItems: EVENT_FILTERS.length,
  description: '`todo.*` for every todo event, or event types',
});
const Workspaces = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 100,
  description: 'Only these workspaces (keys); left out: every workspace the owner may use',
});

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    workspaces: Type.Optional(Workspaces),
    includeOwn: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also the events the owning API client caused itself',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PatchWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    workspaces: Type.Optional(Type.Union([Workspaces, Type.Null()])),
    includeOwn: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(
      Type.Boolean({ description: 'false disables; true enables again (a disabled one resumes)' }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object(
  {
    id: Type.Integer(),
    url: Type.String(),
    events: Type.Array(Type.String()),
    workspaces: Type.Union([Type.Array(Type.String()), Type.Null()]),
    includeOwn: Type.Boolean(),
    enabled: Type.Boolean(),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the current run of failed attempts began',
    }),
    owner: Type.Object({
      type: Type.Union([Type.Literal('user'), Type.Literal('client')]),
      name: Type.String({ description: "The user's e-mail or the client id" }),
    }),
    previousSecretUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Until when the secret before the last rotation still signs too',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Webhook' },
);

export const WebhookWithSecretSchema = Type.Object(
  {
    ...WebhookSchema.properties,
    secret: Type.String({
      description: 'The signing secret (whsec_…), shown only in this answer',
    }),
  },
  { $id: 'WebhookWithSecret' },
);

export const WebhookDeliverySchema = Type.Object(
  {
    id: Type.Integer(),
    messageId: Type.String({ description: 'The webhook-id header: the same on every attempt' }),
    eventId: Type.Union([Type.Integer(), Type.Null()]),
    eventType: Type.String(),
    replayOf: Type.Union([Type.Integer(), Type.Null()]),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('delivered'),
      Type.Literal('failed'),
    ]),
    attempts: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastResponse: Type.Union([
      Type.Object({
        status: Type.Integer(),
        body: Type.String({ description: 'The first bytes (at most 1 KB)' }),
      }),
      Type.Null(),
    ]),
    lastError: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'WebhookDelivery' },
);

export const WebhookParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

export const DeliveryParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  deliveryId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

export const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Only deliveries with a lower id (the next page)',
    }),
  ),
  status: Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  ),
});
