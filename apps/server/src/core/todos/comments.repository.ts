import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { TodoCommentTable } from '../../platform/db/tables.ts';

export async function insertComment(
  db: Executor,
  values: Insertable<TodoCommentTable>,
): Promise<number> {
  const row = await db
    .insertInto('todoComments')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Comments with their author's current name and e-mail (the stored label if removed). */
const selectComments = (db: Executor) =>
  db
    .selectFrom('todoComments as c')
    .leftJoin('users as u', 'u.id', 'c.authorUserId')
    .leftJoin('apiClients as k', 'k.id', 'c.authorClientId')
    .select([
      'c.id',
      'c.body',
      'c.createdAt',
      'c.authorUserId',
      'c.authorClientId',
      'c.authorLabel',
      'u.email as userEmail',
      'u.name as userName',
      'k.name as clientName',
    ]);

export type CommentRow = Awaited<ReturnType<ReturnType<typeof selectComments>['execute']>>[number];

/** The comments of a todo, oldest first. */
export async function listComments(db: Executor, todoId: number): Promise<CommentRow[]> {
  return selectComments(db).where('c.todoId', '=', todoId).orderBy('c.id').execute();
}

export async function findComment(db: Executor, id: number): Promise<CommentRow | undefined> {
  return selectComments(db).where('c.id', '=', id).executeTakeFirst();
}
