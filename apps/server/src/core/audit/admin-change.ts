import type { Ctx } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/violations.ts';
import { AppError } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { type AuthChange, bumpAuthGeneration, dropAuthChange } from '../access/actor-cache.ts';
import type { Changes } from '../provisioning/entities.ts';
import { PROVISIONING_LOCK } from '../provisioning/provision.service.ts';
import { auditedBy, insertAuditEvent } from './audit.repository.ts';

export type AdminEntity = 'domain' | 'workspace' | 'user' | 'client' | 'location' | 'customField';

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
  // Any admin change may end or alter someone's access (a user, a client, a membership,
  // a workspace): each moves the auth generation, so every process's credential cache
  // lets go (at once here, within a second elsewhere). The rest are rare enough not to sort.
  let change: AuthChange | undefined;
  try {
    return await writeTransaction(
      ctx,
      async (trx) => {
        const result = await fn({
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
        });
        change = await bumpAuthGeneration(trx);
        return result;
      },
      { lock: PROVISIONING_LOCK },
    );
  } catch (err) {
    // Rolled back with its bump (the whole transaction, or the savepoint it ran in).
    if (change) dropAuthChange(change);
    if (isUniqueViolation(err)) {
      throw new AppError('conflict', 'It already exists (changed by someone else just now)');
    }
    if (isForeignKeyViolation(err)) {
      throw new AppError('conflict', 'It is still in use (changed by someone else just now)');
    }
    throw err;
  }
}
