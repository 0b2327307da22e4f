import type { components } from '@bzctrl/sdk';
import { useId } from 'react';
import { raw } from '../../api.ts';
import { commaList, keyOptions, lines, withNone } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm } from './forms.tsx';
import { ADMIN, type AdminWorkspace } from './shared.tsx';

type Endpoint = components['schemas']['ExposedEndpoint'];
type EndpointWithUuid = components['schemas']['ExposedEndpointWithUuid'];

const LEVEL_FIELDS = [
  ['priority', 'Priority'],
  ['impact', 'Impact'],
  ['likelihood', 'Likelihood'],
] as const;
const LEVEL_OPTIONS = withNone('No default', [
  { value: 'HIGH', label: 'High' },
  { value: 'MEDIUM', label: 'Medium' },
  { value: 'LOW', label: 'Low' },
]);
/** The form's values that are defaults, and where the API names their errors. */
const DEFAULT_KEYS = [
  'todoType',
  'status',
  'priority',
  'impact',
  'likelihood',
  'reporter',
  'assignee',
  'tags',
] as const;
const DEFAULT_PATHS = Object.fromEntries(DEFAULT_KEYS.map((k) => [k, `defaults.${k}`]));

/**
 * Creates an endpoint (no `endpoint`: a card of its own) or changes one; defaults and
 * origins are replaced whole.
 */
export function EndpointForm({
  endpoint,
  workspaces,
  emails,
  onSaved,
  onClose,
}: {
  endpoint?: Endpoint;
  workspaces: AdminWorkspace[];
  emails: string[];
  onSaved: (created?: EndpointWithUuid) => void;
  onClose?: () => void;
}) {
  const d = endpoint?.defaults ?? {};
  const form = useAdminForm(
    {
      workspace: endpoint?.workspace ?? '',
      name: endpoint?.name ?? '',
      allowedOrigins: (endpoint?.allowedOrigins ?? []).join('\n'),
      todoType: d.todoType ?? '',
      status: d.status ?? '',
      priority: d.priority ?? '',
      impact: d.impact ?? '',
      likelihood: d.likelihood ?? '',
      reporter: d.reporter ?? '',
      assignee: d.assignee ?? '',
      tags: (d.tags ?? []).join(', '),
    },
    DEFAULT_PATHS,
  );
  const listId = useId();

  const defaults = () => {
    const v = form.values;
    const out: Record<string, string | string[]> = {};
    for (const k of DEFAULT_KEYS) {
      const value = k === 'tags' ? commaList(v.tags) : v[k].trim();
      if (value.length > 0) out[k] = value;
    }
    // Category is kept as it was: this form does not edit it.
    if (d.category?.length) out.category = d.category;
    return out;
  };

  return (
    <AdminForm
      form={form}
      card={!endpoint}
      title={endpoint ? `Change ${endpoint.name}` : 'Expose a workspace'}
      label={endpoint ? undefined : 'New exposed endpoint'}
      submitLabel={endpoint ? 'Save changes' : 'Create endpoint'}
      onClose={onClose}
      onSubmit={async () => {
        const { workspace, name } = form.values;
        const allowedOrigins = lines(form.values.allowedOrigins);
        if (endpoint) {
          await raw((r) =>
            r.PATCH(`${ADMIN}/exposed-endpoints/{id}`, {
              params: { path: { id: endpoint.id } },
              body: { name, allowedOrigins, defaults: defaults() },
            }),
          );
          onSaved();
        } else {
          const created = await raw((r) =>
            r.POST(`${ADMIN}/exposed-endpoints`, {
              body: { workspace, name, allowedOrigins, defaults: defaults() },
            }),
          );
          form.reset();
          onSaved(created);
        }
      }}
    >
      <div className="admin-form__row">
        {!endpoint && (
          <SelectField
            label="Workspace"
            required
            {...form.field('workspace')}
            options={withNone('Choose a workspace…', keyOptions(workspaces))}
          />
        )}
        <TextField
          label="Endpoint name"
          required
          hint="e.g. Website incident form"
          {...form.field('name')}
        />
        <TextField
          label="Allowed origins"
          hint="One per line, e.g. https://www.example.com. Only pages there may call it from a browser; servers are not affected."
          multiline
          {...form.field('allowedOrigins')}
        />
      </div>
      <fieldset className="admin-defaults">
        <legend>Defaults for each todo (the request body wins)</legend>
        <div className="admin-form__row">
          <SelectField
            label="Todo type"
            {...form.field('todoType')}
            options={withNone('No default', [
              { value: 'INCIDENT', label: 'Incident' },
              { value: 'TASK', label: 'Task' },
            ])}
          />
          <SelectField
            label="Status"
            {...form.field('status')}
            options={withNone('No default', [
              { value: 'TODO', label: 'To do' },
              { value: 'INPROGRESS', label: 'In Progress' },
              { value: 'DONE', label: 'Done' },
            ])}
          />
          {LEVEL_FIELDS.map(([key, label]) => (
            <SelectField key={key} label={label} {...form.field(key)} options={LEVEL_OPTIONS} />
          ))}
        </div>
        <div className="admin-form__row">
          <TextField
            label="Reporter"
            hint="E-mail of a user of the workspace; needed unless every request names one."
            type="email"
            list={listId}
            {...form.field('reporter')}
          />
          <TextField label="Assignee" type="email" list={listId} {...form.field('assignee')} />
          <TextField
            label="Tags"
            hint="Comma-separated; added to every todo that comes through."
            {...form.field('tags')}
          />
        </div>
        <datalist id={listId}>
          {emails.map((e) => (
            <option key={e} value={e} />
          ))}
        </datalist>
      </fieldset>
    </AdminForm>
  );
}
