import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  createSharedLink,
  readSharedTodo,
  revokeSharedLinks,
  sharedLinkKey,
} from '../../core/links/links.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses, refTo } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import {
  CreateSharedLinkBody,
  SharedLinkSchema,
  SharedTodoSchema,
  SharedTokenParams,
} from './links.schemas.ts';
import { TodoRefParams } from './todos.schemas.ts';

const TODOS = '/bzctrl-core-api/api/v1/todos';
/** Where a shared link's page reads its todo; the token is the only credential. */
export const SHARED_PATH = '/bzctrl-core-api/api/v1/shared';

/**
 * Shared links (SPEC §8): make and revoke them for a todo the caller may read, and the
 * public read a link's page makes. The URL holds a credential, so neither answer may be
 * kept by a cache (nor, for the create, in the Idempotency-Key store).
 */
export async function sharedLinkRoutes(instance: FastifyInstance, deps: AppDeps) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(CreateSharedLinkBody);
  app.addSchema(SharedLinkSchema);
  app.addSchema(SharedTodoSchema);
  const signingKey = () => sharedLinkKey(deps.db, deps.config);
  // The signing secret is made (or read) at start, not by the first link.
  app.addHook('onReady', async () => {
    await signingKey();
  });

  app.post(`${TODOS}/:ref/links`, {
    onRequest: app.authenticate,
    // Every field is optional, so a POST without a body means the defaults.
    preValidation: async (request) => {
      request.body ??= {};
    },
    preHandler: requireScope('todo:read'),
    schema: {
      summary: 'Share a todo read-only',
      description:
        'A signed URL that shows this todo read-only, without signing in, until it expires ' +
        '(expiresIn seconds, at most 86400, 900 by default) or its links are revoked. Anyone ' +
        'who may read the todo may make one.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: TodoRefParams,
      body: refTo(CreateSharedLinkBody, { examples: [{ expiresIn: 3600 }] }),
      response: { 201: Type.Ref('SharedLink'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const link = await createSharedLink(
        ctxOf(request, deps, 'native'),
        await signingKey(),
        request.params.ref,
        request.body.expiresIn,
      );
      return reply.code(201).header('Cache-Control', 'no-store').send(link);
    },
  });

  app.delete(`${TODOS}/:ref/links`, {
    onRequest: app.authenticate,
    preHandler: requireScope('todo:read'),
    schema: {
      summary: "Revoke all of a todo's shared links",
      description: 'Every link made so far to this todo then answers 404, in every server process.',
      tags: ['todos'],
      security: [{ bearer: [] }],
      params: TodoRefParams,
      response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses },
    },
    handler: async (request, reply) => {
      await revokeSharedLinks(ctxOf(request, deps, 'native'), request.params.ref);
      return reply.code(204).send(null);
    },
  });

  app.get(`${SHARED_PATH}/:token`, {
    schema: {
      summary: 'Read the todo of a shared link',
      description:
        'No token or session: the link is the credential. An unknown, altered, expired or ' +
        'revoked link, and one whose todo was deleted, all get the same 404.',
      tags: ['todos'],
      security: [],
      params: SharedTokenParams,
      response: { 200: Type.Ref('SharedTodo'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const todo = await readSharedTodo(
        { db: deps.db, now: new Date() },
        await signingKey(),
        request.params.token,
      );
      return reply.header('Cache-Control', 'no-store').send(todo);
    },
  });
}
