import { useState } from 'react';
import { call } from '../../api.ts';
import { href, navigate } from '../../router.ts';
import { Badge, Empty } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { ConfirmAction, DeleteAction, OnceOnlyPanel, SmallButton } from './actions.tsx';
import { AdminCard, AdminSection, AdminTable, useAdminSection, withWorkspaces } from './shared.tsx';
import { WebhookDeliveries } from './WebhookDeliveries.tsx';
import { WebhookForm } from './WebhookForm.tsx';
import {
  deliveryState,
  describeEvents,
  type Webhook,
  type WebhookDelivery,
  type WebhookWithSecret,
  webhookState,
} from './webhooks.logic.ts';

/** Every subscription with its newest delivery (the list's "last delivery"). */
async function loadAll() {
  const { list, workspaces } = await withWorkspaces(call((c) => c.webhooks.list()));
  // One call per webhook: the API's subscriptions carry no summary of their last delivery.
  const hooks = await Promise.all(
    list.items.map(async (hook) => {
      const { items } = await call((c) => c.webhooks.deliveries(hook.id, { limit: 1 }));
      return { hook, last: items[0] };
    }),
  );
  return { hooks, workspaces };
}

/** The short name of a subscription in messages and buttons: its number and host. */
function nameOf(h: Webhook): string {
  let host = h.url;
  try {
    host = new URL(h.url).host;
  } catch {
    /* shown as stored */
  }
  return `webhook ${h.id} (${host})`;
}

/**
 * Webhooks (`#/admin/webhooks`, `?deliveries=<id>` opens one's delivery log): subscribe a
 * receiver to todo events, send it a test, disable, enable, rotate and delete. The signing
 * secret exists only in the answer of a create or a rotation, so it is shown once.
 */
