import { useState } from 'react';
import { FieldError } from '../../ui/components.tsx';
import { STATUS_LABEL, type Status } from '../../ui/format.ts';
import { STATUSES, settable } from './details.logic.ts';

/** The status, changed with one click; Expired is the system's, shown but not settable. */
export function StatusControl({
  status,
  onChange,
}: {
  status: Status;
  onChange: (s: Status) => Promise<string | undefined>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const choose = async (s: Status) => {
    if (s === status) return;
    setBusy(true);
    setError(await onChange(s));
    setBusy(false);
  };
  return (
    <fieldset className="todo-status">
      <legend className="todo-status__label">Status</legend>
      <div className="todo-status__group">
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            className={`todo-status__option todo-status__option--${s.toLowerCase()}`}
            aria-pressed={s === status}
            disabled={busy || !settable(s)}
            title={settable(s) ? undefined : 'Set by BzCtrl when the due date has passed'}
            onClick={() => choose(s)}
          >
            {STATUS_LABEL[s]}
          </button>
        ))}
      </div>
      <FieldError error={error} />
    </fieldset>
  );
}
