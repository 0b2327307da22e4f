import type { ListTodosQuery } from '@bzctrl/sdk';
import { call, fieldErrors, raw } from '../../api.ts';
import { href } from '../../router.ts';
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
import './todos.css';

type Workspaces = { items: { key: string; name: string; domainName: string }[] };

const clearFilters = () => update(CLEAR_FILTERS);

/**
 * The todo lists (`#/todos`): filters, search, sort and pages, all in the URL's query so
 * a view can be bookmarked and a reload restores it.
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

  const page = list.data;
  // While the next page loads, the rows are still the last page's: no range for them.
  const range = page && list.status === 'ready' && shownRange(pages, limit, page.items.length);

  return (
    <div className="todos">
      <PageHeader title="Todos">
        <a className="button" href={href('/new', { workspace: newTodoWorkspace(filters) })}>
          New todo
        </a>
      </PageHeader>

      <Filters
        filters={filters}
        sort={sort}
        errors={errors}
        workspaces={workspaces.data?.items ?? []}
      />

      <div className="todos-summary">
        <span aria-live="polite">
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
      </div>

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
          <TodoTable items={page.items} sort={sort} />
          <Pager page={page} pages={pages} limit={limit} />
        </div>
      )}
    </div>
  );
}
