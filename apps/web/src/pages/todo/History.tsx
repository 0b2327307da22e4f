import type { TodoHistory } from '@bzctrl/sdk';
import { Empty, ErrorNote, Loading } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import type { AsyncState } from '../../ui/use-async.ts';
import {
  actionLabel,
  byText,
  fieldLabel,
  HIDDEN_FIELDS,
  type HistoryEvent,
  valueText,
} from './labels.logic.ts';
import './history.css';

/** The todo's audit trail, newest first: who, through which API, when, and what changed. */
export function History({
  state,
  onRetry,
}: {
  state: AsyncState<TodoHistory>;
  onRetry: () => void;
}) {
  return (
    <section className="card todo-section" aria-labelledby="todo-history">
      <h2 id="todo-history">History</h2>
      {state.data ? (
        state.data.items.length === 0 ? (
          <Empty title="No changes recorded" />
        ) : (
          <ol className="todo-history">
            {[...state.data.items].reverse().map((e) => (
              <HistoryItem key={e.id} event={e} />
            ))}
          </ol>
        )
      ) : state.status === 'loading' ? (
        <Loading label="Loading the history…" />
      ) : null}
      {state.status === 'error' && <ErrorNote error={state.error} onRetry={onRetry} />}
    </section>
  );
}

function HistoryItem({ event }: { event: HistoryEvent }) {
  const comment = event.action === 'comment';
  const file = event.action === 'attach' || event.action === 'detach';
  const watch = event.action === 'watch' || event.action === 'unwatch';
  // A creation lists the initial values that are set; "— → value" adds nothing there.
  const created = event.action === 'create';
  const changes = event.changes.filter(
    (c) => !HIDDEN_FIELDS.has(c.field) && (!created || valueText(c.field, c.new) !== '—'),
  );
  return (
    <li className={`todo-history__item todo-history__item--${event.action}`}>
      <div className="todo-history__head">
        <strong>{actionLabel(event.action)}</strong>
        <span>
          {' by '}
          {byText(event.actor, event.dialect)}
        </span>
        <time dateTime={event.at} className="todo-history__at">
          {formatDateTime(event.at)}
        </time>
      </div>
      {comment || file || watch ? (
        event.changes.map((c) => {
          const v = c.new ?? c.old;
          return comment ? (
            <blockquote key={c.field} className="todo-history__quote">
              {String(v ?? '')}
            </blockquote>
          ) : (
            <p key={c.field} className="todo-history__detail">
              {fieldLabel(c.field)}: {String(v ?? '—')}
            </p>
          );
        })
      ) : changes.length > 0 ? (
        <ul className="todo-history__changes">
          {changes.map((c) => (
            <li key={c.field}>
              <span className="todo-history__field">{fieldLabel(c.field)}</span>{' '}
              {created ? (
                valueText(c.field, c.new)
              ) : (
                <>
                  <span className="todo-history__old">{valueText(c.field, c.old)}</span>
                  {' → '}
                  <span>{valueText(c.field, c.new)}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
