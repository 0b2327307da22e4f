import type { Todo, TodoList as TodoPage } from '@bzctrl/sdk';
import { todoHref } from '../../router.ts';
import { Badge } from '../../ui/components.tsx';
import {
  formatDate,
  formatDateTime,
  LEVEL_LABEL,
  STATUS_LABEL,
  TYPE_LABEL,
} from '../../ui/format.ts';
import { columnSort, dateColumnField, nextPages, pageSizes, previousPages } from './todos.logic.ts';
import { update } from './update.ts';

/** A column header that sorts by its date, ascending then descending; aria-sort says how. */
function SortHeader({ label, field, sort }: { label: string; field: string; sort: string }) {
  const { direction, next, arrow } = columnSort(field, sort);
  return (
    <th scope="col" aria-sort={direction}>
      <button type="button" className="todos-sort" onClick={() => update({ sort: next })}>
        {label}
        <span aria-hidden="true">{arrow}</span>
      </button>
    </th>
  );
}

export function TodoTable({ items, sort }: { items: Todo[]; sort: string }) {
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
            <SortHeader label="Due / reminder" field={dateColumnField(sort)} sort={sort} />
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
