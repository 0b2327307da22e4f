// The todo list's pure logic: its state read from the URL, the URL a change makes, the
// query sent to the API, and what the counts, sort headers and pager show.

import { LEVEL_LABEL, LEVELS, STATUS_LABEL, TYPE_LABEL } from '../../ui/format.ts';

/** The API's filters this page offers; each lives in the URL under the API's own name. */
export const FILTERS = [
  'q',
  'workspace',
  'type',
  'status',
  'priority',
  'impact',
  'likelihood',
  'assignee',
  'reporter',
  'tag',
  'category',
  'dueFrom',
  'dueTo',
  'reminderFrom',
  'reminderTo',
  'createdFrom',
  'createdTo',
  'updatedFrom',
  'updatedTo',
] as const;
export type FilterName = (typeof FILTERS)[number];
export type Filters = Record<FilterName, string>;
/** Filters behind "More filters"; it opens by itself when one of them is set. */
export const MORE: FilterName[] = FILTERS.slice(5);

/** The API's closed set of sort orders, in words. */
export const SORTS = [
  ['-createdAt', 'Newest first'],
  ['createdAt', 'Oldest first'],
  ['-updatedAt', 'Recently updated'],
  ['updatedAt', 'Least recently updated'],
  ['dueDate', 'Due date, soonest first'],
  ['-dueDate', 'Due date, latest first'],
  ['reminderDate', 'Reminder, soonest first'],
  ['-reminderDate', 'Reminder, latest first'],
] as const;
const DEFAULT_SORT = '-createdAt';
const PAGE_SIZES = ['10', '25', '50', '100'];
const DEFAULT_LIMIT = '25';

export type Options = (readonly [string, string])[];
export const LEVEL_OPTIONS: Options = LEVELS.map((v) => [v, LEVEL_LABEL[v]]);
export const TYPE_OPTIONS: Options = Object.entries(TYPE_LABEL);
export const STATUS_OPTIONS: Options = [
  ['TODO,INPROGRESS', 'Open (To do or In Progress)'],
  ...Object.entries(STATUS_LABEL),
];

export interface ListState {
  filters: Filters;
  sort: string;
  limit: string;
  /** The cursors that led to the page shown: Next pushes the answer's cursor, Previous pops. */
  pages: string[];
}

/**
 * The page's state is the URL's query, so a view can be bookmarked and a reload restores
 * it: the filters, `sort`, `limit` and `pages`.
 */
export function readState(query: URLSearchParams): ListState {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  const sort = query.get('sort') || DEFAULT_SORT;
  const limit = query.get('limit') || DEFAULT_LIMIT;
  const pages = (query.get('pages') ?? '').split(',').filter(Boolean);
  return { filters, sort, limit, pages };
}

/** Whether any filter is set (the page then offers to clear them). */
export function isFiltered(filters: Filters): boolean {
  return FILTERS.some((f) => filters[f] !== '');
}

/** Whether "More filters" opens by itself: one of its filters is set. */
export function moreOpen(filters: Filters): boolean {
  return MORE.some((f) => filters[f] !== '');
}

/**
 * The list query for the API: the filters set, the sort and size, the total asked for,
 * and the cursor of the page shown. A comma-separated value goes as it is; the API reads
 * it as a list.
 */
export function apiQuery({ filters, sort, limit, pages }: ListState) {
  const query: Record<string, string | boolean> = { sort, limit, total: true };
  for (const f of FILTERS) if (filters[f]) query[f] = filters[f];
  const cursor = pages.at(-1);
  if (cursor) query.cursor = cursor;
  return query;
}

export type Changes = Record<string, string | undefined>;

/**
 * The URL query after a change: an empty value removes its parameter, and any change but
 * paging starts again at the first page.
 */
export function changedQuery(
  current: URLSearchParams,
  changes: Changes,
  keepPage = false,
): Record<string, string> {
  const params = new URLSearchParams(current);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  if (!keepPage && !('pages' in changes)) params.delete('pages');
  return Object.fromEntries(params);
}

/** The change that clears every filter (sort and page size stay). */
export const CLEAR_FILTERS: Changes = Object.fromEntries(FILTERS.map((f) => [f, undefined]));
/** The change that clears the filters, the pages and the sort: back to the first view. */
export const START_AGAIN: Changes = Object.fromEntries(
  [...FILTERS, 'pages', 'sort'].map((f) => [f, undefined]),
);

/** The workspace a new todo starts in: the one filtered on, unless several are. */
export function newTodoWorkspace(filters: Filters): string {
  return filters.workspace.includes(',') ? '' : filters.workspace;
}

/** "1 todo", "12 todos". */
export function totalText(total: number): string {
  return `${total} ${total === 1 ? 'todo' : 'todos'}`;
}

/** The numbers (from 1) of the first and last todo on the page shown. */
export function shownRange(pages: string[], limit: string, count: number) {
  const first = pages.length * Number(limit) + 1;
  return { first, last: first + count - 1 };
}

/** How a bookmarked value the options do not know reads (a list: "TODO or DONE"). */
export function unknownOptionLabel(value: string): string {
  return value.split(',').join(' or ');
}

export type Direction = 'ascending' | 'descending' | 'none';

/**
 * A sortable column's state: how the list is sorted by it (for aria-sort and its arrow)
 * and the sort a click asks for: ascending first, then descending, then ascending again.
 */
export function columnSort(field: string, sort: string) {
  const direction: Direction =
    sort === field ? 'ascending' : sort === `-${field}` ? 'descending' : 'none';
  const next = direction === 'ascending' ? `-${field}` : field;
  const arrow = direction === 'ascending' ? ' ↑' : direction === 'descending' ? ' ↓' : '';
  return { direction, next, arrow };
}

/** The pages after Previous: the last cursor popped. */
export function previousPages(pages: string[]): string {
  return pages.slice(0, -1).join(',');
}

/** The pages after Next: the answer's cursor pushed. */
export function nextPages(pages: string[], nextCursor: string): string {
  return [...pages, nextCursor].join(',');
}

/** The page sizes offered; a size only the URL knows is offered too, so it shows. */
export function pageSizes(limit: string): string[] {
  return PAGE_SIZES.includes(limit) ? PAGE_SIZES : [...PAGE_SIZES, limit];
}
