import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Field } from '../../ui/components.tsx';

/** How a property is edited in place. */
export type Editor =
  | { kind: 'text' | 'textarea' | 'date' | 'money' | 'list' }
  | { kind: 'email'; users: string[] }
  | { kind: 'select'; options: { value: string; label: string }[] };

/**
 * One property of the todo: its value, and an Edit button that turns it into a labelled
 * control saved on its own (Enter or Save; Escape cancels). `onSave` answers the error to
 * show at the field, or nothing when the change was stored.
 */
export function InlineField({
  label,
  display,
  value,
  editor,
  onSave,
  wide,
}: {
  label: string;
  /** The value as shown; "—" when empty so users learn the todo's shape. */
  display: ReactNode;
  /** The value as the control starts with it. */
  value: string;
  editor: Editor;
  onSave: (draft: string) => Promise<string | undefined>;
  /** Spans the whole row (long texts). */
  wide?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const control = useRef<HTMLElement | null>(null);
  const listId = useId();
  // Focus follows the editor: into the control when it opens, back to Edit when it closes.
  const wasEditing = useRef(false);
  useEffect(() => {
    if (editing) control.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  const open = () => {
    setDraft(value);
    setError(undefined);
    setEditing(true);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const problem = await onSave(draft.trim());
    setSaving(false);
    if (problem) setError(problem);
    else setEditing(false);
  };

  if (!editing) {
    return (
      <div className={`todo-prop${wide ? ' todo-prop--wide' : ''}`}>
        <dt>{label}</dt>
        <dd>
          <span className="todo-prop__value">{display}</span>
          <button
            ref={editButton}
            type="button"
            className="button button--link todo-prop__edit"
            aria-label={`Edit ${label.toLowerCase()}`}
            onClick={open}
          >
            Edit
          </button>
        </dd>
      </div>
    );
  }

  const hint =
    editor.kind === 'list'
      ? 'Separate values with commas'
      : editor.kind === 'money'
        ? 'EUR, e.g. 1250.50'
        : undefined;
  return (
    <div className={`todo-prop todo-prop--editing${wide ? ' todo-prop--wide' : ''}`}>
      {/* The control's own label names it; the term stays for the list's structure. */}
      <dt className="visually-hidden">{label}</dt>
      <dd>
        <form
          onSubmit={submit}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setEditing(false);
          }}
        >
          <Field label={label} error={error} {...(hint ? { hint } : {})}>
            {(props) => {
              const common = {
                ...props,
                ref: (el: HTMLElement | null) => {
                  control.current = el;
                },
                value: draft,
                disabled: saving,
              };
              switch (editor.kind) {
                case 'textarea':
                  return <textarea {...common} onChange={(e) => setDraft(e.target.value)} />;
                case 'select':
                  return (
                    <select {...common} onChange={(e) => setDraft(e.target.value)}>
                      {editor.options.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  );
                case 'money':
                  return (
                    <div className="input-affix">
                      <span aria-hidden="true">€</span>
                      <input
                        {...common}
                        inputMode="decimal"
                        onChange={(e) => setDraft(e.target.value)}
                      />
                    </div>
                  );
                case 'email':
                  return (
                    <>
                      <input
                        {...common}
                        type="email"
                        list={listId}
                        autoComplete="off"
                        onChange={(e) => setDraft(e.target.value)}
                      />
                      <datalist id={listId}>
                        {editor.users.map((u) => (
                          <option key={u} value={u} />
                        ))}
                      </datalist>
                    </>
                  );
                default:
                  return (
                    <input
                      {...common}
                      type={editor.kind === 'date' ? 'date' : 'text'}
                      onChange={(e) => setDraft(e.target.value)}
                    />
                  );
              }
            }}
          </Field>
          <div className="todo-prop__actions">
            <button type="submit" className="button" disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setEditing(false)}
              disabled={saving}
            >
              Cancel
            </button>
          </div>
        </form>
      </dd>
    </div>
  );
}
