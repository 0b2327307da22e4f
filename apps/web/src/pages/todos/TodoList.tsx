import type { ListTodosQuery, Todo, TodoList as TodoPage } from '@bzctrl/sdk';
import { useEffect, useRef, useState } from 'react';
import { call, fieldErrors, raw } from '../../api.ts';
import { href, navigate, parseRoute, todoHref } from '../../router.ts';
import { Badge, Empty, ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import {
  formatDate,
  formatDateTime,
  LEVEL_LABEL,
  LEVELS,
  STATUS_LABEL,
  TYPE_LABEL,
} from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import './todos.css';

type Workspaces = { items: { key: string; name: string; domainName: string }[] };

/** The API's filters this page offers; each lives in the URL under the API's own name. */
const FILTERS = [
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
type FilterName = (typeof FILTERS)[number];
/** Filters behind "More filters"; it opens by itself when one of them is set. */
const MORE: FilterName[] = FILTERS.slice(5);

/** The API's closed set of sort orders, in words. */
const SORTS = [
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

/**
 * The page's state is the URL's query, so a view can be bookmarked and a reload restores
 * it: the filters, `sort`, `limit` and `pages`, the cursors that led to the page shown
 * (a stack: Next pushes the answer's `nextCursor`, Previous pops).
 */
function readState(query: URLSearchParams) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<
    FilterName,
    string
  >;
  const sort = query.get('sort') || DEFAULT_SORT;
  const limit = query.get('limit') || DEFAULT_LIMIT;
  const pages = (query.get('pages') ?? '').split(',').filter(Boolean);
  return { filters, sort, limit, pages };
}

/**
 * Changes the URL's query. It reads the current hash rather than a rendered copy, so a
 * debounced search that fires late never undoes a filter changed in between. Any change
 * but paging starts again at the first page.
 */
function update(changes: Record<string, string | undefined>, keepPage = false) {
  const params = new URLSearchParams(parseRoute(window.location.hash.replace(/^#/, '')).query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  if (!keepPage && !('pages' in changes)) params.delete('pages');
  navigate(href('/todos', Object.fromEntries(params)), { replace: true });
}

function clearFilters() {
  update(Object.fromEntries(FILTERS.map((f) => [f, undefined])));
}

export default function TodoList({ query }: { query: URLSearchParams }) {
  const { filters, sort, limit, pages } = readState(query);
  const filtered = FILTERS.some((f) => filters[f] !== '');

  const apiQuery: Record<string, string | boolean> = { sort, limit, total: true };
  for (const f of FILTERS) if (filters[f]) apiQuery[f] = filters[f];
  const cursor = pages.at(-1);
  if (cursor) apiQuery.cursor = cursor;
  const apiKey = JSON.stringify(apiQuery);

  // The SDK sends a comma-separated value as it is; the API reads it as a list.
  const list = useAsync(() => call((c) => c.todos.list(apiQuery as ListTodosQuery)), [apiKey]);
  const workspaces = useAsync(
    () => raw<Workspaces>((r) => r.GET('/bzctrl-core-api/api/v1/workspaces')),
    [],
  );
  const errors = list.status === 'error' ? fieldErrors(list.error) : {};

  const page = list.data;
  const first = pages.length * Number(limit) + 1;

  return (
    <div className="todos">
      <PageHeader title="Todos">
        <a
          className="button"
          href={href('/new', {
            workspace: filters.workspace.includes(',') ? '' : filters.workspace,
          })}
        >
          New todo
        </a>
      </PageHeader>

      <section className="card todos-filters" aria-label="Filters">
        <div className="todos-filters__top">
          <div className="todos-filters__search">
            <TextFilter
              label="Search"
              name="q"
              type="search"
              value={filters.q}
              placeholder="Words in title, description, result or tags"
              error={errors.q}
            />
          </div>
          <div className="todos-filters__sort">
            <Field label="Sort by">
              {(p) => (
                <select {...p} value={sort} onChange={(e) => update({ sort: e.target.value })}>
                  {SORTS.map(([v, l]) => (
                    <option key={v} value={v}>
                      {l}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </div>
        <div className="todos-filters__main">
          <SelectFilter
            label="Workspace"
            name="workspace"
            value={filters.workspace}
            any="All my workspaces"
            options={(workspaces.data?.items ?? []).map((w) => [w.key, `${w.key} · ${w.name}`])}
          />
          <SelectFilter
            label="Type"
            name="type"
            value={filters.type}
            any="Any type"
            options={TYPE_OPTIONS}
          />
          <SelectFilter
            label="Status"
            name="status"
            value={filters.status}
            any="Any status"
            options={STATUS_OPTIONS}
          />
          <SelectFilter
            label="Priority"
            name="priority"
            value={filters.priority}
            any="Any priority"
            options={LEVEL_OPTIONS}
          />
        </div>

        <details className="todos-filters__more" open={MORE.some((f) => filters[f] !== '')}>
          <summary>More filters</summary>
          <div className="todos-filters__grid">
            <SelectFilter
              label="Impact"
              name="impact"
              value={filters.impact}
              any="Any impact"
              options={LEVEL_OPTIONS}
            />
            <SelectFilter
              label="Likelihood"
              name="likelihood"
              value={filters.likelihood}
              any="Any likelihood"
              options={LEVEL_OPTIONS}
            />
            <TextFilter
              label="Assignee"
              name="assignee"
              type="email"
              value={filters.assignee}
              placeholder="name@example.com"
              error={errors.assignee}
            />
            <TextFilter
              label="Reporter"
              name="reporter"
              type="email"
              value={filters.reporter}
              placeholder="name@example.com"
              error={errors.reporter}
            />
            <TextFilter
              label="Tag"
              name="tag"
              value={filters.tag}
              placeholder="Exact tag, order ID or LRN"
              error={errors.tag}
            />
            <TextFilter
              label="Category"
              name="category"
              value={filters.category}
              placeholder="Exact category"
              error={errors.category}
            />
            <DateFilter
              label="Due from"
              name="dueFrom"
              value={filters.dueFrom}
              error={errors.dueFrom}
            />
            <DateFilter label="Due to" name="dueTo" value={filters.dueTo} error={errors.dueTo} />
            <DateFilter
              label="Reminder from"
              name="reminderFrom"
              value={filters.reminderFrom}
              error={errors.reminderFrom}
            />
            <DateFilter
              label="Reminder to"
              name="reminderTo"
              value={filters.reminderTo}
              error={errors.reminderTo}
            />
            <DateFilter
              label="Created from"
              name="createdFrom"
              value={filters.createdFrom}
              error={errors.createdFrom}
            />
            <DateFilter
              label="Created to"
              name="createdTo"
              value={filters.createdTo}
              error={errors.createdTo}
            />
            <DateFilter
              label="Updated from"
              name="updatedFrom"
              value={filters.updatedFrom}
              error={errors.updatedFrom}
            />
            <DateFilter
              label="Updated to"
              name="updatedTo"
              value={filters.updatedTo}
              error={errors.updatedTo}
            />
          </div>
        </details>
      </section>

      <div className="todos-summary">
        <span aria-live="polite">
          {page?.total !== undefined && list.status !== 'error' && (
            <>
              <strong>
                {page.total} {page.total === 1 ? 'todo' : 'todos'}
              </strong>
              {page.items.length > 0 && (
                <span>
                  {' '}
                  · showing {first}–{first + page.items.length - 1}
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
              onClick={() =>
                update(Object.fromEntries([...FILTERS, 'pages', 'sort'].map((f) => [f, undefined])))
              }
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

const LEVEL_OPTIONS: Options = LEVELS.map((v) => [v, LEVEL_LABEL[v]]);
const TYPE_OPTIONS: Options = Object.entries(TYPE_LABEL);
const STATUS_OPTIONS: Options = [
  ['TODO,INPROGRESS', 'Open (To do or In Progress)'],
  ...Object.entries(STATUS_LABEL),
];

type Options = (readonly [string, string])[];

/** A select filter; a value only a bookmark knows (a list, say) still shows as chosen. */
function SelectFilter({
  label,
  name,
  value,
  any,
  options,
}: {
  label: string;
  name: FilterName;
  value: string;
  any: string;
  options: Options;
}) {
  const known = options.some(([v]) => v === value);
  return (
    <Field label={label}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => update({ [name]: e.target.value })}>
          <option value="">{any}</option>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
          {value && !known && <option value={value}>{value.split(',').join(' or ')}</option>}
        </select>
      )}
    </Field>
  );
}

/**
 * A typed filter, sent once the user pauses typing (or presses Enter), so the list does
 * not reload on every keystroke. A change of the URL (back, a bookmark) wins over the text.
 */
function TextFilter({
  label,
  name,
  value,
  type = 'text',
  placeholder,
  error,
}: {
  label: string;
  name: FilterName;
  value: string;
  type?: 'text' | 'search' | 'email';
  placeholder?: string;
  error?: string | undefined;
}) {
  const [text, setText] = useState(value);
  const sent = useRef(value);
  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text.trim() === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text.trim();
      update({ [name]: text.trim() });
    }, 350);
    return () => clearTimeout(timer);
  }, [text, name]);
  return (
    <Field label={label} error={error}>
      {(p) => (
        <input
          {...p}
          type={type}
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              sent.current = text.trim();
              update({ [name]: text.trim() });
            }
          }}
        />
      )}
    </Field>
  );
}

function DateFilter({
  label,
  name,
  value,
  error,
}: {
  label: string;
  name: FilterName;
  value: string;
  error?: string | undefined;
}) {
  return (
    <Field label={label} error={error}>
      {(p) => (
        <input
          {...p}
          type="date"
          value={value}
          onChange={(e) => update({ [name]: e.target.value })}
        />
      )}
    </Field>
  );
}

/** A column header that sorts by its date, ascending then descending; aria-sort says how. */
function SortHeader({ label, field, sort }: { label: string; field: string; sort: string }) {
  const direction = sort === field ? 'ascending' : sort === `-${field}` ? 'descending' : 'none';
  const next = direction === 'descending' ? field : direction === 'ascending' ? `-${field}` : field;
  return (
    <th scope="col" aria-sort={direction}>
      <button type="button" className="todos-sort" onClick={() => update({ sort: next })}>
        {label}
        <span aria-hidden="true">
          {direction === 'ascending' ? ' ↑' : direction === 'descending' ? ' ↓' : ''}
        </span>
      </button>
    </th>
  );
}

function TodoTable({ items, sort }: { items: Todo[]; sort: string }) {
  return (
    <div className="table-wrap">
      <table className="todos-table">
        <caption className="visually-hidden">Todos matching the filters</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Type</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Priority</th>
            <th scope="col">Assignee</th>
            <th scope="col">Workspace</th>
            <SortHeader
              label="Due / reminder"
              field={sort.endsWith('reminderDate') ? 'reminderDate' : 'dueDate'}
              sort={sort}
            />
            <SortHeader label="Updated" field="updatedAt" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.key}>
              <td className="todos-table__key">
                <a href={todoHref(t.key)}>{t.key}</a>
              </td>
              <td>
                <Badge tone={t.todoType}>{TYPE_LABEL[t.todoType]}</Badge>
              </td>
              <td className="todos-table__title">{t.title}</td>
              <td>
                <Badge tone={t.status}>{STATUS_LABEL[t.status]}</Badge>
              </td>
              <td>
                {t.priority ? <Badge tone={t.priority}>{LEVEL_LABEL[t.priority]}</Badge> : '—'}
              </td>
              <td className="todos-table__person" title={t.assignee}>
                {t.assignee}
              </td>
              <td className="todos-table__workspace" title={t.workspaceName}>
                {t.workspace}
              </td>
              <td className="todos-table__dates">
                <span>{t.dueDate ? `Due ${formatDate(t.dueDate)}` : 'No due date'}</span>
                {t.reminderDate && (
                  <span className="todos-table__muted">Reminder {formatDate(t.reminderDate)}</span>
                )}
              </td>
              <td className="todos-table__muted" title={formatDateTime(t.updatedAt)}>
                {formatDate(t.updatedAt)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ page, pages, limit }: { page: TodoPage; pages: string[]; limit: string }) {
  return (
    <nav className="todos-pager" aria-label="Pages">
      <div className="todos-pager__buttons">
        <button
          type="button"
          className="button button--secondary"
          disabled={pages.length === 0}
          onClick={() => update({ pages: pages.slice(0, -1).join(',') }, true)}
        >
          ← Previous
        </button>
        <span>Page {pages.length + 1}</span>
        <button
          type="button"
          className="button button--secondary"
          disabled={!page.nextCursor}
          onClick={() =>
            page.nextCursor && update({ pages: [...pages, page.nextCursor].join(',') }, true)
          }
        >
          Next →
        </button>
      </div>
      <label className="todos-pager__size">
        Per page{' '}
        <select value={limit} onChange={(e) => update({ limit: e.target.value })}>
          {(PAGE_SIZES.includes(limit) ? PAGE_SIZES : [...PAGE_SIZES, limit]).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
