import type { components } from '@bzctrl/sdk';
import { Fragment, useState } from 'react';
import { raw } from '../../api.ts';
import { Badge, Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import {
  ADMIN,
  ConfirmAction,
  FailureNote,
  OnceOnlyPanel,
  useOutcome,
  useSubmit,
  WorkspacePicker,
} from './shared.tsx';

type Client = components['schemas']['AdminClient'];
type ClientWithSecret = components['schemas']['AdminClientWithSecret'];
type Workspace = components['schemas']['AdminWorkspace'];

async function loadAll(): Promise<{ clients: Client[]; workspaces: Workspace[] }> {
  const [c, w] = await Promise.all([
    raw((r) => r.GET(`${ADMIN}/clients`)),
    raw((r) => r.GET(`${ADMIN}/workspaces`)),
  ]);
  return { clients: c.items, workspaces: w.items };
}

/**
 * API clients (client-credentials integrations): create, change, rotate the secret,
 * disable, delete. A secret exists in the answer of the create or the rotation only, so
 * it is shown once, in a panel that says so.
 */
export function Clients() {
  const state = useAsync(loadAll, []);
  const outcome = useOutcome();
  const [editing, setEditing] = useState<string | undefined>();
  const [secret, setSecret] = useState<{ client: ClientWithSecret; rotated: boolean }>();

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const { clients, workspaces } = state.data ?? { clients: [], workspaces: [] };
  const tokenUrl = `${window.location.origin}/bzctrl-core-api/oauth/token`;

  return (
    <>
      {outcome.note}
      {secret && (
        <OnceOnlyPanel
          title={
            secret.rotated
              ? `New secret of ${secret.client.clientId}`
              : `Secret of ${secret.client.clientId}`
          }
          label="Client secret"
          value={secret.client.clientSecret}
          onClose={() => setSecret(undefined)}
        >
          <p className="admin-muted">The client gets a token with it (client credentials):</p>
          <pre className="admin-code">
            {`curl -s ${tokenUrl} \\\n  -u '${secret.client.clientId}:<the secret>' -d grant_type=client_credentials`}
          </pre>
        </OnceOnlyPanel>
      )}
      <section className="card" aria-labelledby="admin-clients">
        <h2 id="admin-clients">API clients</h2>
        <p className="admin-intro">
          An API client is another system (an ERP, an ITSM tool) that signs in with its own id and
          secret and works only in its workspaces. Its default workspace receives todos whose
          request names none.
        </p>
        {clients.length === 0 ? (
          <Empty title="No API clients yet">Register the first one below.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client ID</th>
                  <th scope="col">Workspaces</th>
                  <th scope="col">Default</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <Fragment key={c.clientId}>
                    <tr className={c.disabled ? 'admin-row--disabled' : undefined}>
                      <td>{c.name}</td>
                      <td className="admin-key">{c.clientId}</td>
                      <td className="admin-keys">{c.workspaces.join(', ') || '—'}</td>
                      <td className="admin-keys">{c.defaultWorkspace ?? '—'}</td>
                      <td>
                        {c.disabled ? (
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
                            aria-expanded={editing === c.clientId}
                            aria-label={`Edit ${c.clientId}`}
                            onClick={() =>
                              setEditing(editing === c.clientId ? undefined : c.clientId)
                            }
                          >
                            Edit
                          </button>
                          <ConfirmAction
                            label="Rotate secret"
                            question={`The current secret of ${c.clientId} stops working now and its tokens are revoked.`}
                            confirmLabel="Rotate now"
                            onConfirm={() =>
                              outcome.run(async () => {
                                const rotated = await raw((r) =>
                                  r.POST(`${ADMIN}/clients/{clientId}/secret`, {
                                    params: { path: { clientId: c.clientId } },
                                  }),
                                );
                                setSecret({ client: rotated, rotated: true });
                              }, `The secret of ${c.clientId} was rotated.`)
                            }
                          />
                          <button
                            type="button"
                            className="button button--secondary admin-small"
                            onClick={() =>
                              outcome.run(
                                async () => {
                                  await raw((r) =>
                                    r.PATCH(`${ADMIN}/clients/{clientId}`, {
                                      params: { path: { clientId: c.clientId } },
                                      body: { disabled: !c.disabled },
                                    }),
                                  );
                                  state.reload();
                                },
                                c.disabled
                                  ? `${c.clientId} is enabled.`
                                  : `${c.clientId} is disabled; its tokens are revoked.`,
                              )
                            }
                          >
                            {c.disabled ? 'Enable' : 'Disable'}
                          </button>
                          <ConfirmAction
                            label="Delete"
                            question={`Delete ${c.clientId}? Only a client that never wrote anything can be deleted.`}
                            confirmLabel="Delete client"
                            danger
                            onConfirm={() =>
                              outcome.run(async () => {
                                await raw((r) =>
                                  r.DELETE(`${ADMIN}/clients/{clientId}`, {
                                    params: { path: { clientId: c.clientId } },
                                  }),
                                );
                                state.reload();
                              }, `${c.clientId} deleted.`)
                            }
                          />
                        </div>
                      </td>
                    </tr>
                    {editing === c.clientId && (
                      <tr className="admin-edit-row">
                        <td colSpan={6}>
                          <ClientForm
                            client={c}
                            workspaces={workspaces}
                            onClose={() => setEditing(undefined)}
                            onSaved={() => {
                              setEditing(undefined);
                              outcome.done(`${c.clientId} saved.`);
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
        <ClientForm
          workspaces={workspaces}
          onSaved={(created) => {
            if (created) setSecret({ client: created, rotated: false });
            outcome.clear();
            state.reload();
          }}
        />
      </div>
    </>
  );
}

/** Creates a client (no `client`) or changes one. */
function ClientForm({
  client,
  workspaces,
  onSaved,
  onClose,
}: {
  client?: Client;
  workspaces: Workspace[];
  onSaved: (created?: ClientWithSecret) => void;
  onClose?: () => void;
}) {
  const [name, setName] = useState(client?.name ?? '');
  const [clientId, setClientId] = useState('');
  const [keys, setKeys] = useState<string[]>(client?.workspaces ?? []);
  const [defaultWorkspace, setDefault] = useState(client?.defaultWorkspace ?? '');
  const { failure, busy, submit, fields } = useSubmit([
    'name',
    'clientId',
    'workspaces',
    'defaultWorkspace',
  ]);
  // The default must be one of the client's workspaces; an empty choice means the first.
  const chosenDefault = keys.includes(defaultWorkspace) ? defaultWorkspace : '';

  return (
    <form
      className="admin-form"
      aria-label={client ? `Change ${client.clientId}` : 'New API client'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          if (client) {
            await raw((r) =>
              r.PATCH(`${ADMIN}/clients/{clientId}`, {
                params: { path: { clientId: client.clientId } },
                body: { name, workspaces: keys, defaultWorkspace: chosenDefault || null },
              }),
            );
            onSaved();
          } else {
            const created = await raw((r) =>
              r.POST(`${ADMIN}/clients`, {
                body: {
                  name,
                  workspaces: keys,
                  ...(clientId.trim() ? { clientId: clientId.trim() } : {}),
                  ...(chosenDefault ? { defaultWorkspace: chosenDefault } : {}),
                },
              }),
            );
            setName('');
            setClientId('');
            setKeys([]);
            setDefault('');
            onSaved(created);
          }
        });
      }}
    >
      {client ? <h3>Change {client.clientId}</h3> : <h2>New API client</h2>}
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        <Field label="Client name" required error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        {!client && (
          <Field
            label="Client ID"
            error={fields.clientId}
            hint="Letters, digits, . _ -; made from the name when left empty."
          >
            {(p) => <input {...p} value={clientId} onChange={(e) => setClientId(e.target.value)} />}
          </Field>
        )}
        <Field
          label="Default workspace"
          error={fields.defaultWorkspace}
          hint="For requests that name no workspace."
        >
          {(p) => (
            <select {...p} value={chosenDefault} onChange={(e) => setDefault(e.target.value)}>
              <option value="">{client ? 'None' : 'The first one chosen'}</option>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <WorkspacePicker
        legend="Workspaces it may use"
        options={workspaces}
        value={keys}
        onChange={setKeys}
        error={fields.workspaces}
      />
      <div className="admin-actions">
        <button type="submit" className="button" disabled={busy}>
          {client ? 'Save changes' : 'Create client'}
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
