import type { UpdateTodoBody } from '@bzctrl/sdk';
import { useCallback, useState } from 'react';
import { BzCtrlError, describeError, fieldErrors, raw } from '../../api.ts';
import { Badge, CopyButton, Empty, ErrorNote, Loading, PageHeader } from '../../ui/components.tsx';
import {
  formatDate,
  formatDateTime,
  formatEur,
  LEVEL_LABEL,
  LEVELS,
  STATUS_LABEL,
  type Status,
  TYPE_LABEL,
} from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import { Attachments } from './Attachments.tsx';
import { Comments } from './Comments.tsx';
import { History } from './History.tsx';
import { type Editor, InlineField } from './InlineField.tsx';
import { actorText, dialectLabel, valueText } from './labels.ts';
import { loadTodo, patchTodo } from './todo-api.ts';
import { Watchers } from './Watchers.tsx';
import './todo.css';

type Notice = { tone: 'success' | 'warning'; text: string };

/**
 * The details page a taskLink opens (`#/todo/<key>`): every field of the todo, changed in
 * place, with its comments, watchers, files and history. `query` is unused for now; the
 * route passes it to every page.
 */
export default function TodoDetails({ todoKey }: { todoKey: string; query: URLSearchParams }) {
  const todo = useAsync(() => loadTodo(todoKey), [todoKey]);
  const [historyNonce, setHistoryNonce] = useState(0);
  const history = useAsync(
    () =>
      raw((r) =>
        r.GET('/bzctrl-core-api/api/v1/todos/{ref}/history', {
          params: { path: { ref: todoKey } },
        }),
      ),
    [todoKey, historyNonce],
  );
  const touched = useCallback(() => setHistoryNonce((n) => n + 1), []);
  const current = todo.data;
  const workspaceKey = current?.todo.workspace;
  const todoType = current?.todo.todoType;
  // The workspace's form: its users (suggested for people fields), its custom fields (shown
  // even when empty) and the domain's name. Optional: the page works without it.
  const form = useAsync(
    () =>
      workspaceKey
        ? raw((r) =>
            r.GET('/bzctrl-core-api/api/v1/workspaces/{key}/form', {
              params: { path: { key: workspaceKey }, query: { type: todoType ?? 'TASK' } },
            }),
          ).then(readForm)
        : Promise.resolve(undefined),
    [workspaceKey, todoType],
  );
  const [notice, setNotice] = useState<Notice | undefined>();

  /** Saves one field; answers the error to show at it, or nothing when stored. */
  const save = async (field: keyof UpdateTodoBody, value: unknown): Promise<string | undefined> => {
    if (!current) return undefined;
    try {
      const next = await patchTodo(todoKey, current.etag, { [field]: value } as UpdateTodoBody);
      todo.set(next);
      touched();
      if (field === 'status' && value === 'DONE' && next.todo.dueDate) {
        setNotice({ tone: 'success', text: `Due date set to ${formatDate(next.todo.dueDate)}` });
      } else if (field === 'status' || notice?.tone === 'warning') {
        // The due-date notice stays until the status changes again; a conflict warning
        // goes once a change went through.
        setNotice(undefined);
      }
      return undefined;
    } catch (err) {
      if (err instanceof BzCtrlError && err.status === 412) {
        setNotice({
          tone: 'warning',
          text: 'Someone else changed this todo in the meantime. It has been reloaded: check the values and try again.',
        });
        todo.reload();
        touched();
        return 'Not saved: someone else changed this todo. Check the reloaded values and try again.';
      }
      const errors = fieldErrors(err);
      return errors[field] ?? Object.values(errors)[0] ?? describeError(err);
    }
  };

  if (!current) {
    if (todo.status === 'error') {
      const missing = todo.error instanceof BzCtrlError && todo.error.status === 404;
      return (
        <>
          <PageHeader title={todoKey} />
          {missing ? (
            <div className="card">
              <Empty title="Not found, or not in a workspace you can use">
                <p>
                  The todo {todoKey} does not exist, was deleted, or belongs to a workspace you have
                  no access to. <a href="#/todos">Go to your todos</a>
                </p>
              </Empty>
            </div>
          ) : (
            <ErrorNote error={todo.error} onRetry={todo.reload} />
          )}
        </>
      );
    }
    return <Loading label={`Loading ${todoKey}…`} />;
  }

  const t = current.todo;
  const createEvent = history.data?.items.find((e) => e.action === 'create');
  const createdBy = createEvent
    ? `${actorText(createEvent.actor)} via ${dialectLabel(createEvent.dialect)}`
    : `via ${dialectLabel(t.createdVia)}`;
  const users = form.data?.users ?? [];
  const customNames = [
    ...new Set([...(form.data?.customFields ?? []), ...Object.keys(t.customFields)]),
  ];

  const level = (name: 'priority' | 'impact' | 'likelihood', label: string) => (
    <InlineField
      label={label}
      display={t[name] ? <Badge tone={t[name]}>{LEVEL_LABEL[t[name]]}</Badge> : '—'}
      value={t[name] ?? ''}
      editor={LEVEL_EDITOR}
      onSave={(v) => save(name, v || null)}
    />
  );
  const text = (
    name: 'result' | 'orderID' | 'lrn',
    label: string,
    editor: Editor = { kind: 'text' },
  ) => (
    <InlineField
      label={label}
      display={t[name] || '—'}
      value={t[name] ?? ''}
      editor={editor}
      wide={editor.kind === 'textarea'}
      onSave={(v) => save(name, v || null)}
    />
  );
  const date = (name: 'dueDate' | 'reminderDate', label: string) => (
    <InlineField
      label={label}
      display={t[name] ? <time dateTime={t[name]}>{formatDate(t[name])}</time> : '—'}
      value={t[name] ?? ''}
      editor={{ kind: 'date' }}
      onSave={(v) => save(name, v || null)}
    />
  );
  const list = (name: 'category' | 'subCategory' | 'tags', label: string) => (
    <InlineField
      label={label}
      display={t[name].length ? <Chips values={t[name]} /> : '—'}
      value={t[name].join(', ')}
      editor={{ kind: 'list' }}
      onSave={(v) =>
        save(
          name,
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
      }
    />
  );

  return (
    <article className="todo" aria-labelledby="todo-title">
      <header className="todo-header">
        <div className="todo-header__top">
          <div className="todo-header__ids">
            <span className="todo-header__key">{t.key}</span>
            <Badge tone={t.todoType}>{TYPE_LABEL[t.todoType]}</Badge>
            <Badge tone={t.status}>{STATUS_LABEL[t.status]}</Badge>
          </div>
          <div className="todo-header__actions">
            <CopyButton value={t.taskLink} label="Copy link" />
            <a
              className="button button--secondary"
              href={`#/todo/${encodeURIComponent(t.key)}/edit`}
            >
              Edit all fields
            </a>
          </div>
        </div>
        <h1 id="todo-title">{t.title}</h1>
        <dl className="todo-header__meta">
          <div>
            <dt>Workspace</dt>
            <dd>
              {t.workspaceName} <span className="todo-muted">{t.workspace}</span>
            </dd>
          </div>
          <div>
            <dt>Domain</dt>
            <dd>
              {form.data?.domainName ? `${form.data.domainName} ` : ''}
              <span className="todo-muted">{t.domain}</span>
            </dd>
          </div>
          <div>
            <dt>Created by</dt>
            <dd>{createdBy}</dd>
          </div>
          <div>
            <dt>External reference</dt>
            <dd>{t.externalRef ? `${t.externalRef.system} · ${t.externalRef.id}` : '—'}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <time dateTime={t.updatedAt}>{formatDateTime(t.updatedAt)}</time>
            </dd>
          </div>
        </dl>
        <StatusControl status={t.status} onChange={(s) => save('status', s)} />
        {notice && (
          <p className={`notice notice--${notice.tone} todo-notice`} role="status">
            {notice.text}
          </p>
        )}
        {todo.status === 'error' && <ErrorNote error={todo.error} onRetry={todo.reload} />}
      </header>

      {/* Three blocks: beside each other at desktop widths, and on a narrow screen the
          properties come between the details and the (long) activity. */}
      <div className="todo-layout">
        <div className="todo-column todo-layout__main">
          <section className="card todo-section" aria-labelledby="todo-details">
            <h2 id="todo-details">Details</h2>
            <dl className="todo-props todo-props--main">
              <InlineField
                label="Title"
                display={t.title}
                value={t.title}
                editor={{ kind: 'text' }}
                wide
                onSave={(v) => save('title', v)}
              />
              <InlineField
                label="Description"
                display={<span className="todo-prose">{t.description || '—'}</span>}
                value={t.description}
                editor={{ kind: 'textarea' }}
                wide
                onSave={(v) => save('description', v)}
              />
              {text('result', 'Result', { kind: 'textarea' })}
            </dl>
          </section>
          <section className="card todo-section" aria-labelledby="todo-custom">
            <h2 id="todo-custom">Custom fields</h2>
            {customNames.length === 0 ? (
              <p className="todo-muted">— This workspace has no custom fields for this type.</p>
            ) : (
              <dl className="todo-props">
                {customNames.map((name) => (
                  <div className="todo-prop" key={name}>
                    <dt>{name}</dt>
                    <dd>
                      <span className="todo-prop__value">
                        {valueText(name, t.customFields[name])}
                      </span>
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        </div>

        <aside className="todo-column todo-layout__side" aria-label="Properties">
          <section className="card todo-section" aria-labelledby="todo-properties">
            <h2 id="todo-properties">Properties</h2>
            <dl className="todo-props">
              <InlineField
                label="Type"
                display={TYPE_LABEL[t.todoType]}
                value={t.todoType}
                editor={TYPE_EDITOR}
                onSave={(v) => save('todoType', v)}
              />
              {level('priority', 'Priority')}
              {level('impact', 'Impact')}
              {level('likelihood', 'Likelihood')}
              <InlineField
                label="Financial impact"
                display={formatEur(t.financialImpact)}
                value={t.financialImpact ?? ''}
                editor={{ kind: 'money' }}
                onSave={(v) => save('financialImpact', v || null)}
              />
              <InlineField
                label="Assignee"
                display={t.assignee || '—'}
                value={t.assignee}
                editor={{ kind: 'email', users }}
                onSave={(v) => save('assignee', v || null)}
              />
              <InlineField
                label="Reporter"
                display={t.reporter || '—'}
                value={t.reporter}
                editor={{ kind: 'email', users }}
                onSave={(v) => save('reporter', v)}
              />
              {date('dueDate', 'Due date')}
              {date('reminderDate', 'Reminder date')}
            </dl>
          </section>
          <section className="card todo-section" aria-labelledby="todo-classification">
            <h2 id="todo-classification">Classification</h2>
            <dl className="todo-props">
              {list('category', 'Categories')}
              {list('subCategory', 'Sub-categories')}
              {list('tags', 'Tags')}
              {text('orderID', 'Order ID')}
              {text('lrn', 'LRN')}
              {/* Set through the ITSM API (locationName); not changeable here. */}
              <div className="todo-prop">
                <dt>Location</dt>
                <dd>
                  <span className="todo-prop__value">{t.location ?? '—'}</span>
                </dd>
              </div>
            </dl>
          </section>
          <Watchers todoKey={t.key} users={users} onChanged={touched} />
        </aside>

        <div className="todo-column todo-layout__activity">
          <Comments todoKey={t.key} onChanged={touched} />
          <Attachments todoKey={t.key} onChanged={touched} />
          <History state={history} onRetry={history.reload} />
        </div>
      </div>
    </article>
  );
}

const LEVEL_EDITOR: Editor = {
  kind: 'select',
  options: [{ value: '', label: '—' }, ...LEVELS.map((l) => ({ value: l, label: LEVEL_LABEL[l] }))],
};
const TYPE_EDITOR: Editor = {
  kind: 'select',
  options: [
    { value: 'TASK', label: TYPE_LABEL.TASK },
    { value: 'INCIDENT', label: TYPE_LABEL.INCIDENT },
  ],
};

/** The status, changed with one click; Expired is the system's, shown but not settable. */
function StatusControl({
  status,
  onChange,
}: {
  status: Status;
  onChange: (s: Status) => Promise<string | undefined>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const choose = async (s: Status) => {
    if (s === status) return;
    setBusy(true);
    setError(await onChange(s));
    setBusy(false);
  };
  return (
    <fieldset className="todo-status">
      <legend className="todo-status__label">Status</legend>
      <div className="todo-status__group">
        {(['TODO', 'INPROGRESS', 'DONE', 'EXPIRED'] as Status[]).map((s) => (
          <button
            key={s}
            type="button"
            className={`todo-status__option todo-status__option--${s.toLowerCase()}`}
            aria-pressed={s === status}
            disabled={busy || s === 'EXPIRED'}
            title={s === 'EXPIRED' ? 'Set by BzCtrl when the due date has passed' : undefined}
            onClick={() => choose(s)}
          >
            {STATUS_LABEL[s]}
          </button>
        ))}
      </div>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function Chips({ values }: { values: string[] }) {
  return (
    <ul className="todo-chips">
      {values.map((v) => (
        <li key={v}>{v}</li>
      ))}
    </ul>
  );
}

/** What the page uses of the workspace's form schema (a JSON Schema with x- annotations). */
function readForm(schema: Record<string, unknown>) {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const users = props.assignee?.['x-users'];
  const custom = props.customFields?.properties;
  const ws = schema['x-workspace'] as { domainName?: string } | undefined;
  return {
    users: Array.isArray(users) ? users.filter((u): u is string => typeof u === 'string') : [],
    customFields: custom && typeof custom === 'object' ? Object.keys(custom) : [],
    domainName: ws?.domainName,
  };
}
