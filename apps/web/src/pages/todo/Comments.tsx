import { lengthNote } from '@bzctrl/form-contract';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { call, describeError, fieldErrors, raw } from '../../api.ts';
import { Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { DraftOffer } from '../../ui/DraftOffer.tsx';
import { isBlank, restoredComment } from '../../ui/drafts.logic.ts';
import { formatDateTime } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import { useDraft } from '../../ui/use-draft.ts';
import { message } from '../form/form.logic.ts';
import { Markdown } from './Markdown.tsx';
import './comments.css';

/** The longest comment the server takes, after trimming (the API's CreateCommentBody). */
export const COMMENT_LIMIT = 10_000;
const HINT = 'Markdown supported: **bold**, *italic*, `code`, lists, links, > quotes.';

/**
 * The todo's comments, oldest first, and a form to add one (watchers are mailed). What is
 * typed is kept as a draft in the browser until it is sent: when the session ends under
 * "Add comment", the draft is offered back after signing in, and sent only when the user
 * sends it again.
 */
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
  const [preview, setPreview] = useState(false);
  const stored = useDraft<string>(`comment:${todoKey}`);
  const box = useRef<HTMLTextAreaElement>(null);
  const keep = stored.save;

  // Kept as typed, so a session that ends (or a reload) loses nothing.
  useEffect(() => keep(isBlank(draft) ? undefined : draft), [draft, keep]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text) {
      setError('Write something first.');
      return;
    }
    // Kept whole and refused here, as the todo form does; nothing is cut or sent.
    if ([...text].length > COMMENT_LIMIT) {
      setError(message('body', { code: 'tooLong', limit: COMMENT_LIMIT }, text));
      box.current?.focus();
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const comment = await call((c) => c.todos.comment(todoKey, text));
      setDraft('');
      setPreview(false);
      // A draft still on offer was not this one: it stays until the user decides.
      if (!stored.offer) stored.clear();
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
  // From 80% of the limit a counter; past it, by how much (the todo form's rule).
  const length = lengthNote(draft.trim(), COMMENT_LIMIT);
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
                <Markdown source={c.body} className="todo-comment__body" />
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
        {stored.offer && (
          <DraftOffer
            what={{ kind: 'comment' }}
            savedAt={stored.offer.savedAt}
            onRestore={() => {
              const offered = stored.restore();
              if (offered) setDraft((text) => restoredComment(text, offered.value));
              box.current?.focus();
            }}
            onDiscard={() => {
              stored.discard();
              // What was typed meanwhile is kept from now on.
              keep(isBlank(draft) ? undefined : draft);
            }}
          />
        )}
        <Field
          label="Add a comment"
          error={error}
          hint={[HINT, 'Watchers are told by e-mail.', length.counter].filter(Boolean).join(' ')}
          warning={length.warning}
        >
          {(props) => (
            // No maxLength: it would cut a pasted text without a word (see `length`).
            <textarea
              {...props}
              ref={box}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
                setError(undefined);
              }}
              disabled={saving}
            />
          )}
        </Field>
        {preview && (
          <section className="todo-comment-preview" aria-label="Preview of the comment">
            {draft.trim() ? (
              <Markdown source={draft.trim()} className="todo-comment__body" />
            ) : (
              <p className="todo-muted">Nothing to preview yet.</p>
            )}
          </section>
        )}
        <div className="todo-comment-form__buttons">
          <button type="submit" className="button" disabled={saving}>
            {saving ? 'Adding…' : 'Add comment'}
          </button>
          <button
            type="button"
            className="button button--secondary"
            aria-pressed={preview}
            onClick={() => setPreview((p) => !p)}
          >
            Preview
          </button>
        </div>
      </form>
    </section>
  );
}
