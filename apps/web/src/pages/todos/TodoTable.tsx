import type { Todo, TodoList as TodoPage } from '@bzctrl/sdk';
import type { ReactNode, Ref } from 'react';
import { todoHref } from '../../router.ts';
import { Badge } from '../../ui/components.tsx';
import {
  formatDate,
  formatDateTime,
  LEVEL_LABEL,
  STATUS_LABEL,
  TYPE_LABEL,
} from '../../ui/format.ts';
import { columnSort, nextPages, pageSizes, previousPages } from './todos.logic.ts';
import { update } from './update.ts';
import { COLUMNS, type ColumnId, type ListView, personLabel, SORTABLE } from './view.logic.ts';

type Me = { email: string; name: string };

/** A column header that sorts by its date, ascending then descending; aria-sort says how. */
function SortHeader({ id, label, sort }: { id: ColumnId; label: string; sort: string }) {
  const { direction, next, arrow } = columnSort(id, sort);
  return (
    <th scope="col" aria-sort={direction} className={`todos-col--${id}`}>
      <button type="button" className="todos-sort" onClick={() => update({ sort: next })}>
        {label}
        <span aria-hidden="true">{arrow}</span>
      </button>
    </th>
  );
}

/** A person by name, the e-mail on hover and for screen readers. */
function Person({ email, me }: { email: string; me: Me }) {
  const name = personLabel(email, me);
  return (
    <td className="todos-table__person" title={email}>
      {name}
      {name !== email && <span className="visually-hidden"> ({email})</span>}
    </td>
  );
}

function DateCell({ value, title }: { value: string | null; title?: string }) {
  return (
    <td className="todos-table__date" title={title}>
      {value ? <time dateTime={value}>{formatDate(value)}</time> : '—'}
    </td>
  );
}

function cell(id: ColumnId, t: Todo, me: Me): ReactNode {
  switch (id) {
    case 'key':
      return (
        <td key={id} className="todos-table__key">
          {t.key}
        </td>
      );
    case 'type':
      return (
        <td key={id}>
          <Badge tone={t.todoType}>{TYPE_LABEL[t.todoType]}</Badge>
        </td>
      );
    case 'title':
      // The one link of the row: its name is the full title, also shown on hover.
      return (
        <td key={id} className="todos-table__title" data-title={t.title}>
          <a href={todoHref(t.key)} title={t.title} onFocus={markTruncated}>
            {t.title}
          </a>
        </td>
      );
    case 'status':
      return (
        <td key={id}>
          <Badge tone={t.status}>{STATUS_LABEL[t.status]}</Badge>
        </td>
      );
    case 'priority':
      return (
        <td key={id}>
          {t.priority ? <Badge tone={t.priority}>{LEVEL_LABEL[t.priority]}</Badge> : '—'}
        </td>
      );
    case 'assignee':
      return <Person key={id} email={t.assignee} me={me} />;
    case 'reporter':
      return <Person key={id} email={t.reporter} me={me} />;
    case 'workspace':
      return (
        <td key={id} className="todos-table__workspace" title={t.workspaceName}>
          {t.workspace}
        </td>
      );
    case 'dueDate':
      return <DateCell key={id} value={t.dueDate} />;
    case 'reminderDate':
      return <DateCell key={id} value={t.reminderDate} />;
    case 'updatedAt':
      return <DateCell key={id} value={t.updatedAt} title={formatDateTime(t.updatedAt)} />;
    case 'createdAt':
      return <DateCell key={id} value={t.createdAt} title={formatDateTime(t.createdAt)} />;
  }
}

/**
 * A title cut short shows in full beside the row while it has the keyboard focus (the
 * mouse has the link's title); one that fits needs nothing.
 */
function markTruncated(e: { currentTarget: HTMLAnchorElement }) {
  const link = e.currentTarget;
  link.parentElement?.toggleAttribute('data-truncated', link.scrollWidth > link.clientWidth);
}

/**
 * The todos, one line each. `active` is the row the keyboard is on (j/k, arrows); focusing
 * a row's link by any means makes it the active one.
 */
export function TodoTable({
  items,
  sort,
  view,
  me,
  active,
  onActive,
  tableRef,
}: {
  items: Todo[];
  sort: string;
  view: ListView;
  me: Me;
  active: number | undefined;
  onActive: (index: number) => void;
  tableRef: Ref<HTMLTableElement>;
}) {
  const columns = COLUMNS.filter((c) => view.columns.includes(c.id));
  return (
    <div className="table-wrap todos-table-wrap">
      <table ref={tableRef} className={`todos-table todos-table--${view.density}`}>
        <caption className="visually-hidden">Todos matching the filters</caption>
        <colgroup>
          {columns.map((c) => (
            <col key={c.id} className={`todos-col--${c.id}`} />
          ))}
        </colgroup>
        <thead>
          <tr>
            {columns.map((c) =>
              SORTABLE.has(c.id) ? (
                <SortHeader key={c.id} id={c.id} label={c.label} sort={sort} />
              ) : (
                <th key={c.id} scope="col">
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((t, i) => (
            <tr
              key={t.key}
              data-key={t.key}
              className={i === active ? 'is-active' : undefined}
              onFocus={() => onActive(i)}
            >
              {columns.map((c) => cell(c.id, t, me))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pager({ page, pages, limit }: { page: TodoPage; pages: string[]; limit: string }) {
  return (
    <nav className="todos-pager" aria-label="Pages">
      <div className="todos-pager__buttons">
        <button
          type="button"
          className="button button--secondary"
          disabled={pages.length === 0}
          onClick={() => update({ pages: previousPages(pages) }, true)}
        >
          ← Previous
        </button>
        <span>Page {pages.length + 1}</span>
        <button
          type="button"
          className="button button--secondary"
          disabled={!page.nextCursor}
          onClick={() =>
            page.nextCursor && update({ pages: nextPages(pages, page.nextCursor) }, true)
          }
        >
          Next →
        </button>
      </div>
      <label className="todos-pager__size">
        Per page{' '}
        <select value={limit} onChange={(e) => update({ limit: e.target.value })}>
          {pageSizes(limit).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
