import { type FormEvent, useState } from 'react';
import { call, describeError, fieldErrors, raw } from '../../api.ts';
import { Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import './comments.css';

/** The todo's comments, oldest first, and a form to add one (watchers are mailed). */
export function Comments({ todoKey, onChanged }: { todoKey: string; onChanged: () => void }) {
  const comments = useAsync(
    () =>
      raw((r) =>
        r.GET('/bzctrl-core-api/api/v1/todos/{ref}/comments', {
          params: { path: { ref: todoKey } },
        }),
      ),
    [todoKey],
  );
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft.trim()) {
      setError('Write something first.');
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const comment = await call((c) => c.todos.comment(todoKey, draft.trim()));
      setDraft('');
      if (comments.data) comments.set({ items: [...comments.data.items, comment] });
      else comments.reload();
      onChanged();
    } catch (err) {
      setError(fieldErrors(err).body ?? describeError(err));
    } finally {
      setSaving(false);
    }
  };

  const items = comments.data?.items;
  return (
    <section className="card todo-section" aria-labelledby="todo-comments">
      <h2 id="todo-comments">Comments{items ? ` (${items.length})` : ''}</h2>
      {items ? (
        items.length === 0 ? (
          <Empty title="No comments yet" />
        ) : (
          <ol className="todo-comments">
            {items.map((c) => (
              <li key={c.id} className="todo-comment">
                <div className="todo-comment__head">
                  <strong>{c.author.label}</strong>
                  {c.author.email && c.author.email !== c.author.label && (
                    <span className="todo-muted"> {c.author.email}</span>
                  )}
                  {c.author.type === 'client' && <span className="todo-muted"> (API client)</span>}
                  <time dateTime={c.createdAt} className="todo-muted">
                    {formatDateTime(c.createdAt)}
                  </time>
                </div>
                <p className="todo-comment__body">{c.body}</p>
              </li>
            ))}
          </ol>
        )
      ) : comments.status === 'loading' ? (
        <Loading label="Loading comments…" />
      ) : null}
      {comments.status === 'error' && (
        <ErrorNote error={comments.error} onRetry={comments.reload} />
      )}
      <form onSubmit={add} className="todo-comment-form">
        <Field label="Add a comment" error={error} hint="Watchers are told by e-mail.">
          {(props) => (
            <textarea
              {...props}
              value={draft}
              maxLength={10_000}
              onChange={(e) => setDraft(e.target.value)}
              disabled={saving}
            />
          )}
        </Field>
        <button type="submit" className="button" disabled={saving}>
          {saving ? 'Adding…' : 'Add comment'}
        </button>
      </form>
    </section>
  );
}
