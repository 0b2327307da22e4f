import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { BzCtrlError, describeError } from '../../api.ts';
import { CopyButton, Field } from '../../ui/components.tsx';

/** The admin API under the SDK's typed paths. */
export const ADMIN = '/bzctrl-core-api/api/v1/admin';

/**
 * A failed save split for a form: errors of the fields the form shows (by name: `workspaces[1]`
 * counts for `workspaces`, `defaults.reporter` for `defaults.reporter`), and the rest in words
 * for the top of the form, so no message is lost because no field carries it.
 */
/**
 * A failure in words. The admin API's 409s name the reason (a duplicate, a workspace still
 * in use), which says more than the app's generic "changed in the meantime".
 */
export function adminError(err: unknown): string {
  if (err instanceof BzCtrlError && err.status === 409 && err.detail) return err.detail;
  return describeError(err);
}

export interface FormFailure {
  fields: Record<string, string>;
  general: string[];
}

export function formFailure(err: unknown, shown: readonly string[]): FormFailure {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  if (err instanceof BzCtrlError && err.errors.length > 0) {
    for (const e of err.errors) {
      const path = e.field.replace(/^\/+/, '').replace(/\//g, '.');
      const name = [path, path.replace(/\[\d+\]/g, ''), path.split(/[.[]/)[0] ?? path].find((n) =>
        shown.includes(n),
      );
      if (name) fields[name] ??= e.message;
      else general.push(`${e.field}: ${e.message}`);
    }
  } else {
    general.push(adminError(err));
  }
  return { fields, general };
}

export const noFailure: FormFailure = { fields: {}, general: [] };

/** What a failure says above a form (errors at fields are shown there instead). */
export function FailureNote({ failure }: { failure: FormFailure }) {
  if (failure.general.length === 0) {
    return Object.keys(failure.fields).length > 0 ? (
      <p className="admin-failure" role="alert">
        Check the fields marked below.
      </p>
    ) : null;
  }
  return (
    <div className="admin-failure" role="alert">
      {failure.general.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

/** A form's save: busy while running, its failure split for the fields it shows. */
export function useSubmit(shown: readonly string[]) {
  const [failure, setFailure] = useState<FormFailure>(noFailure);
  const [busy, setBusy] = useState(false);
  const submit = async (run: () => Promise<void>) => {
    setBusy(true);
    setFailure(noFailure);
    try {
      await run();
    } catch (err) {
      setFailure(formFailure(err, shown));
    } finally {
      setBusy(false);
    }
  };
  return { failure, busy, submit, fields: failure.fields };
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

/**
 * A value the server shows this once (a client secret, an exposed endpoint's URL): shown in
 * full with a copy button and a plain warning; closing the panel forgets it.
 */
export function OnceOnlyPanel({
  title,
  label,
  value,
  children,
  onClose,
}: {
  title: string;
  label: string;
  value: string;
  children?: ReactNode;
  onClose: () => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  // The panel opens above the form that caused it: take the reader (and keyboard) there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new value is a new panel
  useEffect(() => {
    headingRef.current?.focus();
    headingRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [value]);
  return (
    <section className="admin-once" aria-label={title}>
      <h2 ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      <p className="admin-once__warning">Copy it now; it will not be shown again.</p>
      <div className="admin-once__value">
        <span className="visually-hidden">{label}: </span>
        <code>{value}</code>
        <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
      </div>
      {children}
      <button type="button" className="button button--secondary" onClick={onClose}>
        I have stored it
      </button>
    </section>
  );
}

/**
 * A destructive or irreversible action behind a second, explicit click: the first shows
 * what will happen, the second does it. No browser dialog, so it works by keyboard and
 * reads well to screen readers.
 */
export function ConfirmAction({
  label,
  question,
  confirmLabel,
  danger,
  onConfirm,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void> | void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  // Keyboard users land on the question's answer rather than back at the page start.
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        className={`button ${danger ? 'button--danger' : 'button--secondary'} admin-small`}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="admin-confirm">
      <span className="admin-confirm__question">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        className={`button ${danger ? 'button--danger' : ''} admin-small`}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        className="button button--secondary admin-small"
        onClick={() => setAsking(false)}
      >
        Cancel
      </button>
    </span>
  );
}

/** Workspace keys as checkboxes in a fieldset (the legend names the group). */
export function WorkspacePicker({
  legend,
  options,
  value,
  onChange,
  error,
}: {
  legend: string;
  options: { key: string; name: string }[];
  value: string[];
  onChange: (keys: string[]) => void;
  error?: string | undefined;
}) {
  return (
    <fieldset className={`admin-picker${error ? ' admin-picker--invalid' : ''}`}>
      <legend>{legend}</legend>
      {options.length === 0 && <p className="field__hint">No workspaces yet.</p>}
      <div className="admin-picker__options">
        {options.map((w) => (
          <label key={w.key}>
            <input
              type="checkbox"
              checked={value.includes(w.key)}
              onChange={(e) =>
                onChange(e.target.checked ? [...value, w.key] : value.filter((k) => k !== w.key))
              }
            />{' '}
            <span className="admin-key">{w.key}</span> <span className="admin-muted">{w.name}</span>
          </label>
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

/** Lines of a textarea as a list (blank lines dropped). */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A comma-separated input as a list (tags). */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An inline rename: one labelled name field with Save and Cancel. */
export function RenameForm({
  label,
  initial,
  onSave,
  onCancel,
}: {
  label: string;
  initial: string;
  onSave: (name: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial);
  const { failure, busy, submit, fields } = useSubmit(['name']);
  return (
    <form
      className="admin-inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(() => onSave(name.trim()));
      }}
    >
      <FailureNote failure={failure} />
      <Field label={label} required error={fields.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <div className="admin-actions">
        <button type="submit" className="button admin-small" disabled={busy}>
          Save
        </button>
        <button type="button" className="button button--secondary admin-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
