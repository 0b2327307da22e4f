import type { components } from '@bzctrl/sdk';
import { Fragment, type Key, type ReactNode, useCallback, useId, useState } from 'react';
import { BzCtrlError, describeError, raw } from '../../api.ts';
import { ErrorNote, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { SmallButton } from './actions.tsx';

/** The admin API under the SDK's typed paths. */
export const ADMIN = '/bzctrl-core-api/api/v1/admin';

export type AdminWorkspace = components['schemas']['AdminWorkspace'];

/** What a section lists, with every workspace (the choices of its forms), loaded together. */
export async function withWorkspaces<T>(
  list: Promise<T>,
): Promise<{ list: T; workspaces: AdminWorkspace[] }> {
  const [l, w] = await Promise.all([list, raw((r) => r.GET(`${ADMIN}/workspaces`))]);
  return { list: l, workspaces: w.items };
}

/**
 * A failure in words. The admin API's 409s name the reason (a duplicate, a workspace still
 * in use), which says more than the app's generic "changed in the meantime".
 */
export function adminError(err: unknown): string {
  if (err instanceof BzCtrlError && err.status === 409 && err.detail) return err.detail;
  return describeError(err);
}

/**
 * One admin section's data and its last outcome. `changed` says what happened and shows
 * the list as it is now; `act` runs a row action that changes the list, reporting either
 * outcome; `refresh` reloads after a change that shows itself otherwise (a once-only panel).
 */
export function useAdminSection<T>(load: () => Promise<T>) {
  const state = useAsync(load, []);
  const outcome = useOutcome();
  const { reload } = state;
  const changed = (message: string) => {
    outcome.done(message);
    reload();
  };
  const act = (action: () => Promise<unknown>, message: string) =>
    outcome.run(async () => {
      await action();
      reload();
    }, message);
  const refresh = () => {
    outcome.clear();
    reload();
  };
  return { state, outcome, changed, act, refresh };
}

/**
 * The frame of a section: loading and load failure until there is data, then the last
 * outcome above what `children` makes of the data (kept while a reload runs).
 */
export function AdminSection<T>({
  section: { state, outcome },
  children,
}: {
  section: ReturnType<typeof useAdminSection<T>>;
  children: (data: T) => ReactNode;
}) {
  if (state.data === undefined) {
    return state.status === 'error' ? (
      <ErrorNote error={state.error} onRetry={state.reload} />
    ) : (
      <Loading />
    );
  }
  return (
    <>
      {outcome.note}
      {children(state.data)}
    </>
  );
}

/** A card of a section: its heading (which names it) and a line on what it is for. */
export function AdminCard({
  title,
  intro,
  children,
}: {
  title: string;
  intro: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p className="admin-intro">{intro}</p>
      {children}
    </section>
  );
}

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/**
 * A section's list: one row a thing, its actions at the end of the row, `empty` when there
 * are none. With `edit`, an "Edit <name>" toggle leads the actions and opens the form under
 * the row (one row at a time); the form gets `close` to shut it and `saved` to shut it and
 * say so.
 */
export function AdminTable<T>({
  rows,
  rowKey,
  columns,
  actions,
  empty,
  disabled,
  edit,
}: {
  rows: readonly T[];
  rowKey: (row: T) => Key;
  columns: readonly Column<T>[];
  actions: (row: T) => ReactNode;
  empty: ReactNode;
  /** Rows shown greyed out (a disabled user, client or endpoint). */
  disabled?: (row: T) => boolean;
  edit?: {
    name: (row: T) => string;
    render: (row: T, form: { close: () => void; saved: (message: string) => void }) => ReactNode;
    /** What the form's `saved(message)` reports, after closing the form. */
    onSaved: (message: string) => void;
  };
}) {
  const [editing, setEditing] = useState<Key>();
  if (rows.length === 0) return empty;
  const close = () => setEditing(undefined);
  const saved = (message: string) => {
    close();
    edit?.onSaved(message);
  };
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col">
                {c.header}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row);
            const open = editing === key;
            return (
              <Fragment key={key}>
                <tr className={disabled?.(row) ? 'admin-row--disabled' : undefined}>
                  {columns.map((c) => (
                    <td key={c.header} className={c.className}>
                      {c.cell(row)}
                    </td>
                  ))}
                  <td className="admin-row-actions">
                    <div className="admin-row-actions__inner">
                      {edit && (
                        <SmallButton
                          aria-expanded={open}
                          aria-label={`Edit ${edit.name(row)}`}
                          onClick={() => setEditing(open ? undefined : key)}
                        >
                          Edit
                        </SmallButton>
                      )}
                      {actions(row)}
                    </div>
                  </td>
                </tr>
                {edit && open && (
                  <tr className="admin-edit-row">
                    <td colSpan={columns.length + 1}>{edit.render(row, { close, saved })}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type Outcome = { ok: true; message: string } | { ok: false; error: unknown };

/**
 * A section's last outcome of a row action (saved, deleted, refused with a 409) shown at the
 * top of the section; `note` renders it, `done`/`failed` set it.
 */
export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const done = useCallback((message: string) => setOutcome({ ok: true, message }), []);
  const failed = useCallback((error: unknown) => setOutcome({ ok: false, error }), []);
  const clear = () => setOutcome(undefined);
  const note = !outcome ? null : outcome.ok ? (
    <SuccessNote message={outcome.message} onClose={clear} />
  ) : (
    <div className="error-note" role="alert">
      <p>{adminError(outcome.error)}</p>
      <button type="button" className="button button--secondary" onClick={clear}>
        Dismiss
      </button>
    </div>
  );
  /** Runs a row action, reporting either outcome. */
  const run = async (action: () => Promise<unknown>, message: string) => {
    try {
      await action();
      done(message);
    } catch (err) {
      failed(err);
    }
  };
  return { note, done, failed, run, clear };
}

/** A success notice that can be dismissed; announced to screen readers. */
export function SuccessNote({ message, onClose }: { message: string; onClose: () => void }) {
  return (
    <div className="notice notice--success admin-notice" role="status">
      <span>{message}</span>
      <button type="button" className="button button--link" onClick={onClose}>
        Dismiss
      </button>
    </div>
  );
}
