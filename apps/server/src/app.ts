import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes } from './api/admin/admin.routes.ts';
import { authPlugin } from './api/auth.plugin.ts';
import { bzctrlDialectRoutes } from './api/bzctrl/bzctrl.routes.ts';
import { exposedRoutes } from './api/exposed/exposed.routes.ts';
import { sendItsmFailure } from './api/itsm/itsm.failure.ts';
import { itsmDialectRoutes } from './api/itsm/itsm.routes.ts';
import { todoActivityRoutes } from './api/native/activity.routes.ts';
import { attachmentRoutes } from './api/native/attachments.routes.ts';
import { dashboardRoutes } from './api/native/dashboard.routes.ts';
import { eventRoutes } from './api/native/events.routes.ts';
import { formRoutes } from './api/native/form.routes.ts';
import { sharedLinkRoutes } from './api/native/links.routes.ts';
import { sessionRoutes } from './api/native/sessions.routes.ts';
import { todoListRoutes } from './api/native/todo-list.routes.ts';
import { todoRoutes } from './api/native/todos.routes.ts';
import { TodoSchema } from './api/native/todos.schemas.ts';
import { webhookRoutes } from './api/native/webhooks.routes.ts';
import { oauthRoutes } from './api/oauth/oauth.routes.ts';
import { shortDialectRoutes } from './api/short/short.routes.ts';
import { findDeliveryQueue } from './core/webhooks/webhooks.repository.ts';
import type { Config } from './platform/config.ts';
import type { Db } from './platform/db/database.ts';
import { useBodyLimits } from './platform/http/body-limits.ts';
import { rejectNonFiniteParameters, rejectUncleanInput } from './platform/http/clean-input.ts';
import { corsPlugin } from './platform/http/cors.plugin.ts';
import { healthRoutes } from './platform/http/health.routes.ts';
import { requestLogValue } from './platform/http/log-redaction.ts';
import { metricsRoutes } from './platform/http/metrics.routes.ts';
import { openApiOptions, swaggerUiOptions } from './platform/http/openapi.ts';
import { Problem, useProblemDetails } from './platform/http/problem.ts';
import { rateLimitPlugin } from './platform/http/rate-limit.plugin.ts';
import { useReadRouting } from './platform/http/read-routing.ts';
import { sharedSerializers } from './platform/http/serializers.ts';
import { webPlugin } from './platform/http/web.plugin.ts';
import { idempotencyPlugin } from './platform/idempotency/idempotency.plugin.ts';
import { createMetrics, type Metrics } from './platform/metrics/metrics.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface BuildOptions {
  /** Pino destination for tests and benchmarks; stdout by default. */
  logStream?: NodeJS.WritableStream;
  /** Aborts when the server starts to stop: long polls answer at once. */
  stopping?: AbortSignal;
  /** Aborts when the server drains before stopping (SIGTERM): /readyz answers 503. */
  unready?: AbortSignal;
  /** The server's metrics, already counting its database; a registry of its own if absent. */
  metrics?: Metrics;
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
      // Nor a credential in a URL: an exposed endpoint's UUID, an access_token parameter.
      serializers: { req: requestLogValue },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A schema's `additionalProperties: false` refuses an unknown field (named in the
    // problem) instead of Fastify's default of dropping it silently.
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers } },
  });
  const deps = {
    db,
    config,
    stopping: options.stopping ?? new AbortController().signal,
    unready: options.unready ?? new AbortController().signal,
    metrics: options.metrics ?? createMetrics(),
  };
  countQueues(deps.metrics, db);

  // JSON APIs only: a text/plain body is 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  app.addSchema(Problem);
  app.addSchema(TodoSchema);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  useProblemDetails(app, { renderByTag: { itsm: sendItsmFailure } });
  // Declared sizes, 100-continue, body timeouts and depth: before anything reads a body.
  useBodyLimits(app, config);
  // Every route's input once: finite numbers, no control characters (shared/clean-input.ts).
  app.addHook('preValidation', rejectUncleanInput);
  app.addHook('preHandler', rejectNonFiniteParameters);

  // The OpenAPI document is built from the route schemas registered after this.
  await app.register(swagger, openApiOptions());
  await app.register(swaggerUi, swaggerUiOptions);

  // First, so every route's answers are counted, unmatched ones included.
  await metricsRoutes(app, deps);
  // Read replicas: a caller's write requests hold its reads on the primary until they end.
  useReadRouting(app, db);
  await app.register(corsPlugin, deps);
  await app.register(authPlugin, { db });
  await app.register(rateLimitPlugin, deps);
  await app.register(idempotencyPlugin, deps);
  await app.register(healthRoutes, deps);
  await app.register(oauthRoutes, deps);
  await app.register(sessionRoutes, deps);
  await app.register(webPlugin);
  await app.register(async (scope) => {
    await bzctrlDialectRoutes(scope, deps);
    await shortDialectRoutes(scope, deps);
    await itsmDialectRoutes(scope, deps);
    await todoListRoutes(scope, deps);
    await todoRoutes(scope, deps);
    await todoActivityRoutes(scope, deps);
    await sharedLinkRoutes(scope, deps);
    await formRoutes(scope, deps);
    await dashboardRoutes(scope, deps);
    await eventRoutes(scope, deps);
    await webhookRoutes(scope, deps);
    await adminRoutes(scope, deps);
    await exposedRoutes(scope, deps);
    await scope.register(attachmentRoutes, deps);
  });
  app.get('/bzctrl-core-api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** The webhook delivery queue, read when Prometheus scrapes: one indexed query a gauge. */
function countQueues(metrics: Metrics, db: Db): void {
  metrics.gaugeOnScrape(
    'bzctrl_webhook_queue_depth',
    'Webhook deliveries waiting to be made (first attempts and retries)',
    async () => (await findDeliveryQueue(db.kysely)).depth,
  );
  metrics.gaugeOnScrape(
    'bzctrl_webhook_queue_lag_seconds',
    'How long the longest-waiting due webhook delivery is overdue; 0 when none is due',
    async () => {
      const { oldestDue } = await findDeliveryQueue(db.kysely);
      return oldestDue === null ? 0 : Math.max(0, (Date.now() - Date.parse(oldestDue)) / 1000);
    },
  );
}
