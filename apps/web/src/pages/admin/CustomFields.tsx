import type { components, paths } from '@bzctrl/sdk';
import { Fragment, useState } from 'react';
import { raw } from '../../api.ts';
import { Badge, Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { ADMIN, ConfirmAction, FailureNote, lines, useOutcome, useSubmit } from './shared.tsx';

type CustomField = components['schemas']['AdminCustomField'];
type CreateBody =
  paths['/bzctrl-core-api/api/v1/admin/custom-fields']['post']['requestBody']['content']['application/json'];
type FieldType = CreateBody['type'];
type Module = CreateBody['module'];

/** SPEC §5's custom-field types, by their numbers. */
const TYPES: { value: FieldType; label: string }[] = [
  { value: 1, label: 'Text' },
  { value: 10, label: 'Long text' },
  { value: 2, label: 'Integer' },
  { value: 5, label: 'Long integer' },
  { value: 3, label: 'Decimal number' },
  { value: 4, label: 'Yes / no' },
  { value: 7, label: 'List of integers' },
  { value: 8, label: 'List of texts' },
];
const TYPE_NAME = new Map<number, string>(TYPES.map((t) => [t.value, t.label]));
/** Only text and the list types take a list of allowed values. */
const TAKES_OPTIONS = new Set<number>([1, 7, 8]);
const MODULE_LABEL: Record<Module, string> = { task: 'Task', incident: 'Incident' };

/** Custom-field definitions per module (task, incident): create, change, delete. */
export function CustomFields() {
  const state = useAsync(() => raw((r) => r.GET(`${ADMIN}/custom-fields`)), []);
  const outcome = useOutcome();
  const [editing, setEditing] = useState<number | undefined>();

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const items: CustomField[] = state.data?.items ?? [];

  return (
    <>
      {outcome.note}
      <section className="card" aria-labelledby="admin-custom-fields">
        <h2 id="admin-custom-fields">Custom fields</h2>
        <p className="admin-intro">
          Extra fields on tasks or incidents. While todos hold values for a field, its type cannot
          change and it cannot be deleted.
        </p>
        {items.length === 0 ? (
          <Empty title="No custom fields yet">Define the first one below.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Module</th>
                  <th scope="col">Type</th>
                  <th scope="col">Required</th>
                  <th scope="col">Allowed values</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((f) => (
                  <Fragment key={f.id}>
                    <tr>
                      <td>{f.name}</td>
                      <td>
                        <Badge tone={f.module}>{MODULE_LABEL[f.module]}</Badge>
                      </td>
                      <td>{TYPE_NAME.get(f.type) ?? f.type}</td>
                      <td>{f.required ? 'Required' : 'Optional'}</td>
                      <td className="admin-small-text">{f.options?.join(', ') || '—'}</td>
                      <td className="admin-row-actions">
                        <div className="admin-row-actions__inner">
                          <button
                            type="button"
                            className="button button--secondary admin-small"
                            aria-expanded={editing === f.id}
                            aria-label={`Edit ${f.name}`}
                            onClick={() => setEditing(editing === f.id ? undefined : f.id)}
                          >
                            Edit
                          </button>
                          <ConfirmAction
                            label="Delete"
                            question={`Delete the field ${f.name}?`}
                            confirmLabel="Delete field"
                            danger
                            onConfirm={() =>
                              outcome.run(async () => {
                                await raw((r) =>
                                  r.DELETE(`${ADMIN}/custom-fields/{id}`, {
                                    params: { path: { id: f.id } },
                                  }),
                                );
                                state.reload();
                              }, `Field ${f.name} deleted.`)
                            }
                          />
                        </div>
                      </td>
                    </tr>
                    {editing === f.id && (
                      <tr className="admin-edit-row">
                        <td colSpan={6}>
                          <CustomFieldForm
                            field={f}
                            onClose={() => setEditing(undefined)}
                            onSaved={(saved) => {
                              setEditing(undefined);
                              outcome.done(`Field ${saved.name} saved.`);
                              state.reload();
                            }}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="card">
        <CustomFieldForm
          onSaved={(saved) => {
            outcome.done(`Field ${saved.name} created.`);
            state.reload();
          }}
        />
      </div>
    </>
  );
}

function CustomFieldForm({
  field,
  onSaved,
  onClose,
}: {
  field?: CustomField;
  onSaved: (f: CustomField) => void;
  onClose?: () => void;
}) {
  const [module, setModule] = useState<Module>(field?.module ?? 'task');
  const [name, setName] = useState(field?.name ?? '');
  const [type, setType] = useState<FieldType>((field?.type as FieldType) ?? 1);
  const [required, setRequired] = useState(field?.required ?? false);
  const [options, setOptions] = useState((field?.options ?? []).join('\n'));
  const { failure, busy, submit, fields } = useSubmit([
    'module',
    'name',
    'type',
    'required',
    'options',
  ]);
  const takesOptions = TAKES_OPTIONS.has(type);

  return (
    <form
      className="admin-form"
      aria-label={field ? `Change ${field.name}` : 'New custom field'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const list = takesOptions ? lines(options) : [];
          if (field) {
            const saved = await raw((r) =>
              r.PATCH(`${ADMIN}/custom-fields/{id}`, {
                params: { path: { id: field.id } },
                body: {
                  module,
                  name,
                  type,
                  required,
                  options: list.length > 0 ? list : null,
                },
              }),
            );
            onSaved(saved);
          } else {
            const saved = await raw((r) =>
              r.POST(`${ADMIN}/custom-fields`, {
                body: { module, name, type, required, ...(list.length ? { options: list } : {}) },
              }),
            );
            setName('');
            setOptions('');
            setRequired(false);
            onSaved(saved);
          }
        });
      }}
    >
      {field ? <h3>Change {field.name}</h3> : <h2>New custom field</h2>}
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        <Field label="Module" required error={fields.module}>
          {(p) => (
            <select {...p} value={module} onChange={(e) => setModule(e.target.value as Module)}>
              <option value="task">Task</option>
              <option value="incident">Incident</option>
            </select>
          )}
        </Field>
        <Field label="Field name" required error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Type" required error={fields.type}>
          {(p) => (
            <select
              {...p}
              value={type}
              onChange={(e) => setType(Number(e.target.value) as FieldType)}
            >
              {TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label className="admin-check">
        <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} />{' '}
        Required on every new {MODULE_LABEL[module].toLowerCase()}
      </label>
      {fields.required && <p className="field__error">{fields.required}</p>}
      {takesOptions && (
        <Field
          label="Allowed values"
          error={fields.options}
          hint="One per line; leave empty to allow any value."
        >
          {(p) => (
            <textarea
              {...p}
              className="admin-textarea--short"
              value={options}
              onChange={(e) => setOptions(e.target.value)}
            />
          )}
        </Field>
      )}
      <div className="admin-actions">
        <button type="submit" className="button" disabled={busy}>
          {field ? 'Save changes' : 'Create field'}
        </button>
        {onClose && (
          <button type="button" className="button button--secondary" onClick={onClose}>
            Close
          </button>
        )}
      </div>
    </form>
  );
}
