import type { Ctx } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { serverSecret } from '../../platform/server-secret.ts';
import type { Level, Status, TodoType } from '../todos/todo-fields.ts';
import { getTodoTarget } from '../todos/todo-load.ts';
import { findTodoWithRelations } from '../todos/todos.repository.ts';
import { linkKey, signLinkToken, verifyLinkToken } from './link-token.ts';
import { bumpLinkGeneration, findLinkGeneration, findStatusChanges } from './links.repository.ts';

/**
 * Shared links (SPEC §8): a signed, expiring URL that shows one todo read-only without
 * signing in. Anyone who may read the todo may make one or revoke all of its links.
 * Making a link changes nothing about the todo, so it is not in the todo's history or its
 * change feed; revoking only moves the todo's link generation on.
 */

/** The longest a link may live, and how long it lives unless told: SPEC §8. */
export const MAX_LINK_SECONDS = 86_400;
export const DEFAULT_LINK_SECONDS = 900;

export interface SharedLink {
  url: string;
  expiresAt: string;
}

/** What a shared link shows: picked field by field, so nothing else can slip in. */
export interface SharedTodo {
  key: string;
  todoType: TodoType;
  title: string;
  description: string;
  result: string | null;
  status: Status;
  priority: Level | null;
  impact: Level | null;
  likelihood: Level | null;
  category: string[];
  subCategory: string[];
  tags: string[];
  dueDate: string | null;
  reminderDate: string | null;
  workspace: string;
  workspaceName: string;
  createdAt: string;
  updatedAt: string;
  /** Every change of status, oldest first; `from` is null at creation. */
  statusHistory: { at: string; from: Status | null; to: Status }[];
  /** When this link stops working. */
  linkExpiresAt: string;
}

/** Where the web app shows a shared link's todo. */
export function sharedLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/app/#/shared/${token}`;
}

/**
 * The key links are signed with. Takes the server's own Db, not a request's view of it
 * (`requestDb`), so the secret is read once per process.
 */
export async function sharedLinkKey(db: Db, config: Ctx['config']): Promise<Buffer> {
  return linkKey(await serverSecret(db, config));
}

/**
 * A link to the caller's todo, signed with `key` (`sharedLinkKey`), that works for
 * `expiresIn` seconds; 404 for a todo the caller cannot see.
 */
export async function createSharedLink(
  ctx: Ctx,
  key: Buffer,
  ref: string,
  expiresIn: number = DEFAULT_LINK_SECONDS,
): Promise<SharedLink> {
  const { todo } = await getTodoTarget(ctx, ref);
  const generation = await findLinkGeneration(ctx.db.kysely, todo.id);
  const expiresAt = Math.floor(ctx.now.getTime() / 1000) + expiresIn;
  const token = signLinkToken(key, {
    todoId: todo.id,
    generation,
    expiresAt,
    issuedAt: ctx.now.getTime(),
  });
  return {
    url: sharedLinkUrl(ctx.config.publicUrl, token),
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
}

/**
 * Ends every link made so far to the caller's todo, in every server process: each
 * checks the generation in the database on every view.
 */
export async function revokeSharedLinks(ctx: Ctx, ref: string): Promise<void> {
  const { todo } = await getTodoTarget(ctx, ref);
  await writeTransaction(ctx, (trx) => bumpLinkGeneration(trx, todo.id, ctx.now.toISOString()));
}

/**
 * The same answer for every link that shows nothing (unknown, altered, expired, revoked,
 * its todo deleted), so a caller cannot tell which it holds.
 */
function noSuchLink(): AppError {
  return new AppError('not_found', 'This link does not exist, has expired or was revoked');
}

/** What a shared link signed with `key` shows, for anyone holding it; no caller, no session. */
export async function readSharedTodo(
  ctx: { db: Db; now: Date },
  key: Buffer,
  token: string,
): Promise<SharedTodo> {
  const claims = verifyLinkToken(key, token);
  if (!claims || claims.expiresAt * 1000 <= ctx.now.getTime()) throw noSuchLink();
  const db = ctx.db.kysely;
  const [found, generation] = await Promise.all([
    findTodoWithRelations(db, { id: claims.todoId }, null),
    findLinkGeneration(db, claims.todoId),
  ]);
  if (!found || generation !== claims.generation) throw noSuchLink();
  const { row } = found;
  return {
    key: row.key,
    todoType: row.todoType as TodoType,
    title: row.title,
    description: row.description,
    result: row.result,
    status: row.status as Status,
    priority: row.priority as Level | null,
    impact: row.impact as Level | null,
    likelihood: row.likelihood as Level | null,
    category: found.category,
    subCategory: found.subCategory,
    tags: found.tags,
    dueDate: row.dueDate,
    reminderDate: row.reminderDate,
    workspace: row.workspaceKey,
    workspaceName: row.workspaceName,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    statusHistory: (await findStatusChanges(db, claims.todoId)) as SharedTodo['statusHistory'],
    linkExpiresAt: new Date(claims.expiresAt * 1000).toISOString(),
  };
}
