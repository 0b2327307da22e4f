import { describe, expect, it } from 'vitest';
import {
  apiQuery,
  CLEAR_FILTERS,
  changedQuery,
  columnSort,
  FILTERS,
  isFiltered,
  moreOpen,
  newTodoWorkspace,
  nextPages,
  pageSizes,
  previousPages,
  readState,
  START_AGAIN,
  shownRange,
  totalText,
  unknownOptionLabel,
} from './todos.logic.ts';

const state = (search: string) => readState(new URLSearchParams(search));

describe('readState', () => {
  it('reads an empty URL as no filters, newest first, 25 a page, the first page', () => {
    const s = state('');
    expect(s.sort).toBe('-createdAt');
    expect(s.limit).toBe('25');
    expect(s.pages).toEqual([]);
    expect(Object.keys(s.filters)).toEqual([...FILTERS]);
    expect(Object.values(s.filters).every((v) => v === '')).toBe(true);
    expect(isFiltered(s.filters)).toBe(false);
  });

  it('reads the filters under the API names, the sort, the size and the cursor stack', () => {
    const s = state('status=TODO,INPROGRESS&q=seal&sort=dueDate&limit=50&pages=c1,c2&other=x');
    expect(s.filters.status).toBe('TODO,INPROGRESS');
    expect(s.filters.q).toBe('seal');
    expect(s.filters).not.toHaveProperty('other');
    expect(s.sort).toBe('dueDate');
    expect(s.limit).toBe('50');
    expect(s.pages).toEqual(['c1', 'c2']);
    expect(isFiltered(s.filters)).toBe(true);
  });

  it('takes an empty sort or size as the default and drops empty cursors', () => {
    const s = state('sort=&limit=&pages=,c1,');
    expect(s.sort).toBe('-createdAt');
    expect(s.limit).toBe('25');
    expect(s.pages).toEqual(['c1']);
  });
});

describe('moreOpen', () => {
  it('opens "More filters" for a filter behind it, not for the main ones', () => {
    expect(moreOpen(state('q=x&workspace=A&type=TASK&status=DONE&priority=LOW').filters)).toBe(
      false,
    );
    expect(moreOpen(state('impact=HIGH').filters)).toBe(true);
    expect(moreOpen(state('updatedTo=2026-01-31').filters)).toBe(true);
  });
});

describe('apiQuery', () => {
  it('sends the set filters, the sort, the size, asks for the total, and no cursor on page 1', () => {
    expect(apiQuery(state('workspace=WS&q=&tag=urgent'))).toEqual({
      sort: '-createdAt',
      limit: '25',
      total: true,
      workspace: 'WS',
      tag: 'urgent',
    });
  });

  it('sends the last cursor of the stack', () => {
    expect(apiQuery(state('pages=c1,c2&limit=10')).cursor).toBe('c2');
  });
});

describe('changedQuery', () => {
  const current = new URLSearchParams('workspace=WS&sort=dueDate&pages=c1,c2');

  it('sets a value and starts again at the first page', () => {
    expect(changedQuery(current, { status: 'DONE' })).toEqual({
      workspace: 'WS',
      sort: 'dueDate',
      status: 'DONE',
    });
  });

  it('removes a parameter whose value is empty or undefined', () => {
    expect(changedQuery(current, { workspace: '', sort: undefined }, true)).toEqual({
      pages: 'c1,c2',
    });
  });

  it('keeps the page when paging, and a change of pages is paging', () => {
    expect(changedQuery(current, { limit: '10' }, true).pages).toBe('c1,c2');
    expect(changedQuery(current, { pages: 'c1' }).pages).toBe('c1');
    expect(changedQuery(current, { pages: '' })).not.toHaveProperty('pages');
  });

  it('leaves the query it was given as it was', () => {
    changedQuery(current, { workspace: 'OTHER' });
    expect(current.toString()).toBe('workspace=WS&sort=dueDate&pages=c1%2Cc2');
  });

  it('clears the filters but keeps sort and size; starting again keeps only the size', () => {
    const all = new URLSearchParams('q=a&workspace=W&dueTo=2026-01-01&sort=dueDate&limit=10');
    expect(changedQuery(all, CLEAR_FILTERS)).toEqual({ sort: 'dueDate', limit: '10' });
    all.set('pages', 'c1');
    expect(changedQuery(all, START_AGAIN)).toEqual({ limit: '10' });
  });
});

describe('what the page shows', () => {
  it('starts a new todo in the workspace filtered on, none when several are', () => {
    expect(newTodoWorkspace(state('workspace=WS').filters)).toBe('WS');
    expect(newTodoWorkspace(state('workspace=A,B').filters)).toBe('');
    expect(newTodoWorkspace(state('').filters)).toBe('');
  });

  it('counts todos in words', () => {
    expect(totalText(0)).toBe('0 todos');
    expect(totalText(1)).toBe('1 todo');
    expect(totalText(12)).toBe('12 todos');
  });

  it('numbers the todos shown from the page and its size', () => {
    expect(shownRange([], '25', 25)).toEqual({ first: 1, last: 25 });
    expect(shownRange(['c1', 'c2'], '10', 3)).toEqual({ first: 21, last: 23 });
  });

  it('reads a list a bookmark chose as alternatives', () => {
    expect(unknownOptionLabel('TODO,DONE')).toBe('TODO or DONE');
    expect(unknownOptionLabel('WS')).toBe('WS');
  });

  it('offers a page size only the URL knows besides the usual ones', () => {
    expect(pageSizes('25')).toEqual(['10', '25', '50', '100']);
    expect(pageSizes('7')).toEqual(['10', '25', '50', '100', '7']);
  });

  it('pushes the next cursor and pops the last one', () => {
    expect(nextPages([], 'c1')).toBe('c1');
    expect(nextPages(['c1'], 'c2')).toBe('c1,c2');
    expect(previousPages(['c1', 'c2'])).toBe('c1');
    expect(previousPages(['c1'])).toBe('');
  });
});

describe('sortable columns', () => {
  it('goes ascending, then descending, then ascending again', () => {
    expect(columnSort('updatedAt', '-createdAt')).toEqual({
      direction: 'none',
      next: 'updatedAt',
      arrow: '',
    });
    expect(columnSort('updatedAt', 'updatedAt')).toEqual({
      direction: 'ascending',
      next: '-updatedAt',
      arrow: ' ↑',
    });
    expect(columnSort('updatedAt', '-updatedAt')).toEqual({
      direction: 'descending',
      next: 'updatedAt',
      arrow: ' ↓',
    });
  });
});
