import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditedBy, insertAuditEvent } from '../audit/audit.repository.ts';
import type { Ctx } from '../auth/actor.ts';
import type { Executor } from '../db/executor.ts';
import { AppError } from '../errors.ts';
import { sendProblem, toAppError } from '../http/problem.ts';
import { writeTransaction } from '../idempotency/keyed-write.ts';
import type { Changes } from '../provisioning/entities.ts';
import { PROVISIONING_LOCK } from '../provisioning/provision.service.ts';

export type AdminEntity = 'domain' | 'workspace' | 'user' | 'client' | 'location' | 'customField';

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

export interface AdminTx {
  trx: Executor;
  ts: string;
  /** Records a change in the audit trail; nothing is recorded when `changes` is empty. */
  audit(
    entityType: AdminEntity,
    entityId: number,
    action: 'create' | 'update' | 'delete',
    changes: Changes,
    workspaceId?: number | null,
  ): Promise<void>;
}

/**
 * Runs an admin change in one transaction under the provisioning lock, with its audit
 * events. A unique or foreign-key violation that slipped past the checks (a todo
 * created in a workspace while it is deleted) is a 409, not a 500.
 */
export async function adminTransaction<T>(ctx: Ctx, fn: (tx: AdminTx) => Promise<T>): Promise<T> {
  const ts = ctx.now.toISOString();
  try {
    return await writeTransaction(
      ctx,
      (trx) =>
        fn({
          trx,
          ts,
          audit: async (entityType, entityId, action, changes, workspaceId = null) => {
            if (Object.keys(changes).length === 0) return;
            await insertAuditEvent(trx, {
              ...auditedBy(ctx, ts),
              entityType,
              entityId,
              workspaceId,
              action,
              changes,
            });
          },
        }),
      { lock: PROVISIONING_LOCK },
    );
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new AppError('conflict', 'It already exists (changed by someone else just now)');
    }
    if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new AppError('conflict', 'It is still in use (changed by someone else just now)');
    }
    throw err;
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
