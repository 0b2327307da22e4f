import type { ListTodosQuery } from '@bzctrl/sdk';
import { useEffect, useRef, useState } from 'react';
import { call, fieldErrors, raw } from '../../api.ts';
import { href, navigate, todoHref } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { Empty, ErrorNote, Loading, PageHeader } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { Filters } from './filters.tsx';
import { Pager, TodoTable } from './TodoTable.tsx';
import {
  apiQuery,
  CLEAR_FILTERS,
  isFiltered,
  newTodoWorkspace,
  readState,
  START_AGAIN,
  shownRange,
  totalText,
} from './todos.logic.ts';
import { update } from './update.ts';
import { useListView } from './use-list-view.ts';
import { ViewMenu } from './ViewMenu.tsx';
import { listAction, movedRow } from './view.logic.ts';
import './todos.css';

type Workspaces = { items: { key: string; name: string; domainName: string }[] };

const clearFilters = () => update(CLEAR_FILTERS);

/**
 * The todo lists (`#/todos`): filters, search, sort and pages, all in the URL's query so
 * a view can be bookmarked and a reload restores it. Columns and density are the user's
 * local settings; the keyboard moves between rows (see `listAction`).
 */
export default function TodoList({ query }: { query: URLSearchParams }) {
  const state = readState(query);
  const { filters, sort, limit, pages } = state;
  const filtered = isFiltered(filters);
  const listQuery = apiQuery(state);

  const list = useAsync(
    () => call((c) => c.todos.list(listQuery as ListTodosQuery)),
    [JSON.stringify(listQuery)],
  );
  const workspaces = useAsync(
    () => raw<Workspaces>((r) => r.GET('/bzctrl-core-api/api/v1/workspaces')),
    [],
  );
  const errors = list.status === 'error' ? fieldErrors(list.error) : {};
  const { session } = useSession();
  const [view, setView] = useListView(session.user.email);
  const [active, setActive] = useState<number | undefined>();
  const table = useRef<HTMLTableElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const items = list.data?.items;
  const count = items?.length ?? 0;
  const createHref = href('/new', { workspace: newTodoWorkspace(filters) });

  // Another page of todos: the keyboard starts again from the top.
  const shownKeys = items?.map((t) => t.key).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows shown are the trigger
  useEffect(() => setActive(undefined), [shownKeys]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target instanceof HTMLElement ? event.target : document.body;
      const action = listAction(event, {
        tagName: target.tagName,
        isContentEditable: target.isContentEditable,
        inTable: Boolean(table.current?.contains(target)),
      });
      if (!action) return;
      if (action === 'search') {
        root.current?.querySelector<HTMLInputElement>('input[type="search"]')?.focus();
      } else if (action === 'create') {
        navigate(createHref);
      } else if (action === 'open') {
        const key = items?.[active ?? -1]?.key;
        if (!key) return;
        navigate(todoHref(key));
      } else {
        const next = movedRow(active, count, action);
        if (next === undefined) return;
        const link = table.current?.tBodies[0]?.rows[next]?.querySelector('a');
        link?.focus();
        link?.closest('tr')?.scrollIntoView({ block: 'nearest' });
        setActive(next);
      }
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active, count, items, createHref]);

  const page = list.data;
  // While the next page loads, the rows are still the last page's: no range for them.
  const range = page && list.status === 'ready' && shownRange(pages, limit, page.items.length);

  return (
    <div className="todos" ref={root}>
      <PageHeader title="Todos">
        <span className="todos-summary" aria-live="polite">
          {page?.total !== undefined && list.status !== 'error' && (
            <>
              <strong>{totalText(page.total)}</strong>
              {range && page.items.length > 0 && (
                <span>
                  {' '}
                  · showing {range.first}–{range.last}
                </span>
              )}
            </>
          )}
        </span>
        {filtered && (
          <button type="button" className="button button--link" onClick={clearFilters}>
            Clear filters
          </button>
        )}
        <ViewMenu view={view} onChange={setView} />
        <a className="button" href={createHref} aria-keyshortcuts="c">
          New todo
        </a>
      </PageHeader>

      <Filters
        filters={filters}
        sort={sort}
        errors={errors}
        workspaces={workspaces.data?.items ?? []}
      />

      {list.status === 'error' ? (
        <div className="todos-error">
          <ErrorNote error={list.error} onRetry={list.reload} />
          {(filtered || pages.length > 0) && (
            <button
              type="button"
              className="button button--secondary"
              onClick={() => update(START_AGAIN)}
            >
              Clear filters and start again
            </button>
          )}
        </div>
      ) : !page ? (
        <Loading label="Loading todos…" />
      ) : page.items.length === 0 ? (
        <div className="card">
          {filtered ? (
            <Empty title="No todos match these filters">
              <button type="button" className="button button--secondary" onClick={clearFilters}>
                Clear filters
              </button>
            </Empty>
          ) : (
            <Empty title="No todos yet">
              <a href="#/new">Create the first one</a>
            </Empty>
          )}
        </div>
      ) : (
        <div
          className={`card todos-results${list.status === 'loading' ? ' todos-results--stale' : ''}`}
          aria-busy={list.status === 'loading'}
        >
          <TodoTable
            items={page.items}
            sort={sort}
            view={view}
            me={session.user}
            active={active}
            onActive={setActive}
            tableRef={table}
          />
          <Pager page={page} pages={pages} limit={limit} />
        </div>
      )}
    </div>
  );
}
