import type { FieldRule } from '@bzctrl/form-contract';
import type { Todo, UpdateTodoBody } from '@bzctrl/sdk';
import { Badge } from '../../ui/components.tsx';
import { formatDate, LEVEL_LABEL, LEVELS, TYPE_LABEL } from '../../ui/format.ts';
import { listOf } from './details.logic.ts';
import { type Editor, InlineField } from './InlineField.tsx';

/** Saves one field; answers the error to show at it, or nothing when stored. */
export type Save = (field: keyof UpdateTodoBody, value: unknown) => Promise<string | undefined>;

const LEVEL_EDITOR: Editor = {
  kind: 'select',
  options: [{ value: '', label: '—' }, ...LEVELS.map((l) => ({ value: l, label: LEVEL_LABEL[l] }))],
};
export const TYPE_EDITOR: Editor = {
  kind: 'select',
  options: [
    { value: 'TASK', label: TYPE_LABEL.TASK },
    { value: 'INCIDENT', label: TYPE_LABEL.INCIDENT },
  ],
};

/** How a custom field is edited in place, by its contract rule (as the edit form shows it). */
export function customEditor(rule: FieldRule): Editor {
  if (rule.type === 'boolean') {
    return {
      kind: 'select',
      options: [
        { value: '', label: '—' },
        { value: 'true', label: 'Yes' },
        { value: 'false', label: 'No' },
      ],
    };
  }
  if (rule.enum && rule.type !== 'array') {
    return {
      kind: 'select',
      options: [{ value: '', label: '—' }, ...rule.enum.map((o) => ({ value: o, label: o }))],
    };
  }
  if (rule.type === 'array') return { kind: 'list' };
  return { kind: rule.fieldType === 10 ? 'textarea' : 'text' };
}

interface Props<Name> {
  todo: Todo;
  name: Name;
  label: string;
  save: Save;
}

/** Priority, impact or likelihood: a badge, chosen from the levels or cleared. */
export function LevelField({
  todo,
  name,
  label,
  save,
}: Props<'priority' | 'impact' | 'likelihood'>) {
  const value = todo[name];
  return (
    <InlineField
      label={label}
      display={value ? <Badge tone={value}>{LEVEL_LABEL[value]}</Badge> : '—'}
      value={value ?? ''}
      editor={LEVEL_EDITOR}
      onSave={(v) => save(name, v || null)}
    />
  );
}

/** An optional text; emptied, it is cleared. */
export function TextField({
  todo,
  name,
  label,
  save,
  editor = { kind: 'text' },
}: Props<'result' | 'orderID' | 'lrn'> & { editor?: Editor }) {
  return (
    <InlineField
      label={label}
      display={todo[name] || '—'}
      value={todo[name] ?? ''}
      editor={editor}
      wide={editor.kind === 'textarea'}
      onSave={(v) => save(name, v || null)}
    />
  );
}

export function DateField({ todo, name, label, save }: Props<'dueDate' | 'reminderDate'>) {
  const value = todo[name];
  return (
    <InlineField
      label={label}
      display={value ? <time dateTime={value}>{formatDate(value)}</time> : '—'}
      value={value ?? ''}
      editor={{ kind: 'date' }}
      onSave={(v) => save(name, v || null)}
    />
  );
}

/** A list, shown as chips and edited as comma-separated text. */
export function ListField({ todo, name, label, save }: Props<'category' | 'subCategory' | 'tags'>) {
  const values = todo[name];
  return (
    <InlineField
      label={label}
      display={values.length ? <Chips values={values} /> : '—'}
      value={values.join(', ')}
      editor={{ kind: 'list' }}
      onSave={(v) => save(name, listOf(v))}
    />
  );
}

function Chips({ values }: { values: string[] }) {
  return (
    <ul className="todo-chips">
      {values.map((v) => (
        <li key={v}>{v}</li>
      ))}
    </ul>
  );
}
