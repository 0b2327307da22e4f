import type { components } from '@bzctrl/sdk';
import { useState } from 'react';
import { raw } from '../../api.ts';
import { Empty } from '../../ui/components.tsx';
import {
  ConfirmAction,
  DeleteAction,
  OnceOnlyPanel,
  SmallButton,
  StatusBadge,
} from './actions.tsx';
import { withNone } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm, WorkspacePicker } from './forms.tsx';
import {
  ADMIN,
  AdminCard,
  AdminSection,
  AdminTable,
  type AdminWorkspace,
  useAdminSection,
  withWorkspaces,
} from './shared.tsx';

type Client = components['schemas']['AdminClient'];
type ClientWithSecret = components['schemas']['AdminClientWithSecret'];

const loadAll = () => withWorkspaces(raw((r) => r.GET(`${ADMIN}/clients`)));

/**
 * API clients (client-credentials integrations): create, change, rotate the secret,
 * disable, delete. A secret exists in the answer of the create or the rotation only, so
 * it is shown once, in a panel that says so.
 */
export function Clients() {
  const section = useAdminSection(loadAll);
  const { changed, act, outcome, refresh } = section;
  const [secret, setSecret] = useState<{ client: ClientWithSecret; rotated: boolean }>();
  const tokenUrl = `${window.location.origin}/bzctrl-core-api/oauth/token`;

  return (
    <AdminSection section={section}>
      {({ list: { items: clients }, workspaces }) => (
        <>
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
          <AdminCard
            title="API clients"
            intro="An API client is another system (an ERP, an ITSM tool) that signs in with its own id and secret and works only in its workspaces. Its default workspace receives todos whose request names none."
          >
            <AdminTable
              rows={clients}
              rowKey={(c) => c.clientId}
              empty={<Empty title="No API clients yet">Register the first one below.</Empty>}
              disabled={(c) => c.disabled}
              columns={[
                { header: 'Name', cell: (c) => c.name },
                { header: 'Client ID', className: 'admin-key', cell: (c) => c.clientId },
                {
                  header: 'Workspaces',
                  className: 'admin-keys',
                  cell: (c) => c.workspaces.join(', ') || '—',
                },
                {
                  header: 'Default',
                  className: 'admin-keys',
                  cell: (c) => c.defaultWorkspace ?? '—',
                },
                { header: 'Status', cell: (c) => <StatusBadge disabled={c.disabled} /> },
              ]}
              edit={{
                onSaved: changed,
                name: (c) => c.clientId,
                render: (c, { close, saved }) => (
                  <ClientForm
                    client={c}
                    workspaces={workspaces}
                    onClose={close}
                    onSaved={() => saved(`${c.clientId} saved.`)}
                  />
                ),
              }}
              actions={(c) => {
                const path = { clientId: c.clientId };
                return (
                  <>
                    <ConfirmAction
                      label="Rotate secret"
                      question={`The current secret of ${c.clientId} stops working now and its tokens are revoked.`}
                      confirmLabel="Rotate now"
                      onConfirm={() =>
                        outcome.run(async () => {
                          const rotated = await raw((r) =>
                            r.POST(`${ADMIN}/clients/{clientId}/secret`, { params: { path } }),
                          );
                          setSecret({ client: rotated, rotated: true });
                        }, `The secret of ${c.clientId} was rotated.`)
                      }
                    />
                    <SmallButton
                      onClick={() =>
                        act(
                          () =>
                            raw((r) =>
                              r.PATCH(`${ADMIN}/clients/{clientId}`, {
                                params: { path },
                                body: { disabled: !c.disabled },
                              }),
                            ),
                          c.disabled
                            ? `${c.clientId} is enabled.`
                            : `${c.clientId} is disabled; its tokens are revoked.`,
                        )
                      }
                    >
                      {c.disabled ? 'Enable' : 'Disable'}
                    </SmallButton>
                    <DeleteAction
                      question={`Delete ${c.clientId}? Only a client that never wrote anything can be deleted.`}
                      confirmLabel="Delete client"
                      onConfirm={() =>
                        act(
                          () =>
                            raw((r) =>
                              r.DELETE(`${ADMIN}/clients/{clientId}`, { params: { path } }),
                            ),
                          `${c.clientId} deleted.`,
                        )
                      }
                    />
                  </>
                );
              }}
            />
          </AdminCard>
          <ClientForm
            workspaces={workspaces}
            onSaved={(created) => {
              if (created) setSecret({ client: created, rotated: false });
              refresh();
            }}
          />
        </>
      )}
    </AdminSection>
  );
}

/** Creates a client (no `client`: a card of its own) or changes one. */
function ClientForm({
  client,
  workspaces,
  onSaved,
  onClose,
}: {
  client?: Client;
  workspaces: AdminWorkspace[];
  onSaved: (created?: ClientWithSecret) => void;
  onClose?: () => void;
}) {
  const form = useAdminForm({
    name: client?.name ?? '',
    clientId: '',
    workspaces: client?.workspaces ?? [],
    defaultWorkspace: client?.defaultWorkspace ?? '',
  });
  const { name, clientId, workspaces: keys, defaultWorkspace } = form.values;
  // The default must be one of the client's workspaces; an empty choice means the first.
  const chosenDefault = keys.includes(defaultWorkspace) ? defaultWorkspace : '';

  return (
    <AdminForm
      form={form}
      card={!client}
      title={client ? `Change ${client.clientId}` : 'New API client'}
      submitLabel={client ? 'Save changes' : 'Create client'}
      onClose={onClose}
      onSubmit={async () => {
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
          form.reset();
          onSaved(created);
        }
      }}
    >
      <div className="admin-form__row">
        <TextField label="Client name" required {...form.field('name')} />
        {!client && (
          <TextField
            label="Client ID"
            hint="Letters, digits, . _ -; made from the name when left empty."
            {...form.field('clientId')}
          />
        )}
        <SelectField
          label="Default workspace"
          hint="For requests that name no workspace."
          {...form.field('defaultWorkspace')}
          value={chosenDefault}
          options={withNone(
            client ? 'None' : 'The first one chosen',
            keys.map((k) => ({ value: k, label: k })),
          )}
        />
      </div>
      <WorkspacePicker
        legend="Workspaces it may use"
        options={workspaces}
        {...form.field('workspaces')}
      />
    </AdminForm>
  );
}
