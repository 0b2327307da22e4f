import type { components } from '@bzctrl/sdk';
import { useId, useState } from 'react';
import { raw } from '../../api.ts';
import { Empty } from '../../ui/components.tsx';
import {
  ConfirmAction,
  DeleteAction,
  OnceOnlyPanel,
  SmallButton,
  StatusBadge,
} from './actions.tsx';
import { commaList, describeDefaults, keyOptions, lines, withNone } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm } from './forms.tsx';
import {
  ADMIN,
  AdminCard,
  AdminSection,
  AdminTable,
  type AdminWorkspace,
  useAdminSection,
  withWorkspaces,
} from './shared.tsx';

type Endpoint = components['schemas']['ExposedEndpoint'];
type EndpointWithUuid = components['schemas']['ExposedEndpointWithUuid'];

async function loadAll() {
  const {
    list: [endpoints, u],
    workspaces,
  } = await withWorkspaces(
    Promise.all([
      raw((r) => r.GET(`${ADMIN}/exposed-endpoints`)),
      raw((r) => r.GET(`${ADMIN}/users`)),
    ]),
  );
  return {
    endpoints: endpoints.items,
    workspaces,
    emails: u.items.filter((x) => !x.disabled).map((x) => x.email),
  };
}

/**
 * Exposed endpoints: a URL that creates todos in one workspace without a token (the UUID in
 * it is the credential). The URL exists in the answer of the create or the rotation only.
 */
export function Endpoints() {
  const section = useAdminSection(loadAll);
  const { changed, act, refresh } = section;
  const [shown, setShown] = useState<{ endpoint: EndpointWithUuid; rotated: boolean }>();

  return (
    <AdminSection section={section}>
      {({ endpoints, workspaces, emails }) => (
        <>
          {shown && (
            <OnceOnlyPanel
              title={
                shown.rotated
                  ? `New URL of ${shown.endpoint.name}`
                  : `URL of ${shown.endpoint.name}`
              }
              label="Endpoint URL"
              value={shown.endpoint.url}
              onClose={() => setShown(undefined)}
            >
              <p className="admin-muted">
                Anyone holding this URL can create todos in {shown.endpoint.workspace}: treat it
                like a password. Try it:
              </p>
              <pre className="admin-code">
                {`curl -s -X POST '${shown.endpoint.url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"title":"Seal broken","description":"Container arrived with a broken seal","tags":["urgent"]}'`}
              </pre>
            </OnceOnlyPanel>
          )}
          <AdminCard
            title="Exposed endpoints"
            intro="An exposed endpoint lets a web form or a system without OAuth create todos in one workspace. Only the last four characters of its UUID are kept; a lost URL is replaced by rotating."
          >
            <AdminTable
              rows={endpoints}
              rowKey={(ep) => ep.id}
              empty={<Empty title="No exposed endpoints yet">Expose a workspace below.</Empty>}
              disabled={(ep) => ep.disabled}
              columns={[
                { header: 'Name', cell: (ep) => ep.name },
                { header: 'Workspace', className: 'admin-keys', cell: (ep) => ep.workspace },
                { header: 'UUID', className: 'admin-key', cell: (ep) => `…${ep.uuidHint}` },
                {
                  header: 'Defaults',
                  className: 'admin-small-text',
                  cell: (ep) => describeDefaults(ep.defaults),
                },
                {
                  header: 'Allowed origins',
                  className: 'admin-keys',
                  cell: (ep) => ep.allowedOrigins.join(', ') || '—',
                },
                { header: 'Status', cell: (ep) => <StatusBadge disabled={ep.disabled} /> },
              ]}
              edit={{
                onSaved: changed,
                name: (ep) => ep.name,
                render: (ep, { close, saved }) => (
                  <EndpointForm
                    endpoint={ep}
                    workspaces={workspaces}
                    emails={emails}
                    onClose={close}
                    onSaved={() => saved(`${ep.name} saved.`)}
                  />
                ),
              }}
              actions={(ep) => {
                const path = { id: ep.id };
                return (
                  <>
                    <ConfirmAction
                      label="Rotate URL"
                      question={`The current URL of ${ep.name} stops working now.`}
                      confirmLabel="Rotate now"
                      onConfirm={() =>
                        act(async () => {
                          const rotated = await raw((r) =>
                            r.POST(`${ADMIN}/exposed-endpoints/{id}/rotate`, { params: { path } }),
                          );
                          setShown({ endpoint: rotated, rotated: true });
                        }, `${ep.name} has a new URL; the old one no longer works.`)
                      }
                    />
                    <SmallButton
                      onClick={() =>
                        act(
                          () =>
                            raw((r) =>
                              r.PATCH(`${ADMIN}/exposed-endpoints/{id}`, {
                                params: { path },
                                body: { disabled: !ep.disabled },
                              }),
                            ),
                          ep.disabled ? `${ep.name} is enabled.` : `${ep.name} is disabled.`,
                        )
                      }
                    >
                      {ep.disabled ? 'Enable' : 'Disable'}
                    </SmallButton>
                    <DeleteAction
                      question={`Delete ${ep.name}? Its URL stops working for good.`}
                      confirmLabel="Delete endpoint"
                      onConfirm={() =>
                        act(
                          () =>
                            raw((r) =>
                              r.DELETE(`${ADMIN}/exposed-endpoints/{id}`, { params: { path } }),
                            ),
                          `${ep.name} deleted.`,
                        )
                      }
                    />
                  </>
                );
              }}
            />
          </AdminCard>
          <EndpointForm
            workspaces={workspaces}
            emails={emails}
            onSaved={(created) => {
              if (created) setShown({ endpoint: created, rotated: false });
              refresh();
            }}
          />
        </>
      )}
    </AdminSection>
  );
}

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
function EndpointForm({
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
          form.set({ name: '', allowedOrigins: '', tags: '' });
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
