import type { Ctx } from '../../platform/context.ts';
import { validationError } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { actorLabel } from '../access/actor.ts';
import { findActiveUsersWithAccess } from '../access/people-with-access.ts';
import { COMMENT_LIMITS } from './comments.model.ts';
import {
  type CommentRow,
  findComment,
  insertComment,
  listComments,
} from './comments.repository.ts';
import { recordTodoChange } from './todo-change.ts';
import { getTodoTarget } from './todo-load.ts';
import { listWatchers } from './watchers.repository.ts';

export interface Comment {
  id: number;
  body: string;
  author: { type: 'user' | 'client' | 'system'; label: string; email?: string };
  createdAt: string;
}

function toComment(row: CommentRow): Comment {
  const author: Comment['author'] =
    row.authorUserId !== null
      ? { type: 'user', label: row.userName ?? row.authorLabel, email: row.userEmail ?? undefined }
      : row.authorClientId !== null
        ? { type: 'client', label: row.clientName ?? row.authorLabel }
        : { type: 'system', label: row.authorLabel };
  if (author.email === undefined) delete author.email;
  return { id: Number(row.id), body: row.body, author, createdAt: row.createdAt };
}

export async function listTodoComments(ctx: Ctx, ref: string): Promise<{ items: Comment[] }> {
  const { todo } = await getTodoTarget(ctx, ref);
  const rows = await listComments(ctx.db.kysely, todo.id);
  return { items: rows.map(toComment) };
}

/**
 * Adds a comment. The comment, its audit event and a mail to every watcher who may still
 * see the todo (except the author) are stored in one transaction.
 */
export async function addTodoComment(ctx: Ctx, ref: string, body: string): Promise<Comment> {
  const text = body.trim();
  if (text === '') throw validationError([{ field: 'body', message: 'must not be empty' }]);
  const target = await getTodoTarget(ctx, ref);
  const { todo } = target;
  const now = ctx.now.toISOString();
  // Who the watchers are told wrote it: a user by e-mail, an API client by its id.
  const author = ctx.actor.userEmail ?? `client ${ctx.actor.clientId ?? actorLabel(ctx.actor)}`;

  return writeTransaction(ctx, async (trx) => {
    const id = await insertComment(trx, {
      todoId: todo.id,
      authorUserId: ctx.actor.userId,
      authorClientId: ctx.actor.apiClientId,
      authorLabel: actorLabel(ctx.actor),
      body: text,
      createdAt: now,
    });
    // Someone who lost access to the workspace keeps the watch row but gets no content.
    const watchers = (await listWatchers(trx, todo.id)).filter(
      (w) => w.userId !== ctx.actor.userId,
    );
    const allowed = await findActiveUsersWithAccess(
      trx,
      watchers.map((w) => w.email),
      target.workspaceId,
    );
    const recipients = watchers.filter((w) => allowed.has(w.email));
    await recordTodoChange(trx, {
      by: ctx,
      at: now,
      todo: { id: todo.id, workspaceId: target.workspaceId },
      action: 'comment',
      changes: { comment: [null, text.slice(0, COMMENT_LIMITS.auditExcerpt)] },
      mails: recipients.map((w) => ({
        to: w.email,
        subject: `[${todo.key}] New comment by ${author}`,
        text: `${author} commented on ${todo.key} "${todo.title}":\n\n${text}\n\n${todo.taskLink}\n`,
        kind: 'watch',
        todoId: todo.id,
      })),
    });
    const row = await findComment(trx, id);
    if (!row) throw new Error(`comment ${id} vanished inside its own transaction`);
    return toComment(row);
  });
}
