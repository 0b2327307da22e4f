/**
 * The read benchmark's data: N todos with natural (Zipf) word frequencies, stored straight
 * through the server's own Kysely. Seeded, so every run stores the same todos.
 */
import { sql } from 'kysely';
import type { Db } from '../apps/server/src/platform/db/database.ts';
import type { NewTodo } from '../apps/server/src/platform/db/tables.ts';

/** mulberry32: a seeded generator, so every run stores the same todos. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A vocabulary with natural (Zipf) word frequencies: real words first, then made-up
 * ones, so some words occur in most todos and most words in very few.
 */
// biome-ignore format: one vocabulary, kept compact
const HEAD = [
  'the', 'and', 'of', 'to', 'at', 'for', 'on', 'with', 'from', 'container', 'seal',
  'customs', 'vessel', 'invoice', 'tank', 'valve', 'declaration', 'damage', 'delay',
  'manifest', 'pallet', 'carrier', 'berth', 'crane', 'inspection', 'leak', 'pump',
  'terminal', 'cargo', 'truck', 'gate', 'warehouse', 'shipment', 'booking', 'claim',
  'demurrage', 'permit', 'sample', 'quality', 'temperature', 'reefer', 'pipeline',
  'discharge', 'loading', 'storage', 'audit', 'training', 'safety', 'incident', 'report',
];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'gu'];
function vocabulary(size: number): string[] {
  const words = [...HEAD];
  const rnd = random(7);
  const seen = new Set(words);
  while (words.length < size) {
    let w = '';
    const n = 3 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}
const VOCAB = vocabulary(5000);
/** Cumulative Zipf weights (s = 1) for drawing a word by rank. */
const ZIPF = (() => {
  const cum: number[] = [];
  let sum = 0;
  for (let r = 1; r <= VOCAB.length; r++) {
    sum += 1 / r;
    cum.push(sum);
  }
  return cum.map((c) => c / sum);
})();
function drawWord(rnd: () => number): string {
  const x = rnd();
  let lo = 0;
  let hi = ZIPF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ZIPF[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCAB[lo] as string;
}

const TAGS = ['urgent', 'customs', 'finance', 'safety', 'follow-up', 'audit', 'erp', 'wms'];
const LEVELS = ['LOW', 'MEDIUM', 'HIGH', null] as const;
const STATUSES = ['TODO', 'INPROGRESS', 'DONE', 'DONE', 'EXPIRED'] as const;

export interface Seeded {
  keys: string[];
  /** Documents (todos) each word occurs in, for choosing search words. */
  docFrequency: Map<string, number>;
}

/**
 * Seeds the todos straight through the server's own Kysely, in transactions of
 * batched inserts: todos (with tags_text, so the full-text index covers tags; on
 * SQLite the FTS triggers fill todos_fts), their tags and categories, and advances
 * each workspace's sequence so the API would continue after them.
 */
export async function seed(
  db: Db,
  todoCount: number,
  peopleEmails: readonly [string, string],
): Promise<Seeded> {
  const k = db.kysely;
  const workspaces = await k.selectFrom('workspaces').select(['id', 'key']).execute();
  const users = await k.selectFrom('users').select(['id', 'email']).execute();
  const userId = (email: string) => Number(users.find((u) => u.email === email)?.id);
  const people = peopleEmails.map(userId);
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const seqs = new Map<number, number>();
  const keys: string[] = [];
  const docFrequency = new Map<string, number>();
  const start = Date.parse('2024-11-01T00:00:00Z');
  const span = Date.parse('2026-11-01T00:00:00Z') - start;
  const batch = 500;
  for (let from = 0; from < todoCount; from += batch) {
    const todos: NewTodo[] = [];
    const tagsOf: string[][] = [];
    for (let i = from; i < Math.min(todoCount, from + batch); i++) {
      const ws = workspaces[i % workspaces.length] as { id: number; key: string };
      const seq = (seqs.get(Number(ws.id)) ?? 0) + 1;
      seqs.set(Number(ws.id), seq);
      const key = `${ws.key}-${String(seq).padStart(2, '0')}`;
      keys.push(key);
      const title = Array.from({ length: 4 + Math.floor(rnd() * 3) }, () => drawWord(rnd));
      const description = Array.from({ length: 20 }, () => drawWord(rnd));
      const tags = [pick(TAGS), `SO ${100000 + i}`];
      if (rnd() < 0.5) tags.push(pick(TAGS));
      const unique = [...new Set(tags)];
      tagsOf.push(unique);
      for (const w of new Set([...title, ...description]))
        docFrequency.set(w, (docFrequency.get(w) ?? 0) + 1);
      const createdMs = start + Math.floor((span * i) / todoCount);
      const createdAt = new Date(createdMs).toISOString();
      const updatedAt = new Date(createdMs + Math.floor(rnd() * 86_400_000 * 30)).toISOString();
      const status = pick(STATUSES);
      const person = pick(people);
      todos.push({
        workspaceId: Number(ws.id),
        seq,
        key,
        todoType: rnd() < 0.7 ? 'TASK' : 'INCIDENT',
        title: title.join(' '),
        description: description.join(' '),
        result: rnd() < 0.3 ? Array.from({ length: 8 }, () => drawWord(rnd)).join(' ') : null,
        financialImpactCents: rnd() < 0.5 ? Math.floor(rnd() * 10_000_000) : null,
        impact: pick(LEVELS),
        likelihood: pick(LEVELS),
        priority: pick(LEVELS),
        status,
        assigneeId: person,
        reporterId: pick(people),
        orderId: `SO ${100000 + i}`,
        lrn: null,
        reminderDate:
          rnd() < 0.3 ? new Date(createdMs + 86_400_000 * 14).toISOString().slice(0, 10) : null,
        dueDate: status === 'DONE' ? updatedAt.slice(0, 10) : null,
        createdVia: 'bzctrl',
        createdByUserId: person,
        createdByClientId: null,
        createdAt,
        updatedAt,
        deletedAt: rnd() < 0.01 ? updatedAt : null,
        tagsText: unique.join(' '),
      });
    }
    await k.transaction().execute(async (trx) => {
      const ids = await trx.insertInto('todos').values(todos).returning('id').execute();
      const tagRows = ids.flatMap((row, n) =>
        (tagsOf[n] ?? []).map((tag, position) => ({ todoId: Number(row.id), position, tag })),
      );
      await trx.insertInto('todoTags').values(tagRows).execute();
      await trx
        .insertInto('todoCategories')
        .values(
          ids.map((row) => ({
            todoId: Number(row.id),
            kind: 'category' as const,
            position: 0,
            value: pick(['Customs', 'Fetsa', 'Safety', 'Finance']),
          })),
        )
        .execute();
    });
  }
  for (const [id, seq] of seqs) {
    await k.updateTable('workspaces').set({ todoSeq: seq }).where('id', '=', id).execute();
  }
  // Fresh statistics, as PostgreSQL's autovacuum would gather after a load this size.
  if (db.engine === 'postgres') await sql`analyze`.execute(k);
  return { keys, docFrequency };
}
