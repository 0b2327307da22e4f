/**
 * The read benchmark's data: N todos with natural (Zipf) word frequencies, written with
 * prepared statements in large transactions (better-sqlite3 on SQLite, `unnest` arrays
 * on PostgreSQL), so a million todos take a minute or two, not a quarter of an hour.
 * Seeded, so every run stores the same todos.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
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
const CATEGORIES = ['Customs', 'Fetsa', 'Safety', 'Finance'];

export interface Seeded {
  /** Keys of the todos that are not soft-deleted (reading a deleted one is a 404). */
  liveKeys: string[];
  /** Documents (todos) each word occurs in, for choosing search words. */
  docFrequency: Map<string, number>;
  /** Seconds spent generating the todos in JavaScript, and writing them. */
  generateSeconds: number;
  writeSeconds: number;
}

/** The columns the seed fills, in the order of every insert below. */
// biome-ignore format: one list of names, kept compact
const TODO_COLUMNS = [
  'workspaceId', 'seq', 'key', 'todoType', 'title', 'description', 'result',
  'financialImpactCents', 'impact', 'likelihood', 'priority', 'status', 'assigneeId',
  'reporterId', 'orderId', 'lrn', 'reminderDate', 'dueDate', 'createdVia', 'createdByUserId',
  'createdByClientId', 'createdAt', 'updatedAt', 'deletedAt', 'tagsText',
] as const satisfies ReadonlyArray<keyof NewTodo>;
type SeedTodo = { [K in (typeof TODO_COLUMNS)[number]]: NewTodo[K] };
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Chunk {
  todos: SeedTodo[];
  tags: string[][];
  categories: string[];
}

/** Todos in chunks, written one transaction per chunk. */
const CHUNK = 20_000;

/** The todos, generated chunk by chunk so a million never sit in memory as objects. */
function* generate(
  todoCount: number,
  workspaces: ReadonlyArray<{ id: number; key: string }>,
  people: readonly number[],
  seeded: Seeded,
  seqs: Map<number, number>,
): Generator<Chunk> {
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const start = Date.parse('2024-11-01T00:00:00Z');
  const span = Date.parse('2026-11-01T00:00:00Z') - start;
  for (let from = 0; from < todoCount; from += CHUNK) {
    const chunk: Chunk = { todos: [], tags: [], categories: [] };
    for (let i = from; i < Math.min(todoCount, from + CHUNK); i++) {
      const ws = workspaces[i % workspaces.length] as { id: number; key: string };
      const seq = (seqs.get(ws.id) ?? 0) + 1;
      seqs.set(ws.id, seq);
      const key = `${ws.key}-${String(seq).padStart(2, '0')}`;
      const title = Array.from({ length: 4 + Math.floor(rnd() * 3) }, () => drawWord(rnd));
      const description = Array.from({ length: 20 }, () => drawWord(rnd));
      const tags = [pick(TAGS), `SO ${100000 + i}`];
      if (rnd() < 0.5) tags.push(pick(TAGS));
      const unique = [...new Set(tags)];
      for (const w of new Set([...title, ...description])) {
        seeded.docFrequency.set(w, (seeded.docFrequency.get(w) ?? 0) + 1);
      }
      const createdMs = start + Math.floor((span * i) / todoCount);
      const createdAt = new Date(createdMs).toISOString();
      const updatedAt = new Date(createdMs + Math.floor(rnd() * 86_400_000 * 30)).toISOString();
      const status = pick(STATUSES);
      const person = pick(people);
      const deletedAt = rnd() < 0.01 ? updatedAt : null;
      if (!deletedAt) seeded.liveKeys.push(key);
      chunk.todos.push({
        workspaceId: ws.id,
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
        deletedAt,
        tagsText: unique.join(' '),
      });
      chunk.tags.push(unique);
      chunk.categories.push(pick(CATEGORIES));
    }
    yield chunk;
  }
}