export function Webhooks({ query }: { query: URLSearchParams }) {
  const section = useAdminSection(loadAll);
  const { act, changed, outcome, refresh } = section;
  const [secret, setSecret] = useState<{ hook: WebhookWithSecret; rotated: boolean }>();
  const open = Number(query.get('deliveries')) || undefined;
  const showDeliveries = (id: number | undefined) =>
    navigate(href('/admin/webhooks', { deliveries: id }), { replace: true });

  return (
    <AdminSection section={section}>
      {({ hooks, workspaces }) => {
        const opened = hooks.find((h) => h.hook.id === open);
        return (
          <>
            {secret && (
              <OnceOnlyPanel
                title={
                  secret.rotated
                    ? `New secret of webhook ${secret.hook.id}`
                    : `Secret of webhook ${secret.hook.id}`
                }
                label="Signing secret"
                value={secret.hook.secret}
                onClose={() => setSecret(undefined)}
              >
                <p className="admin-muted">
                  The receiver checks each delivery's <code>webhook-signature</code> header with it
                  (Standard Webhooks).
                  {secret.rotated &&
                    ' The previous secret keeps signing too for 24 hours, so the receiver can switch without losing a delivery.'}
                </p>
              </OnceOnlyPanel>
            )}
            <AdminCard
              title="Webhooks"
              intro="A webhook sends each change of a todo, as it happens, to another system's address: signed, retried for at least a day when the receiver fails, and in order per todo."
            >
              <AdminTable
                rows={hooks}
                rowKey={({ hook }) => hook.id}
                empty={<Empty title="No webhooks yet">Add the first one below.</Empty>}
                disabled={({ hook }) => !hook.enabled}
                columns={[
                  {
                    header: 'Target',
                    className: 'admin-keys webhook-url',
                    cell: ({ hook }) => hook.url,
                  },
                  {
                    header: 'Events',
                    className: 'admin-small-text',
                    cell: ({ hook }) =>
                      `${describeEvents(hook.events)}${hook.includeOwn ? ' · own changes too' : ''}`,
                  },
                  {
                    header: 'Workspaces',
                    className: 'admin-keys',
                    cell: ({ hook }) => hook.workspaces?.join(', ') ?? 'All',
                  },
                  {
                    header: 'Owner',
                    className: 'admin-small-text',
                    cell: ({ hook }) =>
                      hook.owner.type === 'client'
                        ? `${hook.owner.name} (API client)`
                        : hook.owner.name,
                  },
                  { header: 'Status', cell: ({ hook }) => <HookStatus hook={hook} /> },
                  { header: 'Last delivery', cell: ({ last }) => <LastDelivery last={last} /> },
                ]}
                edit={{
                  onSaved: changed,
                  name: ({ hook }) => `webhook ${hook.id}`,
                  render: ({ hook }, { close, saved }) => (
                    <WebhookForm
                      hook={hook}
                      workspaces={workspaces}
                      onClose={close}
                      onSaved={() => saved(`${nameOf(hook)} saved.`)}
                    />
                  ),
                }}
                actions={({ hook }) => {
                  const name = nameOf(hook);
                  return (
                    <>
                      <SmallButton
                        aria-expanded={open === hook.id}
                        onClick={() => showDeliveries(open === hook.id ? undefined : hook.id)}
                      >
                        Deliveries
                      </SmallButton>
                      <SmallButton
                        onClick={() =>
                          act(
                            async () => {
                              await call((c) => c.webhooks.test(hook.id));
                              showDeliveries(hook.id);
                            },
                            hook.enabled
                              ? `A test ping to ${name} is on its way.`
                              : `A test ping to ${name} is queued; it is sent once the webhook is enabled.`,
                          )
                        }
                      >
                        Send test
                      </SmallButton>
                      <ConfirmAction
                        label="Rotate secret"
                        question={`A new secret signs every delivery of ${name}; the current one keeps signing too for 24 hours.`}
                        confirmLabel="Rotate now"
                        onConfirm={() =>
                          outcome.run(async () => {
                            const rotated = await call((c) => c.webhooks.rotateSecret(hook.id));
                            setSecret({ hook: rotated, rotated: true });
                          }, `The secret of ${name} was rotated.`)
                        }
                      />
                      <SmallButton
                        onClick={() =>
                          act(
                            () =>
                              call((c) => c.webhooks.update(hook.id, { enabled: !hook.enabled })),
                            hook.enabled
                              ? `${name} is disabled; its events wait until it is enabled again.`
                              : `${name} is enabled; waiting events are delivered now.`,
                          )
                        }
                      >
                        {hook.enabled ? 'Disable' : 'Enable'}
                      </SmallButton>
                      <DeleteAction
                        question={`Delete ${name} and its delivery log? Events not yet delivered are dropped.`}
                        confirmLabel="Delete webhook"
                        onConfirm={() =>
                          act(async () => {
                            await call((c) => c.webhooks.delete(hook.id));
                            if (open === hook.id) showDeliveries(undefined);
                          }, `${name} deleted.`)
                        }
                      />
                    </>
                  );
                }}
              />
            </AdminCard>
            {opened && (
              <WebhookDeliveries
                key={opened.hook.id}
                hook={opened.hook}
                newest={opened.last}
                name={nameOf(opened.hook)}
                onStale={section.state.reload}
                onClose={() => showDeliveries(undefined)}
              />
            )}
            {open !== undefined && !opened && (
              <Empty title={`There is no webhook ${open}`}>
                <a href="#/admin/webhooks">Show all webhooks</a>
              </Empty>
            )}
            <WebhookForm
              workspaces={workspaces}
              onCreated={(created) => {
                setSecret({ hook: created, rotated: false });
                refresh();
              }}
            />
          </>
        );
      }}
    </AdminSection>
  );
}

/** Enabled, failing or disabled, with the reason. */
function HookStatus({ hook }: { hook: Webhook }) {
  const state = webhookState(hook);
  return (
    <>
      <Badge tone={state.tone}>{state.label}</Badge>
      {hook.failingSince && hook.enabled && (
        <div className="admin-small-text admin-muted">
          since {formatDateTime(hook.failingSince)}
        </div>
      )}
      {state.detail && <div className="admin-small-text admin-muted">{state.detail}</div>}
    </>
  );
}

/** The newest delivery's state and when. */
function LastDelivery({ last }: { last: WebhookDelivery | undefined }) {
  if (!last) return <span className="admin-muted">None yet</span>;
  const state = deliveryState(last);
  const status = last.lastResponse?.status;
  return (
    <>
      <Badge tone={state.tone}>{state.label}</Badge>
      <div className="admin-small-text admin-muted">
        {status !== undefined && `HTTP ${status} · `}
        {formatDateTime(last.lastAttemptAt ?? last.createdAt)}
      </div>
    </>
  );
}
