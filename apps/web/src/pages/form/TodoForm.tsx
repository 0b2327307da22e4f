import { raw } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { ErrorNote, Loading, PageHeader } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { loadTodo } from '../todo/todo-api.ts';
import { Editor } from './Editor.tsx';
import {
  blankValues,
  startType,
  startWorkspace,
  type Values,
  valuesOf,
  type Workspace,
} from './form.logic.ts';
import './form.css';

/** The new-todo and edit page: loads the workspaces (and the todo), then the editor. */
export default function TodoForm({ todoKey, query }: { todoKey?: string; query: URLSearchParams }) {
  const { session } = useSession();
  const workspaces = useAsync(
    () => raw<{ items: Workspace[] }>((r) => r.GET('/bzctrl-core-api/api/v1/workspaces')),
    [],
  );
  const existing = useAsync(
    // With its ETag: saving sends If-Match, so a change made meanwhile is not overwritten.
    () => (todoKey ? loadTodo(todoKey) : Promise.resolve(undefined)),
    [todoKey],
  );

  const error =
    workspaces.status === 'error'
      ? workspaces.error
      : existing.status === 'error'
        ? existing.error
        : undefined;
  if (error !== undefined) {
    return (
      <>
        <PageHeader title={todoKey ? `Edit ${todoKey}` : 'New todo'} />
        <ErrorNote
          error={error}
          onRetry={() => {
            workspaces.reload();
            existing.reload();
          }}
        />
      </>
    );
  }
  if (workspaces.status !== 'ready' || existing.status !== 'ready') return <Loading />;

  let initial: Values;
  if (existing.data) {
    initial = valuesOf(existing.data.todo);
  } else {
    const ws = startWorkspace(workspaces.data.items, query.get('workspace'));
    if (!ws) {
      return (
        <>
          <PageHeader title="New todo" />
          <ErrorNote
            error={
              new Error(
                'You have no workspace to create todos in. Ask an administrator to add you to one.',
              )
            }
          />
        </>
      );
    }
    initial = blankValues(ws.key, startType(query.get('type')), session.user.email);
  }
  return (
    <Editor
      key={todoKey ?? 'new'}
      todo={existing.data?.todo}
      etag={existing.data?.etag}
      initial={initial}
      workspaces={workspaces.data.items}
    />
  );
}