/**
 * Seeds `todoCount` todos into the migrated, provisioned database at `url`, in the
 * workspaces it has, assigned to and reported by the two `peopleEmails`: each with 2–3
 * tags (`tags_text` filled, so the full-text index covers them) and one category; then
 * advances each workspace's sequence so the API would continue after them. What search
 * needs is built as the migrations define it: on SQLite the FTS5 table (rebuilt from
 * the todos after the load rather than by its trigger row by row); on PostgreSQL the
 * generated `search` tsvector column and its GIN index (built after the load), then
 * `ANALYZE`, as autovacuum would.
 */
export async function seed(
  url: string,
  todoCount: number,
  peopleEmails: readonly [string, string],
): Promise<Seeded> {
  const seeded: Seeded = {
    liveKeys: [],
    docFrequency: new Map(),
    generateSeconds: 0,
    writeSeconds: 0,
  };
  const timed = <T>(field: 'generateSeconds' | 'writeSeconds', fn: () => T): T => {
    const started = performance.now();
    try {
      return fn();
    } finally {
      seeded[field] += (performance.now() - started) / 1000;
    }
  };
  const seqs = new Map<number, number>();
  if (url.startsWith('sqlite:')) {
    const native = new SqliteDatabase(url.slice('sqlite:'.length));
    try {
      // Set-up, not the measured runs: no rollback journal and no fsync while loading
      // (the kernel writes the pages out in its own time); WAL again afterwards, as the
      // server opens it.
      native.pragma('journal_mode = OFF');
      native.pragma('synchronous = OFF');
      native.pragma('cache_size = -262144');
      const workspaces = native
        .prepare('SELECT id, key FROM workspaces ORDER BY id')
        .all() as Array<{ id: number; key: string }>;
      const users = native.prepare('SELECT id, email FROM users').all() as Array<{
        id: number;
        email: string;
      }>;
      const people = peopleEmails.map((e) => Number(users.find((u) => u.email === e)?.id));
      const last = native.prepare('SELECT max(id) AS n FROM todos').get() as { n: number | null };
      const insertTodo = native.prepare(
        `INSERT INTO todos (id, ${TODO_COLUMNS.map(snake).join(', ')}) ` +
          `VALUES (${['?', ...TODO_COLUMNS.map(() => '?')].join(', ')})`,
      );
      const insertTag = native.prepare(
        'INSERT INTO todo_tags (todo_id, position, tag) VALUES (?, ?, ?)',
      );
      const insertCategory = native.prepare(
        "INSERT INTO todo_categories (todo_id, kind, position, value) VALUES (?, 'category', 0, ?)",
      );
      let id = Number(last.n ?? 0) + 1;
      const write = native.transaction((chunk: Chunk) => {
        chunk.todos.forEach((todo, n) => {
          insertTodo.run(id, ...TODO_COLUMNS.map((c) => todo[c] ?? null));
          chunk.tags[n]?.forEach((tag, position) => {
            insertTag.run(id, position, tag);
          });
          insertCategory.run(id, chunk.categories[n]);
          id++;
        });
      });
      // The FTS5 insert trigger costs two thirds of the load row by row; instead it is
      // set aside and todos_fts is rebuilt from the todos at the end, the same index
      // the trigger would have made, and the trigger put back exactly as migrated.
      const trigger = native
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'todos_fts_ai'")
        .get() as { sql: string } | undefined;
      if (!trigger) throw new Error('todos_fts_ai trigger not found: has the schema changed?');
      native.exec('DROP TRIGGER todos_fts_ai');
      const chunks = generate(todoCount, workspaces, people, seeded, seqs);
      for (;;) {
        const next = timed('generateSeconds', () => chunks.next());
        if (next.done) break;
        timed('writeSeconds', () => write(next.value));
      }
      timed('writeSeconds', () => {
        native.exec("INSERT INTO todos_fts(todos_fts) VALUES ('rebuild')");
        native.exec(trigger.sql);
        const setSeq = native.prepare('UPDATE workspaces SET todo_seq = ? WHERE id = ?');
        for (const [ws, seq] of seqs) setSeq.run(seq, ws);
        native.pragma('journal_mode = WAL');
      });
    } finally {
      native.close();
    }
    return seeded;
  }

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const workspaces = (
      await client.query<{ id: string; key: string }>('SELECT id, key FROM workspaces ORDER BY id')
    ).rows.map((w) => ({ id: Number(w.id), key: w.key }));
    const users = (await client.query<{ id: string; email: string }>('SELECT id, email FROM users'))
      .rows;
    const people = peopleEmails.map((e) => Number(users.find((u) => u.email === e)?.id));
    // One array parameter per column, cast to the column's own type: one statement
    // inserts a whole chunk, and PostgreSQL computes the generated tsvector.
    const types = new Map(
      (
        await client.query<{ column_name: string; data_type: string }>(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'todos'",
        )
      ).rows.map((r) => [r.column_name, r.data_type]),
    );
    const columns = TODO_COLUMNS.map(snake);
    const insertTodos =
      `INSERT INTO todos (${columns.join(', ')}) SELECT ` +
      columns.map((c) => `${c}::${types.get(c) ?? 'text'}`).join(', ') +
      ` FROM unnest(${columns.map((_, n) => `$${n + 1}::text[]`).join(', ')}) ` +
      `AS t(${columns.join(', ')}) RETURNING id, key`;
    const insertTags =
      'INSERT INTO todo_tags (todo_id, position, tag) ' +
      'SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[])';
    const insertCategories =
      "INSERT INTO todo_categories (todo_id, kind, position, value) SELECT t.id, 'category', 0, " +
      't.value FROM unnest($1::bigint[], $2::text[]) AS t(id, value)';
    // Maintaining the GIN index (and the others) row by row is most of the load: the
    // plain indexes of todos are set aside and built again from their own definitions
    // at the end, as the migrations made them. Constraint indexes (keys) stay.
    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'todos' AND indexname NOT IN
           (SELECT conname FROM pg_constraint WHERE conrelid = 'todos'::regclass)`,
      )
    ).rows;
    const dropStarted = performance.now();
    for (const { indexname } of indexes) await client.query(`DROP INDEX ${indexname}`);
    seeded.writeSeconds += (performance.now() - dropStarted) / 1000;
    const chunks = generate(todoCount, workspaces, people, seeded, seqs);
    for (;;) {
      const next = timed('generateSeconds', () => chunks.next());
      if (next.done) break;
      const chunk = next.value;
      const started = performance.now();
      await client.query('BEGIN');
      const ids = new Map(
        (
          await client.query<{ id: string; key: string }>(
            insertTodos,
            TODO_COLUMNS.map((c) =>
              chunk.todos.map((t) => {
                const v = t[c];
                return v === null || v === undefined ? null : String(v);
              }),
            ),
          )
        ).rows.map((r) => [r.key, Number(r.id)]),
      );
      const todoIds = chunk.todos.map((t) => ids.get(t.key) as number);
      const tagRows = chunk.tags.flatMap((tags, n) =>
        tags.map((tag, position) => [todoIds[n], position, tag] as const),
      );
      await client.query(insertTags, [
        tagRows.map((r) => r[0]),
        tagRows.map((r) => r[1]),
        tagRows.map((r) => r[2]),
      ]);
      await client.query(insertCategories, [todoIds, chunk.categories]);
      await client.query('COMMIT');
      seeded.writeSeconds += (performance.now() - started) / 1000;
    }
    const started = performance.now();
    await client.query("SET maintenance_work_mem = '256MB'");
    for (const { indexdef } of indexes) await client.query(indexdef);
    for (const [ws, seq] of seqs) {
      await client.query('UPDATE workspaces SET todo_seq = $1 WHERE id = $2', [seq, ws]);
    }
    // Fresh statistics, as PostgreSQL's autovacuum would gather after a load this size.
    await client.query('ANALYZE');
    seeded.writeSeconds += (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
  return seeded;
}
