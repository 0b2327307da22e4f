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
import { describeDefaults } from './admin.logic.ts';
import { EndpointForm } from './EndpointForm.tsx';
import {
  ADMIN,
  AdminCard,
  AdminSection,
  AdminTable,
  useAdminSection,
  withWorkspaces,
} from './shared.tsx';

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
