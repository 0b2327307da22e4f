import { type ComponentProps, type InputHTMLAttributes, type ReactNode, useState } from 'react';
import { BzCtrlError } from '../../api.ts';
import { Field, FieldError } from '../../ui/components.tsx';
import { type FormFailure, noFailure, type Option, splitFieldErrors } from './admin.logic.ts';
import { adminError } from './shared.tsx';

/** A failed save as the form shows it: field errors at their fields, anything else on top. */
function formFailure(err: unknown, shown: readonly string[]): FormFailure {
  if (err instanceof BzCtrlError && err.errors.length > 0) {
    return splitFieldErrors(err.errors, shown);
  }
  return { fields: {}, general: [adminError(err)] };
}

/** What a failure says above a form (errors at fields are shown there instead). */
function FailureNote({ failure }: { failure: FormFailure }) {
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

/**
 * A form's values, and its save: busy while running, its failure split for the fields it
 * shows (its values, under their names or, `errorPaths`, the path the API names them by).
 * `field(name)` gives a field its value, its setter and its error; `set` changes several
 * values at once, `reset` goes back to the start values (after a create). Hand the whole
 * to `AdminForm`.
 */
export function useAdminForm<V extends Record<string, unknown>>(
  initial: V,
  errorPaths: Partial<Record<keyof V, string>> = {},
) {
  const [values, setValues] = useState<V>(initial);
  // The values the form started with: a create form goes back to them once saved.
  const [start] = useState<V>(initial);
  const [failure, setFailure] = useState<FormFailure>(noFailure);
  const [busy, setBusy] = useState(false);
  const errorPath = (name: keyof V & string) => errorPaths[name] ?? name;
  const set = (patch: Partial<V>) => setValues((v) => ({ ...v, ...patch }));
  const field = <K extends keyof V & string>(name: K) => ({
    value: values[name],
    onChange: (value: V[K]) => setValues((v) => ({ ...v, [name]: value })),
    error: failure.fields[errorPath(name)],
  });
  const submit = async (run: () => Promise<void>) => {
    setBusy(true);
    setFailure(noFailure);
    try {
      await run();
    } catch (err) {
      setFailure(formFailure(err, Object.keys(initial).map(errorPath)));
    } finally {
      setBusy(false);
    }
  };
  /** Back to the start values (after a create, so the next one starts blank). */
  const reset = () => setValues(start);
  return { values, set, reset, field, failure, busy, submit, fields: failure.fields };
}

/** What `AdminForm` and `SubmitButton` need of a form. */
type AdminFormState = Pick<ReturnType<typeof useAdminForm>, 'failure' | 'busy' | 'submit'>;

/**
 * An admin form: its heading (which also names the form for assistive technology), what
 * went wrong above the fields, and the submit (and Close) buttons below them. A form that
 * is a card of its own (`card`: a "new …" form under a section) heads it with an h2, one
 * inside a card with an h3.
 */
export function AdminForm({
  form,
  title,
  label = title,
  card = false,
  className = 'admin-form',
  submitLabel,
  onSubmit,
  onClose,
  closeLabel = 'Close',
  small = false,
  children,
}: {
  form: AdminFormState;
  title?: string;
  /** The form's accessible name when it is not its title. */
  label?: string | undefined;
  card?: boolean;
  className?: string;
  /** Leave out to place the submit button among the fields (see `SubmitButton`). */
  submitLabel?: string;
  onSubmit: () => Promise<void>;
  onClose?: (() => void) | undefined;
  closeLabel?: string;
  /** The buttons of an inline form in a table row. */
  small?: boolean;
  children: ReactNode;
}) {
  const Heading = card ? 'h2' : 'h3';
  const body = (
    <form
      className={className}
      aria-label={label}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void form.submit(onSubmit);
      }}
    >
      {title && <Heading>{title}</Heading>}
      <FailureNote failure={form.failure} />
      {children}
      {submitLabel && (
        <div className="admin-actions">
          <SubmitButton form={form} small={small}>
            {submitLabel}
          </SubmitButton>
          {onClose && (
            <button
              type="button"
              className={`button button--secondary${small ? ' admin-small' : ''}`}
              onClick={onClose}
            >
              {closeLabel}
            </button>
          )}
        </div>
      )}
    </form>
  );
  return card ? <div className="card">{body}</div> : body;
}

/** A form's submit button, disabled while the form saves. */
export function SubmitButton({
  form,
  small = false,
  children,
}: {
  form: AdminFormState;
  small?: boolean;
  children: ReactNode;
}) {
  return (
    <button type="submit" className={`button${small ? ' admin-small' : ''}`} disabled={form.busy}>
      {children}
    </button>
  );
}

/** What `Field` shows around a control: its label, mandatory mark, hint and error. */
type FieldProps = Omit<ComponentProps<typeof Field>, 'children'>;

/** A labelled text input (or, `multiline`, a short textarea) holding a string. */
export function TextField({
  value,
  onChange,
  multiline = false,
  type,
  autoComplete,
  list,
  ...field
}: FieldProps & {
  value: string;
  onChange: (value: string) => void;
  multiline?: boolean;
} & Pick<InputHTMLAttributes<HTMLInputElement>, 'type' | 'autoComplete' | 'list'>) {
  return (
    <Field {...field}>
      {(p) =>
        multiline ? (
          <textarea
            {...p}
            className="admin-textarea--short"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <input
            {...p}
            type={type}
            autoComplete={autoComplete}
            list={list}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** A labelled select of typed options; the value changes to the chosen option's value. */
export function SelectField<V extends string | number>({
  value,
  onChange,
  options,
  ...field
}: FieldProps & {
  value: V;
  onChange: (value: V) => void;
  options: readonly Option<V>[];
}) {
  return (
    <Field {...field}>
      {(p) => (
        <select
          {...p}
          value={value}
          onChange={(e) => {
            const chosen = options.find((o) => String(o.value) === e.target.value);
            if (chosen) onChange(chosen.value);
          }}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
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
      <FieldError error={error} />
    </fieldset>
  );
}
