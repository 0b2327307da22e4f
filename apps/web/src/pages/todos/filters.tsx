import { useEffect, useId, useRef, useState } from 'react';
import { Field } from '../../ui/components.tsx';
import {
  type FilterName,
  type Filters as FilterValues,
  LEVEL_OPTIONS,
  moreOpen,
  type Options,
  SORTS,
  STATUS_OPTIONS,
  TYPE_OPTIONS,
  unknownOptionLabel,
} from './todos.logic.ts';
import { update } from './update.ts';

type Workspace = { key: string; name: string };

/**
 * The filter bar: search, the main filters and the sort on one line (their labels are for
 * screen readers; each select's first option says what it filters), and the rest behind
 * "More filters", open by itself when one of them is set.
 */
export function Filters({
  filters,
  sort,
  errors,
  workspaces,
}: {
  filters: FilterValues;
  sort: string;
  errors: Record<string, string>;
  workspaces: Workspace[];
}) {
  const more = moreOpen(filters);
  const [open, setOpen] = useState(more);
  const panel = useId();
  useEffect(() => {
    if (more) setOpen(true);
  }, [more]);
  return (
    <section className="card todos-filters" aria-label="Filters">
      <div className="todos-filters__bar">
        <div className="todos-filters__search">
          <TextFilter
            label="Search"
            name="q"
            type="search"
            value={filters.q}
            placeholder="Search todos  ( / )"
            error={errors.q}
          />
        </div>
        <SelectFilter
          label="Workspace"
          name="workspace"
          value={filters.workspace}
          any="All my workspaces"
          options={workspaces.map((w) => [w.key, `${w.key} · ${w.name}`])}
        />
        <SelectFilter
          label="Type"
          name="type"
          value={filters.type}
          any="Any type"
          options={TYPE_OPTIONS}
        />
        <SelectFilter
          label="Status"
          name="status"
          value={filters.status}
          any="Any status"
          options={STATUS_OPTIONS}
        />
        <SelectFilter
          label="Priority"
          name="priority"
          value={filters.priority}
          any="Any priority"
          options={LEVEL_OPTIONS}
        />
        <Field label="Sort by">
          {(p) => (
            <select {...p} value={sort} onChange={(e) => update({ sort: e.target.value })}>
              {SORTS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button
          type="button"
          className="button button--secondary todos-filters__toggle"
          aria-expanded={open}
          aria-controls={panel}
          onClick={() => setOpen((o) => !o)}
        >
          More filters
        </button>
      </div>

      <div className="todos-filters__more" id={panel} hidden={!open}>
        <div className="todos-filters__grid">
          {(['impact', 'likelihood'] as const).map((name) => (
            <SelectFilter
              key={name}
              label={LEVEL_FILTER_LABELS[name]}
              name={name}
              value={filters[name]}
              any={`Any ${name}`}
              options={LEVEL_OPTIONS}
            />
          ))}
          {TEXT_FILTERS.map(([name, label, type, placeholder]) => (
            <TextFilter
              key={name}
              label={label}
              name={name}
              type={type}
              value={filters[name]}
              placeholder={placeholder}
              error={errors[name]}
            />
          ))}
          {DATE_FILTERS.map(([name, label]) => (
            <DateFilter
              key={name}
              label={label}
              name={name}
              value={filters[name]}
              error={errors[name]}
            />
          ))}
        </div>
      </div>
    </section>
  );
}

const LEVEL_FILTER_LABELS = { impact: 'Impact', likelihood: 'Likelihood' };
const TEXT_FILTERS: [FilterName, string, 'text' | 'email', string][] = [
  ['assignee', 'Assignee', 'email', 'name@example.com'],
  ['reporter', 'Reporter', 'email', 'name@example.com'],
  ['tag', 'Tag', 'text', 'Exact tag, order ID or LRN'],
  ['category', 'Category', 'text', 'Exact category'],
];
const DATE_FILTERS: [FilterName, string][] = [
  ['dueFrom', 'Due from'],
  ['dueTo', 'Due to'],
  ['reminderFrom', 'Reminder from'],
  ['reminderTo', 'Reminder to'],
  ['createdFrom', 'Created from'],
  ['createdTo', 'Created to'],
  ['updatedFrom', 'Updated from'],
  ['updatedTo', 'Updated to'],
];

/** A select filter; a value only a bookmark knows (a list, say) still shows as chosen. */
function SelectFilter({
  label,
  name,
  value,
  any,
  options,
}: {
  label: string;
  name: FilterName;
  value: string;
  any: string;
  options: Options;
}) {
  const known = options.some(([v]) => v === value);
  return (
    <Field label={label}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => update({ [name]: e.target.value })}>
          <option value="">{any}</option>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
          {value && !known && <option value={value}>{unknownOptionLabel(value)}</option>}
        </select>
      )}
    </Field>
  );
}

/**
 * A typed filter, sent once the user pauses typing (or presses Enter), so the list does
 * not reload on every keystroke. A change of the URL (back, a bookmark) wins over the text.
 */
function TextFilter({
  label,
  name,
  value,
  type = 'text',
  placeholder,
  error,
}: {
  label: string;
  name: FilterName;
  value: string;
  type?: 'text' | 'search' | 'email';
  placeholder?: string;
  error?: string | undefined;
}) {
  const [text, setText] = useState(value);
  const sent = useRef(value);
  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text.trim() === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text.trim();
      update({ [name]: text.trim() });
    }, 350);
    return () => clearTimeout(timer);
  }, [text, name]);
  return (
    <Field label={label} error={error}>
      {(p) => (
        <input
          {...p}
          type={type}
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              sent.current = text.trim();
              update({ [name]: text.trim() });
            }
          }}
        />
      )}
    </Field>
  );
}

function DateFilter({
  label,
  name,
  value,
  error,
}: {
  label: string;
  name: FilterName;
  value: string;
  error?: string | undefined;
}) {
  return (
    <Field label={label} error={error}>
      {(p) => (
        <input
          {...p}
          type="date"
          value={value}
          onChange={(e) => update({ [name]: e.target.value })}
        />
      )}
    </Field>
  );
}
