import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { MAX_LIMIT, MAX_WAIT_SECONDS, readFeed } from '../../core/events/events.feed.ts';
import { EVENT_TYPES } from '../../core/events/events.model.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';

const Changes = Type.Record(
  Type.String(),
  Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }),
  {
    description: 'Each changed field, in the API names, as [old, new]',
  },
);

/** An event of SPEC §8, as the feed and the webhooks send it. */
export const EventSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Increases; per todo in the order of its changes' }),
    type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
    occurredAt: Type.String({ format: 'date-time' }),
    workspace: Type.String({ description: 'The workspace key' }),
    todo: Type.Object({
      key: Type.String(),
      id: Type.Integer(),
      type: Type.String({ description: 'TASK or INCIDENT' }),
      title: Type.String(),
      status: Type.String({ description: 'The status right after the change' }),
      taskLink: Type.String({ description: 'The details page' }),
    }),
    changes: Changes,
    actor: Type.Object({
      type: Type.Union([
        Type.Literal('user'),
        Type.Literal('client'),
        Type.Literal('endpoint'),
        Type.Literal('system'),
      ]),
      name: Type.String({ description: "A user's e-mail, a client id, an endpoint's name" }),
      clientId: Type.Union([Type.String(), Type.Null()], {
        description: 'The API client the change came through, if any',
      }),
    }),
    dialect: Type.String({ description: 'bzctrl, short, itsm, native, exposed, web, system' }),
  },
  { $id: 'Event' },
);

const FeedQuery = Type.Object({
  after: Type.Optional(
    Type.String({ maxLength: 100, description: 'The `next` of the previous page' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 })),
  wait: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_WAIT_SECONDS,
      description: 'Seconds to wait for an event when there is none yet (long-poll)',
    }),
  ),
  includeOwn: Type.Optional(
    Type.Boolean({ description: 'Also the events the calling API client caused itself' }),
  ),
  workspace: Type.Optional(
    Type.Array(Type.String({ maxLength: 200 }), {
      maxItems: 50,
      description: 'Only these workspaces (keys; repeated or comma-separated)',
    }),
  ),
});

/** The change feed: `GET /bzctrl-core-api/api/v1/events` (SPEC §8). */
export async function eventRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(EventSchema);
  app.get('/bzctrl-core-api/api/v1/events', {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'The change feed',
      description:
        'The events of the todos in your workspaces, oldest first, after the cursor `after` ' +
        '(without it: from the oldest event kept). Pass `next` back as `after` for the ' +
        'next page: no event is skipped or repeated. With `wait`, an empty page waits up ' +
        'to that many seconds for an event. An API client does not get the events it ' +
        'caused itself unless `includeOwn=true`. A cursor older than the retention ' +
        '(BZCTRL_EVENT_RETENTION_DAYS, 30 by default) gets 410.',
      tags: ['events'],
      security: [{ bearer: [] }],
      querystring: FeedQuery,
      response: {
        200: Type.Object({
          items: Type.Array(Type.Ref('Event')),
          next: Type.String({ description: 'Pass back as `after`' }),
        }),
        ...problemResponses,
      },
    },
    handler: async (request) => {
      // Ends a long poll when the client leaves or the server stops.
      const gone = new AbortController();
      const stop = () => gone.abort();
      request.raw.socket?.once('close', stop);
      deps.stopping.addEventListener('abort', stop, { once: true });
      try {
        const q = request.query;
        const workspace = q.workspace?.flatMap((w) => w.split(',')).filter((w) => w !== '');
        return await readFeed(ctxOf(request, deps, 'native'), { ...q, workspace }, gone.signal);
      } finally {
        request.raw.socket?.off('close', stop);
        deps.stopping.removeEventListener('abort', stop);
      }
    },
  });
}
