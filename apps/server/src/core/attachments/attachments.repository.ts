import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { AttachmentTable } from '../../platform/db/tables.ts';

export type AttachmentRow = Selectable<AttachmentTable>;

export async function insertUpload(
  db: Executor,
  values: Insertable<AttachmentTable>,
): Promise<AttachmentRow> {
  return db.insertInto('attachments').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Upload rows by reference, whoever uploaded them (the service checks ownership). */
export async function findUploadsByRef(db: Executor, refs: string[]): Promise<AttachmentRow[]> {
  if (refs.length === 0) return [];
  return db.selectFrom('attachments').selectAll().where('ref', 'in', refs).execute();
}

/**
 * Attaches the caller's unattached uploads to a todo. The conditions are repeated in the
 * update, so of two concurrent attaches of one upload only one changes the row.
 */
export async function markAttached(
  db: Executor,
  ids: number[],
  uploader: string,
  target: { todoId: number; workspaceId: number; attachedAt: string },
): Promise<number> {
  const result = await db
    .updateTable('attachments')
    .set(target)
    .where('id', 'in', ids)
    .where('uploader', '=', uploader)
    .where('todoId', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The attachments of a todo, oldest first; the tenant check is the todo's. */
export async function listTodoAttachments(db: Executor, todoId: number): Promise<AttachmentRow[]> {
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('todoId', '=', todoId)
    .orderBy('id')
    .execute();
}

export async function findTodoAttachment(
  db: Executor,
  todoId: number,
  id: number,
): Promise<AttachmentRow | undefined> {
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('todoId', '=', todoId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteAttachmentRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('attachments').where('id', '=', id).execute();
}

/**
 * Deletes up to `limit` unattached uploads created before `before` and returns where
 * their bytes are. One statement, so an upload attached meanwhile is never taken.
 */
export async function deleteStaleUploads(
  db: Executor,
  before: string,
  limit: number,
): Promise<Array<Pick<AttachmentRow, 'storage' | 'storagePath'>>> {
  return db
    .deleteFrom('attachments')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('attachments')
        .select('id')
        .where('todoId', 'is', null)
        .where('createdAt', '<', before)
        .orderBy('createdAt')
        .limit(limit),
    )
    .where('todoId', 'is', null)
    .returning(['storage', 'storagePath'])
    .execute();
}
