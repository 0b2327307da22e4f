import type { UpdateTodoBody } from '@bzctrl/sdk';
import { useCallback, useState } from 'react';
import { BzCtrlError, describeError, fieldErrors, raw } from '../../api.ts';
import { Empty, ErrorNote, Loading, PageHeader } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { valuesOf } from '../form/form.logic.ts';
import { Attachments } from './Attachments.tsx';
import { Comments } from './Comments.tsx';
import {
  CONFLICT_ERROR,
  CONFLICT_NOTICE,
  createdByText,
  customFieldNames,
  errorAtField,
  type Notice,
  noticeAfterSave,
  readForm,
} from './details.logic.ts';
import { History } from './History.tsx';
import { MainSections, PropertySections } from './sections.tsx';
import { TodoHeader } from './TodoHeader.tsx';
import { loadTodo, patchTodo } from './todo-api.ts';
import { Watchers } from './Watchers.tsx';
import './todo.css';

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
      setNotice(noticeAfterSave(field, value, next.todo, notice));
      return undefined;
    } catch (err) {
      if (err instanceof BzCtrlError && err.status === 412) {
        setNotice(CONFLICT_NOTICE);
        todo.reload();
        touched();
        return CONFLICT_ERROR;
      }
      return errorAtField(field, fieldErrors(err), describeError(err));
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
  const users = form.data?.users ?? [];
  // The edit form's values of the todo: which fields it offers is decided by the same rule.
  const stored = valuesOf(t);

  return (
    <article className="todo" aria-labelledby="todo-title">
      <TodoHeader
        todo={t}
        domainName={form.data?.domainName}
        createdBy={createdByText(history.data?.items, t.createdVia)}
        notice={notice}
        onStatus={(s) => save('status', s)}
      >
        {todo.status === 'error' && <ErrorNote error={todo.error} onRetry={todo.reload} />}
      </TodoHeader>

      {/* Three blocks: beside each other at desktop widths, and on a narrow screen the
          properties come between the details and the (long) activity. */}
      <div className="todo-layout">
        <div className="todo-column todo-layout__main">
          <MainSections
            todo={t}
            stored={stored}
            customNames={customFieldNames(form.data?.customFields ?? [], t.customFields)}
            customRules={form.data?.customRules ?? []}
            save={save}
          />
        </div>

        <aside className="todo-column todo-layout__side" aria-label="Properties">
          <PropertySections todo={t} stored={stored} users={users} save={save} />
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
