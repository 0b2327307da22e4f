import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AppDeps } from './context.ts';
import { problemResponses } from './problem.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * SPEC §9: open on loopback; from elsewhere only with `Authorization: Bearer <token>`
 * when BZCTRL_METRICS_TOKEN is set. `request.ip` honours BZCTRL_TRUST_PROXY, so a proxy
 * on the same machine does not make every caller look local.
 */
function mayScrape(request: FastifyRequest, token: string | undefined): boolean {
  if (LOOPBACK.test(request.ip)) return true;
  if (token === undefined) return false;
  const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  // Equal-length digests: the comparison takes as long whatever was sent.
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Counts every answered request by its route pattern (the raw URL would make one series
 * per todo key), and serves `GET /metrics` in Prometheus text format.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  deps: AppDeps & { metrics: Metrics },
): Promise<void> {
  const { metrics } = deps;
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of this server (all its worker processes)',
        description:
          'Open on loopback; from elsewhere only with `Authorization: Bearer <BZCTRL_METRICS_TOKEN>` when that is set.',
        tags: ['ops'],
        produces: ['text/plain'],
        response: { 200: Type.String(), ...problemResponses },
      },
    },
    async (request, reply) => {
      if (!mayScrape(request, deps.config.metricsToken)) {
        throw new AppError(
          'forbidden',
          deps.config.metricsToken === undefined
            ? 'Metrics are served to loopback callers only (set BZCTRL_METRICS_TOKEN to allow others)'
            : 'Metrics need Authorization: Bearer <BZCTRL_METRICS_TOKEN> from outside loopback',
        );
      }
      let text: string;
      try {
        text = await metrics.scrape();
      } catch (err) {
        request.log.warn({ err }, 'metrics could not be collected');
        throw new AppError('unavailable', 'The metrics could not be collected; scrape again');
      }
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
