import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { authPlugin } from './auth/auth.plugin.ts';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { bzctrlDialectRoutes } from './dialects/bzctrl/bzctrl.routes.ts';
import { shortDialectRoutes } from './dialects/short/short.routes.ts';
import { healthRoutes } from './http/health.routes.ts';
import { Problem, useProblemDetails } from './http/problem.ts';
import { oauthRoutes } from './oauth/oauth.routes.ts';
import { TodoSchema } from './todos/todos.schemas.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface BuildOptions {
  /** Pino destination for tests and benchmarks; stdout by default. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Builds the whole application on an open database, in tiers: cross-cutting plugins,
 * then authentication, then the features and dialects. Listening is server.ts's job.
 */
export async function buildApp(
  config: Config,
  db: Db,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Never log a secret: bodies are not logged at all, and these headers are masked.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true } },
    return503OnClosing: true,
  });
  const deps = { db, config };

  // JSON APIs only: a text/plain body is 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  app.addSchema(Problem);
  app.addSchema(TodoSchema);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  useProblemDetails(app);

  await app.register(authPlugin, { db });
  await app.register(healthRoutes, deps);
  await app.register(oauthRoutes, deps);
  await app.register(async (scope) => {
    await bzctrlDialectRoutes(scope, deps);
    await shortDialectRoutes(scope, deps);
  });
  return app;
}
