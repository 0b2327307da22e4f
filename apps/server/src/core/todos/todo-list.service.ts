import type { Ctx } from '../../platform/context.ts';
import { FieldErrors, validationError } from '../../platform/errors.ts';
import { isCalendarDate } from '../../platform/values/dates.ts';
import { isEmail } from '../../platform/values/rules.ts';
import { workspacesByKeys } from '../tenancy/workspace-ref.ts';
import type { Todo } from './todo.model.ts';
import { LEVELS, normalizeEnum, STATUSES, TODO_TYPES } from './todo-fields.ts';
import {
  LIST_LIMIT,
  LIST_PARAMS,
  LIST_SORTS,
  type ListSort,
  type ListTodosParams,
} from './todo-list.model.ts';
import {
  countTodos,
  findTodoPage,
  type ListColumn,
  type TodoListFilter,
  type TodoListPage,
} from './todo-list.repository.ts';
import { todoOf } from './todo-load.ts';
import { findTodosWithRelations } from './todos.repository.ts';

export type { ListTodosParams };

export interface TodoList {
  items: Todo[];
  nextCursor: string | null;
  total?: number;
}

const KNOWN_PARAMS = new Set<string>(LIST_PARAMS);
const MAX_WORDS = 16;

/**
 * Lists the todos the caller may see that match every filter, one keyset page at a time.
 * Bad parameters are all reported at once, each under its own name. A `workspace` the
 * caller may not use is the same 404 as one that does not exist.
 */
export async function listTodos(
  ctx: Ctx,
  params: ListTodosParams & Record<string, unknown>,
): Promise<TodoList> {
  const errors = new FieldErrors();
  for (const name of Object.keys(params)) {
    if (!KNOWN_PARAMS.has(name)) errors.add(name, 'is not a known parameter');
  }
  const sort: ListSort = params.sort ?? '-createdAt';
  const page: TodoListPage = {
    column: sort.replace(/^-/, '') as ListColumn,
    descending: sort.startsWith('-'),
    limit: params.limit ?? LIST_LIMIT.default,
    after: null,
  };
  if (params.cursor !== undefined) page.after = decodeCursor(params.cursor, sort, errors);
  const filter = parseFilter(ctx, params, errors);
  if (!errors.empty) throw validationError(errors.list);

  // The page, its count and its details are heavy reads that need no open transaction:
  // they run on the reader (worker threads on SQLite), off the event loop. Each is a read
  // of its own, so a todo deleted or changed between them is left out or shown as it
  // is now, as a later page would.
  const db = ctx.db.reader;
  const allowed = ctx.actor.workspaceIds;
  if (params.workspace) {
    filter.workspaceIds = (await workspacesByKeys(ctx, many(params.workspace))).map((w) => w.id);
  }

  const [found, total] = await Promise.all([
    findTodoPage(db, allowed, filter, page, ctx.db.engine),
    params.total ? countTodos(db, allowed, filter, ctx.db.engine) : undefined,
  ]);
  const onPage = found.slice(0, page.limit);
  const ids = onPage.map((r) => r.id);
  const byId = new Map(
    (await findTodosWithRelations(db, ids)).map((t) => [Number(t.row.id), t] as const),
  );
  const items: Todo[] = [];
  for (const id of ids) {
    const todo = byId.get(id);
    // Deleted between the two reads: left out, as a later read would.
    if (todo) items.push(todoOf(todo, ctx.config.publicUrl));
  }
  const last = onPage.at(-1);
  const nextCursor =
    found.length > page.limit && last
      ? encodeCursor({ s: sort, v: last.sortValue, id: last.id })
      : null;
  return total === undefined ? { items, nextCursor } : { items, nextCursor, total };
}

