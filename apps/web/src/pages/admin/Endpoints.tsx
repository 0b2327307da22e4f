import type { components } from '@bzctrl/sdk';
import { Fragment, useId, useState } from 'react';
import { raw } from '../../api.ts';
import { Badge, Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { LEVEL_LABEL, STATUS_LABEL, TYPE_LABEL } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import {
  ADMIN,
  ConfirmAction,
  commaList,
  FailureNote,
  lines,
  OnceOnlyPanel,
  useOutcome,
  useSubmit,
} from './shared.tsx';

type Endpoint = components['schemas']['ExposedEndpoint'];
type EndpointWithUuid = components['schemas']['ExposedEndpointWithUuid'];
type Defaults = Endpoint['defaults'];
type Workspace = components['schemas']['AdminWorkspace'];

async function loadAll() {
  const [endpoints, w, u] = await Promise.all([
    raw((r) => r.GET(`${ADMIN}/exposed-endpoints`)),
    raw((r) => r.GET(`${ADMIN}/workspaces`)),
    raw((r) => r.GET(`${ADMIN}/users`)),
  ]);
  return {
    endpoints,
    workspaces: w.items,
    emails: u.items.filter((x) => !x.disabled).map((x) => x.email),
  };
}

/** A short reading of an endpoint's defaults for the list. */
function describeDefaults(d: Defaults): string {
  const parts = [
    d.todoType && TYPE_LABEL[d.todoType],
    d.status && STATUS_LABEL[d.status],
    d.priority && `${LEVEL_LABEL[d.priority]} priority`,
    d.reporter && `reporter ${d.reporter}`,
    d.assignee && `assignee ${d.assignee}`,
    d.tags?.length ? `tags ${d.tags.join(', ')}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ') || '—';
}

/**
 * Exposed endpoints: a URL that creates todos in one workspace without a token (the UUID in
 * it is the credential). The URL exists in the answer of the create or the rotation only.
 */
export function Endpoints() {
  const state = useAsync(loadAll, []);
  const outcome = useOutcome();
  const [editing, setEditing] = useState<number | undefined>();
  const [shown, setShown] = useState<{ endpoint: EndpointWithUuid; rotated: boolean }>();

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const { endpoints, workspaces, emails } = state.data ?? {
    endpoints: [],
    workspaces: [],
    emails: [],
  };

  return (
    <>
      {outcome.note}
      {shown && (
        <OnceOnlyPanel
          title={
            shown.rotated ? `New URL of ${shown.endpoint.name}` : `URL of ${shown.endpoint.name}`
          }
          label="Endpoint URL"
          value={shown.endpoint.url}
          onClose={() => setShown(undefined)}
        >
          <p className="admin-muted">
            Anyone holding this URL can create todos in {shown.endpoint.workspace}: treat it like a
            password. Try it:
          </p>
          <pre className="admin-code">
            {`curl -s -X POST '${shown.endpoint.url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"title":"Seal broken","description":"Container arrived with a broken seal","tags":["urgent"]}'`}
          </pre>
        </OnceOnlyPanel>
      )}
      <section className="card" aria-labelledby="admin-endpoints">
        <h2 id="admin-endpoints">Exposed endpoints</h2>
        <p className="admin-intro">
          An exposed endpoint lets a web form or a system without OAuth create todos in one
          workspace. Only the last four characters of its UUID are kept; a lost URL is replaced by
          rotating.
        </p>
        {endpoints.length === 0 ? (
          <Empty title="No exposed endpoints yet">Expose a workspace below.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Workspace</th>
                  <th scope="col">UUID</th>
                  <th scope="col">Defaults</th>
                  <th scope="col">Allowed origins</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {endpoints.map((ep) => (
                  <Fragment key={ep.id}>
                    <tr className={ep.disabled ? 'admin-row--disabled' : undefined}>
                      <td>{ep.name}</td>
                      <td className="admin-keys">{ep.workspace}</td>
                      <td className="admin-key">…{ep.uuidHint}</td>
                      <td className="admin-small-text">{describeDefaults(ep.defaults)}</td>
                      <td className="admin-keys">{ep.allowedOrigins.join(', ') || '—'}</td>
                      <td>
                        {ep.disabled ? (
                          <Badge tone="expired">Disabled</Badge>
                        ) : (
                          <Badge tone="done">Active</Badge>
                        )}
                      </td>
                      <td className="admin-row-actions">
                        <div className="admin-row-actions__inner">
                          <button
                            type="button"
                            className="button button--secondary admin-small"
                            aria-expanded={editing === ep.id}
                            aria-label={`Edit ${ep.name}`}
                            onClick={() => setEditing(editing === ep.id ? undefined : ep.id)}
                          >
                            Edit
                          </button>
                          <ConfirmAction
                            label="Rotate URL"
                            question={`The current URL of ${ep.name} stops working now.`}
                            confirmLabel="Rotate now"
                            onConfirm={() =>
                              outcome.run(async () => {
                                const rotated = await raw((r) =>
                                  r.POST(`${ADMIN}/exposed-endpoints/{id}/rotate`, {
                                    params: { path: { id: ep.id } },
                                  }),
                                );
                                setShown({ endpoint: rotated, rotated: true });
                                state.reload();
                              }, `${ep.name} has a new URL; the old one no longer works.`)
                            }
                          />
                          <button
                            type="button"
                            className="button button--secondary admin-small"
                            onClick={() =>
                              outcome.run(
                                async () => {
                                  await raw((r) =>
                                    r.PATCH(`${ADMIN}/exposed-endpoints/{id}`, {
                                      params: { path: { id: ep.id } },
                                      body: { disabled: !ep.disabled },
                                    }),
                                  );
                                  state.reload();
                                },
                                ep.disabled ? `${ep.name} is enabled.` : `${ep.name} is disabled.`,
                              )
                            }
                          >
                            {ep.disabled ? 'Enable' : 'Disable'}
                          </button>
                          <ConfirmAction
                            label="Delete"
                            question={`Delete ${ep.name}? Its URL stops working for good.`}
                            confirmLabel="Delete endpoint"
                            danger
                            onConfirm={() =>
                              outcome.run(async () => {
                                await raw((r) =>
                                  r.DELETE(`${ADMIN}/exposed-endpoints/{id}`, {
                                    params: { path: { id: ep.id } },
                                  }),
                                );
                                state.reload();
                              }, `${ep.name} deleted.`)
                            }
                          />
                        </div>
                      </td>
                    </tr>
                    {editing === ep.id && (
                      <tr className="admin-edit-row">
                        <td colSpan={7}>
                          <EndpointForm
                            endpoint={ep}
                            workspaces={workspaces}
                            emails={emails}
                            onClose={() => setEditing(undefined)}
                            onSaved={() => {
                              setEditing(undefined);
                              outcome.done(`${ep.name} saved.`);
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
        <EndpointForm
          workspaces={workspaces}
          emails={emails}
          onSaved={(created) => {
            if (created) setShown({ endpoint: created, rotated: false });
            outcome.clear();
            state.reload();
          }}
        />
      </div>
    </>
  );
}

const LEVEL_FIELDS = [
  ['priority', 'Priority'],
  ['impact', 'Impact'],
  ['likelihood', 'Likelihood'],
] as const;

/** Creates an endpoint (no `endpoint`) or changes one; defaults and origins are replaced whole. */
function EndpointForm({
  endpoint,
  workspaces,
  emails,
  onSaved,
  onClose,
}: {
  endpoint?: Endpoint;
  workspaces: Workspace[];
  emails: string[];
  onSaved: (created?: EndpointWithUuid) => void;
  onClose?: () => void;
}) {
  const d = endpoint?.defaults ?? {};
  const [workspace, setWorkspace] = useState(endpoint?.workspace ?? '');
  const [name, setName] = useState(endpoint?.name ?? '');
  const [origins, setOrigins] = useState((endpoint?.allowedOrigins ?? []).join('\n'));
  const [todoType, setTodoType] = useState<string>(d.todoType ?? '');
  const [status, setStatus] = useState<string>(d.status ?? '');
  const [levels, setLevels] = useState<Record<string, string>>({
    priority: d.priority ?? '',
    impact: d.impact ?? '',
    likelihood: d.likelihood ?? '',
  });
  const [reporter, setReporter] = useState(d.reporter ?? '');
  const [assignee, setAssignee] = useState(d.assignee ?? '');
  const [tags, setTags] = useState((d.tags ?? []).join(', '));
  const listId = useId();
  const { failure, busy, submit, fields } = useSubmit([
    'workspace',
    'name',
    'allowedOrigins',
    'defaults.todoType',
    'defaults.status',
    'defaults.priority',
    'defaults.impact',
    'defaults.likelihood',
    'defaults.reporter',
    'defaults.assignee',
    'defaults.tags',
  ]);

  const defaults = () => {
    const out: Record<string, string | string[]> = {};
    if (todoType) out.todoType = todoType;
    if (status) out.status = status;
    for (const [k] of LEVEL_FIELDS) if (levels[k]) out[k] = levels[k] as string;
    if (reporter.trim()) out.reporter = reporter.trim();
    if (assignee.trim()) out.assignee = assignee.trim();
    const t = commaList(tags);
    if (t.length > 0) out.tags = t;
    // Category is kept as it was: this form does not edit it.
    if (d.category?.length) out.category = d.category;
    return out;
  };

  return (
    <form
      className="admin-form"
      aria-label={endpoint ? `Change ${endpoint.name}` : 'New exposed endpoint'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const allowedOrigins = lines(origins);
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
            setName('');
            setOrigins('');
            setTags('');
            onSaved(created);
          }
        });
      }}
    >
      {endpoint ? <h3>Change {endpoint.name}</h3> : <h2>Expose a workspace</h2>}
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        {!endpoint && (
          <Field label="Workspace" required error={fields.workspace}>
            {(p) => (
              <select {...p} value={workspace} onChange={(e) => setWorkspace(e.target.value)}>
                <option value="">Choose a workspace…</option>
                {workspaces.map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.key} · {w.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Endpoint name" required error={fields.name} hint="e.g. Website incident form">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label="Allowed origins"
          error={fields.allowedOrigins}
          hint="One per line, e.g. https://www.example.com. Only pages there may call it from a browser; servers are not affected."
        >
          {(p) => (
            <textarea
              {...p}
              className="admin-textarea--short"
              value={origins}
              onChange={(e) => setOrigins(e.target.value)}
            />
          )}
        </Field>
      </div>
      <fieldset className="admin-defaults">
        <legend>Defaults for each todo (the request body wins)</legend>
        <div className="admin-form__row">
          <Field label="Todo type" error={fields['defaults.todoType']}>
            {(p) => (
              <select {...p} value={todoType} onChange={(e) => setTodoType(e.target.value)}>
                <option value="">No default</option>
                <option value="INCIDENT">Incident</option>
                <option value="TASK">Task</option>
              </select>
            )}
          </Field>
          <Field label="Status" error={fields['defaults.status']}>
            {(p) => (
              <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">No default</option>
                <option value="TODO">To do</option>
                <option value="INPROGRESS">In Progress</option>
                <option value="DONE">Done</option>
              </select>
            )}
          </Field>
          {LEVEL_FIELDS.map(([key, label]) => (
            <Field key={key} label={label} error={fields[`defaults.${key}`]}>
              {(p) => (
                <select
                  {...p}
                  value={levels[key]}
                  onChange={(e) => setLevels({ ...levels, [key]: e.target.value })}
                >
                  <option value="">No default</option>
                  <option value="HIGH">High</option>
                  <option value="MEDIUM">Medium</option>
                  <option value="LOW">Low</option>
                </select>
              )}
            </Field>
          ))}
        </div>
        <div className="admin-form__row">
          <Field
            label="Reporter"
            error={fields['defaults.reporter']}
            hint="E-mail of a user of the workspace; needed unless every request names one."
          >
            {(p) => (
              <input
                {...p}
                type="email"
                list={listId}
                value={reporter}
                onChange={(e) => setReporter(e.target.value)}
              />
            )}
          </Field>
          <Field label="Assignee" error={fields['defaults.assignee']}>
            {(p) => (
              <input
                {...p}
                type="email"
                list={listId}
                value={assignee}
                onChange={(e) => setAssignee(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Tags"
            error={fields['defaults.tags']}
            hint="Comma-separated; added to every todo that comes through."
          >
            {(p) => <input {...p} value={tags} onChange={(e) => setTags(e.target.value)} />}
          </Field>
        </div>
        <datalist id={listId}>
          {emails.map((e) => (
            <option key={e} value={e} />
          ))}
        </datalist>
      </fieldset>
      <div className="admin-actions">
        <button type="submit" className="button" disabled={busy}>
          {endpoint ? 'Save changes' : 'Create endpoint'}
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
