import { atField, checkEmail } from '@bzctrl/form-contract';
import { type FormEvent, useId, useState } from 'react';
import { describeError, fieldErrors, raw } from '../../api.ts';
import { ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import './watchers.css';

const PATH = '/bzctrl-core-api/api/v1/todos/{ref}/watchers/{email}' as const;

/** Who is mailed on every change: the list, adding a user of the workspace, removing one. */
export function Watchers({
  todoKey,
  users,
  onChanged,
}: {
  todoKey: string;
  /** The workspace's users, offered as suggestions. */
  users: string[];
  onChanged: () => void;
}) {
  const watchers = useAsync(
    () =>
      raw((r) =>
        r.GET('/bzctrl-core-api/api/v1/todos/{ref}/watchers', {
          params: { path: { ref: todoKey } },
        }),
      ),
    [todoKey],
  );
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>();
  const listId = useId();

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const problem = checkEmail(email);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await raw((r) =>
        r.PUT(PATH, { params: { path: { ref: todoKey, email: email.trim().toLowerCase() } } }),
      );
      setEmail('');
      watchers.reload();
      onChanged();
    } catch (err) {
      const atEmail = fieldErrors(err).email;
      setError(atEmail ? atField(atEmail) : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (who: string) => {
    setRemoveError(undefined);
    try {
      await raw((r) => r.DELETE(PATH, { params: { path: { ref: todoKey, email: who } } }));
      watchers.reload();
      onChanged();
    } catch (err) {
      setRemoveError(err);
    }
  };

  const items = watchers.data?.items;
  const watching = new Set(items?.map((w) => w.email));
  return (
    <section className="card todo-section" aria-labelledby="todo-watchers">
      <h2 id="todo-watchers">Watchers</h2>
      {items ? (
        items.length === 0 ? (
          <p className="todo-muted">— Nobody is watching this todo.</p>
        ) : (
          <ul className="todo-watchers">
            {items.map((w) => (
              <li key={w.email}>
                <span className="todo-watchers__who">
                  <span>{w.name}</span>
                  <span className="todo-muted">{w.email}</span>
                </span>
                <button
                  type="button"
                  className="button button--link"
                  aria-label={`Stop ${w.email} watching`}
                  onClick={() => remove(w.email)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )
      ) : watchers.status === 'loading' ? (
        <Loading label="Loading watchers…" />
      ) : null}
      {watchers.status === 'error' && (
        <ErrorNote error={watchers.error} onRetry={watchers.reload} />
      )}
      {removeError !== undefined && <ErrorNote error={removeError} />}
      <form onSubmit={add} className="todo-inline-form" noValidate>
        <Field label="Add a watcher" error={error}>
          {(props) => (
            <input
              {...props}
              type="email"
              list={listId}
              autoComplete="off"
              value={email}
              placeholder="name@example.com"
              onChange={(e) => setEmail(e.target.value)}
              disabled={busy}
            />
          )}
        </Field>
        <datalist id={listId}>
          {users
            .filter((u) => !watching.has(u))
            .map((u) => (
              <option key={u} value={u} />
            ))}
        </datalist>
        <button type="submit" className="button button--secondary" disabled={busy}>
          Add
        </button>
      </form>
    </section>
  );
}
