import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../platform/errors.ts';
import { toAppError } from '../../platform/http/problem.ts';

/**
 * SPEC §5's failure envelope, as the error handler of every ITSM route (the incident
 * routes' scope and `POST /api/oprfile`): status is the HTTP status, and the userMessage
 * names every wrong field. Unexpected errors are logged and answered as a 500.
 */
export function sendItsmFailure(
  error: FastifyError | AppError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const err = toAppError(error);
  if (err.status >= 500) request.log.error({ err: error }, 'request failed');
  const userMessage =
    err.errors.length > 1
      ? err.errors.map((e) => `${e.field}: ${e.message}`).join('; ')
      : err.detail;
  return reply
    .code(err.status)
    .headers(err.headers)
    .type('application/json')
    .serializer(JSON.stringify)
    .send({ returnCode: 'FAILURE', status: err.status, userMessage });
}
