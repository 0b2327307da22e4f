import type { Ctx } from '../../platform/context.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { externalRefOf } from './todo.model.ts';
import { recordTodoChange } from './todo-change.ts';
import { checkPrecondition, lockTodo, withRelations } from './todo-load.ts';
import { updateTodoRow } from './todos.repository.ts';

/**
 * Soft-deletes a todo: it answers 404 everywhere after, its key is never reused, and its
 * externalRef is freed so the external system may create a new one. Audited.
 */
export async function deleteTodo(
  ctx: Ctx,
  ref: string | number,
  opts: { ifMatch?: string } = {},
): Promise<void> {
  await writeTransaction(ctx, async (trx) => {
    const row = await lockTodo(ctx, trx, ref);
    if (opts.ifMatch !== undefined)
      checkPrecondition(opts.ifMatch, await withRelations(ctx, trx, row));
    const id = Number(row.id);
    const now = ctx.now.toISOString();
    await updateTodoRow(trx, id, {
      deletedAt: now,
      updatedAt: now,
      externalSystem: null,
      externalId: null,
    });
    const externalRef = externalRefOf(row);
    await recordTodoChange(trx, {
      by: ctx,
      at: now,
      todo: { id, workspaceId: row.workspaceId },
      action: 'delete',
      changes: {
        deletedAt: [null, now],
        ...(externalRef ? { externalRef: [externalRef, null] } : {}),
      },
    });
  });
}
