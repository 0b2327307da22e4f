import { type ButtonHTMLAttributes, type ReactNode, useEffect, useRef, useState } from 'react';
import { Badge, CopyButton } from '../../ui/components.tsx';

// The admin rows' actions: small buttons, status badges, a confirmed Delete or other
// irreversible action, and the panel that shows a secret once.

/** A row's small secondary button. */
export function SmallButton(props: Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'className'>) {
  return <button type="button" className="button button--secondary admin-small" {...props} />;
}

/** Whether a user, client or endpoint may be used. */
export function StatusBadge({ disabled }: { disabled: boolean }) {
  return disabled ? <Badge tone="expired">Disabled</Badge> : <Badge tone="done">Active</Badge>;
}

/** A row's Delete, asked first. */
export function DeleteAction({
  question,
  confirmLabel,
  onConfirm,
}: {
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
}) {
  return (
    <ConfirmAction
      label="Delete"
      question={question}
      confirmLabel={confirmLabel}
      danger
      onConfirm={onConfirm}
    />
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
