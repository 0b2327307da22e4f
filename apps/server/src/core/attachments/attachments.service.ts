import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '../../platform/config.ts';
import { type Ctx, callerKey } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Executor } from '../../platform/db/executor.ts';
import { AppError, FieldErrors } from '../../platform/errors.ts';
import { writeTransaction } from '../../platform/idempotency/keyed-write.ts';
import { actorLabel } from '../access/actor.ts';
import { recordTodoChange } from '../todos/todo-change.ts';
import { getTodoTarget } from '../todos/todo-load.ts';
import {
  type AttachmentRow,
  deleteAttachmentRow,
  deleteStaleUploads,
  findTodoAttachment,
  findUploadsByRef,
  insertUpload,
  listTodoAttachments,
  markAttached,
} from './attachments.repository.ts';
import { cleanFileName } from './file-names.ts';
import { sniffContentType } from './sniff.ts';
import { attachmentStorage } from './storage.ts';

/** How long an upload may stay unattached before the sweep removes it. */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
/** 128 random bits, base64url: unguessable, and safe in JSON, URLs and file names. */
const REF_FORMAT = /^[A-Za-z0-9_-]{22}$/;

/** A stored upload as its uploader sees it. */
export interface Upload {
  ref: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
}

/** A file attached to a todo. */
export interface Attachment {
  id: number;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  /** When it was attached to the todo. */
  createdAt: string;
  uploadedBy: string;
}

/** The file part of a multipart request, as the route hands it over. */
export interface IncomingFile {
  filename: string | undefined;
  stream: Readable;
  /** True once the parser cut the file at the size limit. */
  truncated: () => boolean;
}

function toUpload(row: AttachmentRow): Upload {
  return {
    ref: row.ref,
    name: row.name,
    size: Number(row.size),
    contentType: row.contentType,
    sha256: row.sha256,
  };
}

function toAttachment(row: AttachmentRow): Attachment {
  return {
    id: Number(row.id),
    name: row.name,
    size: Number(row.size),
    contentType: row.contentType,
    sha256: row.sha256,
    createdAt: row.attachedAt ?? row.createdAt,
    uploadedBy: row.uploadedBy,
  };
}

export function tooLarge(config: Config): AppError {
  return new AppError(
    'payload_too_large',
    `The file is larger than the upload limit of ${config.uploadLimitBytes} bytes`,
  );
}

const storageOf = (ctx: Ctx) => attachmentStorage(ctx.db, ctx.config.dataDir);

/**
 * Stores an upload, streamed (see storage.ts: the database on PostgreSQL, the data
 * directory on SQLite), and records it as the caller's, unattached. Over the limit
 * nothing is kept and it is 413. The type is sniffed from the content.
 */
export async function storeUpload(ctx: Ctx, file: IncomingFile): Promise<Upload> {
  const storage = storageOf(ctx);
  const stored = await storage.receive(file.stream, file.truncated, ctx.now);
  if (!stored) throw tooLarge(ctx.config);
  const where = { storage: storage.kind, storagePath: stored.storagePath };
  const name = cleanFileName(file.filename);
  try {
    const row = await writeTransaction(
      ctx,
      (trx) =>
        insertUpload(trx, {
          ref: randomBytes(16).toString('base64url'),
          uploader: callerKey(ctx.actor),
          uploadedBy: ctx.actor.userEmail ?? actorLabel(ctx.actor),
          name,
          size: stored.size,
          contentType: sniffContentType(stored.head, name),
          sha256: stored.sha256,
          ...where,
          createdAt: ctx.now.toISOString(),
        }),
      // A keyed upload's row commits with its answer: if that never happens, the file goes.
      { onRollback: () => storage.remove(where) },
    );
    return toUpload(row);
  } catch (err) {
    await storage.remove(where);
    throw err;
  }
}

/**
 * Attaches the caller's uploads to a todo inside the caller's transaction, with one
 * audit event ('attach', the name) each. Every reference must be one the caller uploaded
 * and not yet attached; otherwise nothing is attached and the field errors name
 * `<fieldName>[i]`. Someone else's upload reads as unknown, like a missing one. The
 * todo must already be resolved for the caller (tenant-checked).
 *
 * @example
 *   await writeTransaction(ctx, (trx) =>
 *     attachUploads(ctx, trx, todo.id, workspaceId, body.attachmentsRefNames, 'attachmentsRefNames'));
 */
export async function attachUploads(
  ctx: Ctx,
  trx: Executor,
  todoId: number,
  workspaceId: number,
  refs: readonly unknown[],
  fieldName: string,
): Promise<Attachment[]> {
  return attachChecked(ctx, trx, { todoId, workspaceId }, refs, (i) => `${fieldName}[${i}]`);
}

/**
 * A dialect's list of upload references as sent: a list, one reference, or nothing (null,
 * "" or absent). Entries are checked by `attachUploads`.
 */
export function uploadRefsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null || value === '' ? [] : [value];
}

