import { BzCtrlError, type SharedTodo as Shared } from '@bzctrl/sdk';
import { type ReactNode, useEffect } from 'react';
import { bz } from '../../api.ts';
import { Badge, Empty, ErrorNote, Loading } from '../../ui/components.tsx';
import {
  formatDate,
  formatDateTime,
  LEVEL_LABEL,
  STATUS_LABEL,
  TYPE_LABEL,
} from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import '../todo/todo.css';
import '../todo/history.css';
import './shared.css';

/**
 * What a shared link opens (`#/shared/<token>`): one todo, read-only, for anyone holding
 * the link, signed in or not. Nothing here edits, and nothing leads to another todo or
 * into the app: the page only shows what the link's answer holds.
 */
export default function SharedTodo({ token }: { token: string }) {
  const shared = useAsync(() => bz.links.read(token), [token]);
  const title = shared.data?.title;

  useEffect(() => {
    document.title = `${title ?? 'Shared todo'} · BzCtrl`;
  }, [title]);

  let body: ReactNode;
  if (shared.status === 'error') {
    body =
      shared.error instanceof BzCtrlError && shared.error.status === 404 ? (
        <div className="card">
          <Empty title="This link does not work">
            <p>
              It has expired, was revoked, or was not copied completely. Ask whoever shared it for a
              new link.
            </p>
          </Empty>
        </div>
      ) : (
        <ErrorNote error={shared.error} onRetry={shared.reload} />
      );
  } else if (shared.data) body = <SharedView todo={shared.data} />;
  else body = <Loading label="Loading the shared todo…" />;

  return (
    <div className="shared">
      <header className="shared__bar">
        <span className="shared__brand">BzCtrl</span>
        <span className="shared__note">Shared read-only view</span>
      </header>
      <main id="main" className="shared__main">
        {body}
      </main>
    </div>
  );
}

function SharedView({ todo: t }: { todo: Shared }) {
  const level = (v: Shared['priority']) => (v ? <Badge tone={v}>{LEVEL_LABEL[v]}</Badge> : '—');
  const date = (v: string | null) => (v ? <time dateTime={v}>{formatDate(v)}</time> : '—');
  const list = (values: string[]) =>
    values.length ? (
      <ul className="todo-chips">
        {values.map((v) => (
          <li key={v}>{v}</li>
        ))}
      </ul>
    ) : (
      '—'
    );
  return (
    <article className="todo" aria-labelledby="todo-title">
      <header className="todo-header">
        <div className="todo-header__ids">
          <span className="todo-header__key">{t.key}</span>
          <Badge tone={t.todoType}>{TYPE_LABEL[t.todoType]}</Badge>
        </div>
        <h1 id="todo-title">{t.title}</h1>
        <dl className="todo-header__meta">
          <Meta term="Status">
            <Badge tone={t.status}>{STATUS_LABEL[t.status]}</Badge>
          </Meta>
          <Meta term="Workspace">
            {t.workspaceName} <span className="todo-muted">{t.workspace}</span>
          </Meta>
          <Meta term="Created">
            <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
          </Meta>
          <Meta term="Updated">
            <time dateTime={t.updatedAt}>{formatDateTime(t.updatedAt)}</time>
          </Meta>
        </dl>
        <p className="todo-muted shared__expiry">
          This link works until{' '}
          <time dateTime={t.linkExpiresAt}>{formatDateTime(t.linkExpiresAt)}</time>.
        </p>
      </header>

      <div className="shared__layout">
        <div className="todo-column">
          <section className="card todo-section" aria-labelledby="shared-details">
            <h2 id="shared-details">Details</h2>
            <dl className="todo-props todo-props--main">
              <Prop term="Description">
                <span className="todo-prose">{t.description || '—'}</span>
              </Prop>
              <Prop term="Result">
                <span className="todo-prose">{t.result || '—'}</span>
              </Prop>
            </dl>
          </section>
          <StatusHistory items={t.statusHistory} />
        </div>
        <aside className="todo-column" aria-label="Properties">
          <section className="card todo-section" aria-labelledby="shared-properties">
            <h2 id="shared-properties">Properties</h2>
            <dl className="todo-props">
              <Prop term="Type">{TYPE_LABEL[t.todoType]}</Prop>
              <Prop term="Priority">{level(t.priority)}</Prop>
              <Prop term="Impact">{level(t.impact)}</Prop>
              <Prop term="Likelihood">{level(t.likelihood)}</Prop>
              <Prop term="Due date">{date(t.dueDate)}</Prop>
              <Prop term="Reminder date">{date(t.reminderDate)}</Prop>
              <Prop term="Categories">{list(t.category)}</Prop>
              <Prop term="Sub-categories">{list(t.subCategory)}</Prop>
              <Prop term="Tags">{list(t.tags)}</Prop>
            </dl>
          </section>
        </aside>
      </div>
    </article>
  );
}

/** The changes of status, newest first, as the details page's history shows changes. */
function StatusHistory({ items }: { items: Shared['statusHistory'] }) {
  return (
    <section className="card todo-section" aria-labelledby="shared-history">
      <h2 id="shared-history">Status history</h2>
      {items.length === 0 ? (
        <Empty title="No changes of status recorded" />
      ) : (
        <ol className="todo-history">
          {[...items].reverse().map((h) => (
            <li key={`${h.at}-${h.to}`} className="todo-history__item">
              <div className="todo-history__head">
                <strong>
                  {h.from === null ? (
                    <>Created as {STATUS_LABEL[h.to]}</>
                  ) : (
                    <>
                      <span className="todo-history__old">{STATUS_LABEL[h.from]}</span>
                      {' → '}
                      {STATUS_LABEL[h.to]}
                    </>
                  )}
                </strong>
                <time dateTime={h.at} className="todo-history__at">
                  {formatDateTime(h.at)}
                </time>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Prop({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="todo-prop">
      <dt>{term}</dt>
      <dd>
        <span className="todo-prop__value">{children}</span>
      </dd>
    </div>
  );
}

function Meta({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
