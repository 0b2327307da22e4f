import { type ReactNode, useId, useState } from 'react';
import { describeError } from '../api.ts';

/**
 * A labelled form field: the label names the control, a mandatory mark says it is
 * required (in words for screen readers), and an error is shown at the field and tied to
 * it with aria-describedby.
 */
export function Field({
  label,
  required,
  error,
  hint,
  warning,
  children,
}: {
  label: string;
  required?: boolean;
  error?: string | undefined;
  hint?: string | undefined;
  /** Said at the field without blocking the form (e.g. a date that has passed). */
  warning?: string | undefined;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
    'aria-required': boolean | undefined;
  }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const warningId = `${id}-warning`;
  const describedBy = [error ? errorId : '', warning ? warningId : '', hint ? hintId : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="mandatory" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children({
        id,
        'aria-invalid': Boolean(error),
        'aria-describedby': describedBy || undefined,
        'aria-required': required || undefined,
      })}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {warning && (
        <p className="field__warning" id={warningId} role="status">
          {warning}
        </p>
      )}
      <FieldError id={errorId} error={error} />
    </div>
  );
}

/**
 * The one way a problem is said at a field, everywhere in the app (sign-in, admin, the
 * todo form, watchers): plain words under the control, announced, in one style. The
 * form sets `noValidate`, so no browser bubble says it differently.
 */
export function FieldError({ error, id }: { error: string | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p className="field__error" id={id} role="alert">
      {error}
    </p>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children}
    </div>
  );
}

/** A failure in words a user understands, with a retry when there is one. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="error-note" role="alert">
      <p>{describeError(error)}</p>
      {onRetry && (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge--${tone.toLowerCase()}`}>{children}</span>;
}

/** Copies a value (a secret shown once, a token, a curl command) and says so. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="button button--secondary"
      onClick={async () => {
        await navigator.clipboard.writeText(value);
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      <span aria-live="polite">{copied ? 'Copied' : label}</span>
    </button>
  );
}

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-header__actions">{children}</div>}
    </div>
  );
}