async function attachChecked(
  ctx: Ctx,
  trx: Executor,
  target: { todoId: number; workspaceId: number },
  refs: readonly unknown[],
  fieldOf: (i: number) => string,
): Promise<Attachment[]> {
  if (refs.length === 0) return [];
  const errors = new FieldErrors();
  const me = callerKey(ctx.actor);
  const wellFormed = refs.filter((r): r is string => typeof r === 'string' && REF_FORMAT.test(r));
  const rows = new Map((await findUploadsByRef(trx, wellFormed)).map((r) => [r.ref, r]));
  const chosen: AttachmentRow[] = [];
  refs.forEach((ref, i) => {
    const row = typeof ref === 'string' ? rows.get(ref) : undefined;
    if (!row || row.uploader !== me) {
      errors.add(
        fieldOf(i),
        'is not an upload reference of yours (uploads are private until attached)',
      );
    } else if (row.todoId !== null) {
      errors.add(fieldOf(i), 'is already attached');
    } else if (chosen.includes(row)) {
      errors.add(fieldOf(i), 'is listed twice');
    } else {
      chosen.push(row);
    }
  });
  errors.throwIfAny();

  const attachedAt = ctx.now.toISOString();
  const ids = chosen.map((r) => Number(r.id));
  const changed = await markAttached(trx, ids, me, { ...target, attachedAt });
  if (changed !== ids.length) {
    throw new AppError('conflict', 'An upload was attached by another request at the same time');
  }
  for (const row of chosen) {
    await recordTodoChange(trx, {
      by: ctx,
      at: attachedAt,
      todo: { id: target.todoId, workspaceId: target.workspaceId },
      action: 'attach',
      changes: { attachment: [null, row.name] },
    });
  }
  return chosen.map((r) => toAttachment({ ...r, ...target, attachedAt }));
}

/** Attaches one of the caller's uploads to a todo the caller may see (else 404). */
export async function attachUpload(ctx: Ctx, todoRef: string, upload: string): Promise<Attachment> {
  const { todo, workspaceId } = await getTodoTarget(ctx, todoRef);
  const [attachment] = await writeTransaction(ctx, (trx) =>
    attachChecked(ctx, trx, { todoId: todo.id, workspaceId }, [upload], () => 'upload'),
  );
  if (!attachment) throw new Error('unreachable: one reference attached');
  return attachment;
}

export async function listAttachments(ctx: Ctx, todoRef: string): Promise<{ items: Attachment[] }> {
  const { todo } = await getTodoTarget(ctx, todoRef);
  const rows = await listTodoAttachments(ctx.db.kysely, todo.id);
  return { items: rows.map(toAttachment) };
}

/** An attached file as a dialect shows it inline: its upload reference and download URL. */
export interface AttachedFile {
  ref: string;
  name: string;
  link: string;
}

/**
 * A todo's attachments, oldest first, each with the native download URL. The todo must
 * already be resolved for the caller (tenant-checked).
 */
export async function listAttachedFiles(
  ctx: Ctx,
  todo: { id: number; key: string },
): Promise<AttachedFile[]> {
  const rows = await listTodoAttachments(ctx.db.kysely, todo.id);
  const base = `${ctx.config.publicUrl}/bzctrl-core-api/api/v1/todos/${encodeURIComponent(todo.key)}/attachments`;
  return rows.map((r) => ({ ref: r.ref, name: r.name, link: `${base}/${r.id}` }));
}

async function findAttachment(ctx: Ctx, todoRef: string, id: number) {
  const target = await getTodoTarget(ctx, todoRef);
  const row = await findTodoAttachment(ctx.db.kysely, target.todo.id, id);
  if (!row) throw new AppError('not_found', `No attachment ${id} on todo ${target.todo.key}`);
  return { target, row };
}

/** An attachment and its bytes, streamed, for a caller who may see the todo. */
export async function openAttachment(
  ctx: Ctx,
  todoRef: string,
  id: number,
): Promise<{ attachment: Attachment; stream: Readable }> {
  const { row } = await findAttachment(ctx, todoRef, id);
  const stream = await storageOf(ctx).open({ ...row, size: Number(row.size) });
  return { attachment: toAttachment(row), stream };
}

/** Removes an attachment: the row and audit event in one transaction, then its bytes. */
export async function removeAttachment(ctx: Ctx, todoRef: string, id: number): Promise<void> {
  const { target, row } = await findAttachment(ctx, todoRef, id);
  await writeTransaction(ctx, async (trx) => {
    await deleteAttachmentRow(trx, Number(row.id));
    await recordTodoChange(trx, {
      by: ctx,
      todo: { id: target.todo.id, workspaceId: target.workspaceId },
      action: 'detach',
      changes: { attachment: [row.name, null] },
    });
  });
  await storageOf(ctx)
    .remove(row)
    .catch((err: unknown) =>
      ctx.log.warn({ err, path: row.storagePath }, 'could not remove a detached file'),
    );
}

/**
 * Deletes uploads left unattached for 24 hours before `now` (row, then bytes), and what
 * uploads that never finished left (temp files, chunks without a row). Returns how many
 * uploads were removed.
 *
 * @example await removeStaleUploads(db, config, new Date())
 */
export async function removeStaleUploads(db: Db, config: Config, now: Date): Promise<number> {
  const before = new Date(now.getTime() - UPLOAD_TTL_MS);
  const storage = attachmentStorage(db, config.dataDir);
  const batch = 500;
  let removed = 0;
  for (;;) {
    const stored = await deleteStaleUploads(db.kysely, before.toISOString(), batch);
    for (const s of stored) await storage.remove(s);
    removed += stored.length;
    if (stored.length < batch) break;
  }
  await storage.removeAbandoned(before);
  return removed;
}
