import { type Contract, isPastDate, lengthNote } from '@bzctrl/form-contract';
import { Field } from '../../ui/components.tsx';
import { formatDate, LEVEL_LABEL, LEVELS } from '../../ui/format.ts';
import { FIELD_LABELS, type TextField, type Values } from './form.logic.ts';

/** What every field of the editor needs: the values, the errors and the contract's rules. */
export interface Kit {
  values: Values;
  errors: Record<string, string>;
  contract: Contract;
  set: (field: keyof Omit<Values, 'custom'>, value: string) => void;
}

export const isRequired = (kit: Kit, field: string) =>
  kit.contract.fields.some((f) => f.key === field && f.required);
const maxLength = (kit: Kit, field: string) =>
  kit.contract.fields.find((f) => f.key === field)?.maxLength;

/** What a past date means for the todo: the server takes it, the lifecycle acts at once. */
export const PAST_DATE_WARNING: Partial<Record<TextField, string>> = {
  reminderDate: 'This date has passed: the reminder goes out as soon as the todo is saved.',
  dueDate: 'This date has passed: the todo expires as soon as it is saved.',
};

/**
 * A date input's hint: the chosen day in the app's own format ("2 Dec 2026"), since the
 * browser draws the input itself in the browser's locale (see docs/decisions.md).
 */
function dateHint(value: string, hint: string | undefined): string | undefined {
  if (!value) return hint;
  const shown = `Chosen: ${formatDate(value)}.`;
  return hint ? `${hint} ${shown}` : shown;
}

const joinHints = (...hints: (string | undefined)[]) =>
  hints.filter(Boolean).join(' ') || undefined;

/** An input for a body field, labelled and checked by the contract; with `rows`, multi-line. */
export function TextInput({
  kit,
  field,
  type = 'text',
  rows,
  hint,
  placeholder,
  list,
}: {
  kit: Kit;
  field: TextField;
  type?: string;
  rows?: number;
  hint?: string;
  placeholder?: string;
  list?: string;
}) {
  // No maxLength attribute: it would cut a pasted text without a word. The length is
  // counted near the limit and said at the field; the contract's check refuses it on save.
  const common = {
    name: field,
    value: kit.values[field],
    onChange: (e: { target: { value: string } }) => kit.set(field, e.target.value),
  };
  const value = kit.values[field];
  const isDateInput = type === 'date';
  const length = lengthNote(value, maxLength(kit, field));
  const warning =
    isDateInput && isPastDate(value, new Date())
      ? (PAST_DATE_WARNING[field] ?? 'This date has passed.')
      : length.warning;
  const shownHint = isDateInput ? dateHint(value, hint) : joinHints(hint, length.counter);
  return (
    <Field
      label={FIELD_LABELS[field] ?? field}
      required={isRequired(kit, field)}
      error={kit.errors[field]}
      hint={shownHint}
      warning={warning}
    >
      {(p) =>
        rows ? (
          <textarea {...p} {...common} rows={rows} />
        ) : (
          <input
            {...p}
            {...common}
            type={type}
            placeholder={placeholder}
            list={list}
            autoComplete="off"
          />
        )
      }
    </Field>
  );
}

/** High / Medium / Low, or not set. */
export function LevelSelect({
  kit,
  field,
}: {
  kit: Kit;
  field: 'impact' | 'likelihood' | 'priority';
}) {
  return (
    <Field
      label={FIELD_LABELS[field] ?? field}
      required={isRequired(kit, field)}
      error={kit.errors[field]}
    >
      {(p) => (
        <select
          {...p}
          name={field}
          value={kit.values[field]}
          onChange={(e) => kit.set(field, e.target.value)}
        >
          <option value="">Not set</option>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {LEVEL_LABEL[l]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
