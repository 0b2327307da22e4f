import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { sendProblem, toAppError } from '../../platform/http/problem.ts';

/**
 * preHandler after `requireScope('admin')`: the caller must be an administrator acting
 * for itself. An admin's token obtained through an API client carries the scope but
 * acts within that client's workspaces, so it is refused like a member's.
 */
export async function requireAdministrator(request: FastifyRequest): Promise<void> {
  if (!request.actor.isAdmin) {
    throw new AppError('forbidden', 'Only an administrator signed in as itself may do this');
  }
}

interface AjvIssue {
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The admin routes' error handling: the app's problem details, where an enum's error
 * lists the allowed values. A body field the route does not take is refused by name by
 * the schemas' `additionalProperties: false` (app.ts: AJV does not drop it).
 */
export function useAdminProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    for (const i of (error as { validation?: AjvIssue[] }).validation ?? []) {
      if (i.keyword === 'enum' && Array.isArray(i.params?.allowedValues)) {
        i.message = `must be one of ${i.params.allowedValues.join(', ')}`;
      }
    }
    const err = toAppError(error);
    if (err.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, err);
  });
}