/** Values of a multi-valued parameter: repeated, comma-separated, or both. */
function many(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function parseFilter(ctx: Ctx, p: ListTodosParams, errors: FieldErrors): TodoListFilter {
  const enums = <T extends string>(
    name: string,
    values: string[] | undefined,
    allowed: readonly T[],
  ) => {
    const list = many(values);
    if (list.length === 0) return null;
    const out: T[] = [];
    for (const v of list) {
      const e = normalizeEnum(v, allowed);
      if (e) out.push(e);
      else errors.add(name, `"${v}" is not one of ${allowed.join(', ')}`);
    }
    return [...new Set(out)];
  };
  const emails = (name: string, values: string[] | undefined) => {
    const list = many(values).map((v) => v.toLowerCase());
    for (const v of list) if (!isEmail(v)) errors.add(name, `"${v}" is not an e-mail address`);
    return list.length > 0 ? [...new Set(list)] : null;
  };
  const texts = (values: string[] | undefined) => {
    const list = many(values);
    return list.length > 0 ? [...new Set(list)] : null;
  };

  const ranges: TodoListFilter['ranges'] = [];
  const instant = (name: string, column: ListColumn, end: 'from' | 'to', value?: string) => {
    if (value === undefined || value.trim() === '') return;
    const bound = parseInstantBound(value.trim(), end, ctx.config.timeZone);
    if (bound) ranges.push({ column, ...bound });
    else
      errors.add(
        name,
        'must be a date (YYYY-MM-DD) or a date-time with an offset (2026-03-01T08:00:00Z)',
      );
  };
  const day = (name: string, column: ListColumn, end: 'from' | 'to', value?: string) => {
    if (value === undefined || value.trim() === '') return;
    if (isCalendarDate(value.trim()))
      ranges.push({ column, op: end === 'from' ? '>=' : '<=', value: value.trim() });
    else errors.add(name, 'must be a real calendar date written as YYYY-MM-DD');
  };
  instant('createdFrom', 'createdAt', 'from', p.createdFrom);
  instant('createdTo', 'createdAt', 'to', p.createdTo);
  instant('updatedFrom', 'updatedAt', 'from', p.updatedFrom);
  instant('updatedTo', 'updatedAt', 'to', p.updatedTo);
  day('dueFrom', 'dueDate', 'from', p.dueFrom);
  day('dueTo', 'dueDate', 'to', p.dueTo);
  day('reminderFrom', 'reminderDate', 'from', p.reminderFrom);
  day('reminderTo', 'reminderDate', 'to', p.reminderTo);

  let words: string[] | null = null;
  if (p.q !== undefined && p.q.trim() !== '') {
    // Words are runs of letters, digits and marks, as both full-text indexes see them;
    // everything else separates words and is never passed to the query syntax.
    words = [...new Set((p.q.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []) as string[])];
    if (words.length > MAX_WORDS) errors.add('q', `must not have more than ${MAX_WORDS} words`);
  }

  let externalRef: TodoListFilter['externalRef'] = null;
  if (p.externalRef !== undefined) {
    const at = p.externalRef.indexOf(':');
    const system = p.externalRef.slice(0, at).trim();
    const id = p.externalRef.slice(at + 1).trim();
    if (at < 0 || system === '' || id === '')
      errors.add('externalRef', 'must be system:id, e.g. erp:SO-777');
    else externalRef = { system, id };
  }

  return {
    workspaceIds: null,
    todoTypes: enums('type', p.type, TODO_TYPES),
    statuses: enums('status', p.status, STATUSES),
    priorities: enums('priority', p.priority, LEVELS),
    impacts: enums('impact', p.impact, LEVELS),
    likelihoods: enums('likelihood', p.likelihood, LEVELS),
    assignees: emails('assignee', p.assignee),
    reporters: emails('reporter', p.reporter),
    tags: texts(p.tag),
    categories: texts(p.category),
    words,
    ranges,
    externalRef,
  };
}

const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * A date-time bound as an ISO instant. A date alone means that day in the deployment's
 * time zone: from its start (`from`), or up to the start of the next day (`to`).
 */
function parseInstantBound(
  value: string,
  end: 'from' | 'to',
  timeZone: string,
): { op: '>=' | '<=' | '<'; value: string } | undefined {
  if (isCalendarDate(value)) {
    if (end === 'from') return { op: '>=', value: startOfDay(value, timeZone).toISOString() };
    const next = new Date(`${value}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return { op: '<', value: startOfDay(next.toISOString().slice(0, 10), timeZone).toISOString() };
  }
  // An unencoded `+` in a query string arrives as a space: `…T08:00:00 01:00`.
  const text = value.replace(/ (\d{2}:\d{2})$/, '+$1');
  const m = DATE_TIME.exec(text);
  const ms = Date.parse(text);
  if (!m?.[1] || !isCalendarDate(m[1]) || Number.isNaN(ms)) return undefined;
  return { op: end === 'from' ? '>=' : '<=', value: new Date(ms).toISOString() };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((x) => x.type === type)?.value);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - (instant - (instant % 1000));
}

/** The instant a calendar day starts in a time zone (twice, to settle across DST). */
function startOfDay(date: string, timeZone: string): Date {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  let t = midnightUtc - zoneOffsetMs(midnightUtc, timeZone);
  t = midnightUtc - zoneOffsetMs(t, timeZone);
  return new Date(t);
}

/** Timestamps as both dialects hand them out (`Date.toISOString()`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Cursor {
  /** The sort order the cursor belongs to. */
  s: ListSort;
  /** The last todo's sort value. */
  v: string | null;
  id: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** A cursor as this server made it, or a field error: it is input like any other. */
function decodeCursor(text: string, sort: ListSort, errors: FieldErrors): TodoListPage['after'] {
  let c: Partial<Cursor> | null = null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) c = parsed as Partial<Cursor>;
  } catch {
    c = null;
  }
  if (c && typeof c.s === 'string' && c.s !== sort && LIST_SORTS.includes(c.s)) {
    errors.add('cursor', `belongs to another sort order than ${sort}; start again without it`);
    return null;
  }
  const isDay = sort.endsWith('dueDate') || sort.endsWith('reminderDate');
  const validValue =
    c?.v === null
      ? isDay
      : typeof c?.v === 'string' && (isDay ? isCalendarDate(c.v) : ISO_INSTANT.test(c.v));
  if (!c || c.s !== sort || !Number.isSafeInteger(c.id) || (c.id as number) < 1 || !validValue) {
    errors.add('cursor', 'is not a cursor this server returned; start again without it');
    return null;
  }
  return { value: c.v ?? null, id: c.id as number };
}
