import type { FieldRule } from '@bzctrl/form-contract';
import { Field, FieldError } from '../../ui/components.tsx';
import type { CustomValue } from './form.logic.ts';

/** A custom field by its contract rule: choice, number, yes/no, list or text. */
export function CustomField({
  rule,
  value,
  error,
  onChange,
}: {
  rule: FieldRule;
  value: CustomValue | undefined;
  error: string | undefined;
  onChange: (value: CustomValue) => void;
}) {
  const label = rule.title ?? rule.name;
  if (rule.type === 'boolean') {
    return (
      <div className="field todo-form__check">
        <label>
          <input
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
        </label>
        <FieldError error={error} />
      </div>
    );
  }
  if (rule.type === 'array' && rule.enum) {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <fieldset className="field todo-form__choices" aria-invalid={Boolean(error)}>
        <legend>
          {label}
          {rule.required && (
            <span className="mandatory" aria-hidden="true">
              {' '}
              *
            </span>
          )}
        </legend>
        {rule.enum.map((v) => (
          <label key={v}>
            <input
              type="checkbox"
              checked={chosen.includes(v)}
              onChange={(e) =>
                onChange(e.target.checked ? [...chosen, v] : chosen.filter((c) => c !== v))
              }
            />
            {v}
          </label>
        ))}
        <FieldError error={error} />
      </fieldset>
    );
  }
  const current = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : '';
  const numeric = rule.type === 'integer' || rule.type === 'number';
  return (
    <Field
      label={label}
      required={rule.required}
      error={error}
      hint={rule.type === 'array' ? 'Separate several with commas.' : undefined}
    >
      {(p) =>
        rule.enum ? (
          <select {...p} value={current} onChange={(e) => onChange(e.target.value)}>
            <option value="">Not set</option>
            {rule.enum.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        ) : rule.fieldType === 10 ? (
          <textarea {...p} rows={3} value={current} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...p}
            type={numeric ? 'number' : 'text'}
            step={rule.type === 'integer' ? 1 : 'any'}
            value={current}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}
