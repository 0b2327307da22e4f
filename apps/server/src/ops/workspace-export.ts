import type { Writable } from 'node:stream';
import { type AttachmentStorage, attachmentStorage } from '../core/attachments/storage.ts';
import type { Db } from '../platform/db/database.ts';
import { OpsError } from './ops.errors.ts';

/** Todos read per query: the export holds one page of them in memory at a time. */
const PAGE = 200;

export interface ExportCounts {
  todos: number;
  history: number;
  comments: number;
  attachments: number;
}

/**
 * `bzctrl export --workspace <KEY>`: a workspace's todos (every stored field, with tags,
 * categories and custom values), their history (audit events), comments and attachments
 * (metadata and base64 content) as JSON Lines, one object per line with a `type`, for
 * audits. Reads a page of todos at a time and streams each attachment's bytes (a file, or
 * chunks in PostgreSQL; see storage.ts) through
 * base64 into `out`, so neither a large workspace nor a large file is held in memory.
 *
 * @example
 *   await exportWorkspace(db, dataDir, 'IMP-NLD-EXA-SWA', process.stdout);
 */
export async function exportWorkspace(
  db: Db,
  dataDir: string,
  workspaceKey: string,
  out: Writable,
): Promise<ExportCounts> {
  const k = db.kysely;
  const storage = attachmentStorage(db, dataDir);
  const workspace = await k
    .selectFrom('workspaces')
    .selectAll()
    .where('key', '=', workspaceKey)
    .executeTakeFirst();
  if (!workspace) throw new OpsError(`bzctrl export: no workspace ${workspaceKey}`);
  const counts: ExportCounts = { todos: 0, history: 0, comments: 0, attachments: 0 };
  await write(out, line({ type: 'workspace', ...workspace }));
  let after = 0;
  for (;;) {
    const todos = await k
      .selectFrom('todos')
      .selectAll()
      .where('workspaceId', '=', workspace.id)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (todos.length === 0) break;
    after = todos[todos.length - 1]?.id ?? after;
    const ids = todos.map((t) => t.id);
    const [tags, categories, custom, history, comments, attachments] = await Promise.all([
      k.selectFrom('todoTags').selectAll().where('todoId', 'in', ids).orderBy('position').execute(),
      k
        .selectFrom('todoCategories')
        .selectAll()
        .where('todoId', 'in', ids)
        .orderBy('position')
        .execute(),
      k.selectFrom('todoCustomValues').selectAll().where('todoId', 'in', ids).execute(),
      k
        .selectFrom('auditEvents')
        .selectAll()
        .where('entityType', '=', 'todo')
        .where('entityId', 'in', ids)
        .orderBy('id')
        .execute(),
      k.selectFrom('todoComments').selectAll().where('todoId', 'in', ids).orderBy('id').execute(),
      k.selectFrom('attachments').selectAll().where('todoId', 'in', ids).orderBy('id').execute(),
    ]);
    for (const todo of todos) {
      const of = <R extends { todoId: number }>(rows: R[]) =>
        rows.filter((r) => r.todoId === todo.id);
      await write(
        out,
        line({
          type: 'todo',
          ...todo,
          tags: of(tags).map((t) => t.tag),
          categories: of(categories).map(({ kind, value }) => ({ kind, value })),
          customValues: of(custom).map(({ todoId: _, ...rest }) => rest),
        }),
      );
      counts.todos++;
      for (const h of history.filter((e) => e.entityId === todo.id)) {
        await write(
          out,
          line({ type: 'history', todoKey: todo.key, ...h, changes: parsed(h.changes) }),
        );
        counts.history++;
      }
      for (const c of of(comments)) {
        await write(out, line({ type: 'comment', todoKey: todo.key, ...c }));
        counts.comments++;
      }
      for (const a of attachments.filter((x) => x.todoId === todo.id)) {
        await writeAttachment(out, storage, { type: 'attachment', todoKey: todo.key, ...a });
        counts.attachments++;
      }
    }
  }
  return counts;
}

/** One attachment line, its bytes streamed through base64 into the `content` field. */
async function writeAttachment(
  out: Writable,
  storage: AttachmentStorage,
  meta: Record<string, unknown> & Parameters<AttachmentStorage['open']>[0],
): Promise<void> {
  const head = JSON.stringify(meta);
  await write(out, `${head.slice(0, -1)},"content":"`);
  let carry: Buffer = Buffer.alloc(0);
  try {
    const bytes = await storage.open({ ...meta, size: Number(meta.size) });
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = data.length - (data.length % 3);
      await write(out, data.subarray(0, whole).toString('base64'));
      carry = data.subarray(whole);
    }
  } catch (err) {
    throw new OpsError(
      `bzctrl export: cannot read attachment ${String(meta.ref)} (${(err as Error).message})`,
    );
  }
  await write(out, `${carry.toString('base64')}"}\n`);
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

function line(value: Record<string, unknown>): string {
  return `${JSON.stringify(value)}\n`;
}

/** Writes, waiting when the stream asks to (a slow disk or pipe fills no memory). */
function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(text, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else out.once('drain', resolve);
  });
}
