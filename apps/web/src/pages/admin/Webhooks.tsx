import { useState } from 'react';
import { API, BzCtrlError, raw } from '../../api.ts';
import { href, navigate } from '../../router.ts';
import { Badge, Empty } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { ConfirmAction, DeleteAction, OnceOnlyPanel, SmallButton } from './actions.tsx';
import { AdminForm, TextField, useAdminForm, WorkspacePicker } from './forms.tsx';
import { AdminCard, AdminSection, AdminTable, useAdminSection, withWorkspaces } from './shared.tsx';
import { WebhookDeliveries } from './WebhookDeliveries.tsx';
import {
  blankWebhookForm,
  checkWebhookForm,
  deliveryState,
  describeEvents,
  EVENT_LABEL,
  EVENT_TYPES,
  plainWebhookMessage,
  type Webhook,
  type WebhookDelivery,
  type WebhookFormValues,
  type WebhookWithSecret,
  webhookBody,
  webhookState,
} from './webhooks.logic.ts';

const HOOKS = `${API}/webhooks` as const;

/** Every subscription with its newest delivery (the list's "last delivery"). */
async function loadAll() {
  const { list, workspaces } = await withWorkspaces(raw((r) => r.GET(HOOKS)));
  const hooks = await Promise.all(
    list.items.map(async (hook) => {
      const { items } = await raw((r) =>
        r.GET(`${HOOKS}/{id}/deliveries`, {
          params: { path: { id: hook.id }, query: { limit: 1 } },
        }),
      );
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
  const { act, outcome, refresh } = section;
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
                actions={({ hook }) => {
                  const path = { id: hook.id };
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
                          act(async () => {
                            await raw((r) => r.POST(`${HOOKS}/{id}/test`, { params: { path } }));
                            showDeliveries(hook.id);
                          }, `A test ping to ${name} is on its way.`)
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
                            const rotated = await raw((r) =>
                              r.POST(`${HOOKS}/{id}/rotate-secret`, { params: { path } }),
                            );
                            setSecret({ hook: rotated, rotated: true });
                          }, `The secret of ${name} was rotated.`)
                        }
                      />
                      <SmallButton
                        onClick={() =>
                          act(
                            () =>
                              raw((r) =>
                                r.PATCH(`${HOOKS}/{id}`, {
                                  params: { path },
                                  body: { enabled: !hook.enabled },
                                }),
                              ),
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
                            await raw((r) => r.DELETE(`${HOOKS}/{id}`, { params: { path } }));
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

/** The API's field errors in plain words (the form shows them at their fields). */
function plainErrors(err: unknown): unknown {
  if (!(err instanceof BzCtrlError) || err.errors.length === 0) return err;
  return new BzCtrlError(
    err.status,
    err.code,
    err.detail,
    err.errors.map((e) => ({ field: e.field, message: plainWebhookMessage(e.field, e.message) })),
    err.requestId,
  );
}

/** Subscribes a new receiver; the answer's secret goes to the once-only panel. */
function WebhookForm({
  workspaces,
  onCreated,
}: {
  workspaces: { key: string; name: string }[];
  onCreated: (created: WebhookWithSecret) => void;
}) {
  const form = useAdminForm<WebhookFormValues>(blankWebhookForm, { scope: 'events' });
  const { scope, types, includeOwn } = form.values;

  return (
    <AdminForm
      form={form}
      card
      title="New webhook"
      submitLabel="Create webhook"
      onSubmit={async () => {
        const problems = checkWebhookForm(form.values);
        if (problems.length) {
          throw new BzCtrlError(400, 'validation_failed', 'Check the fields', problems);
        }
        const body = webhookBody(form.values);
        const created = await raw((r) => r.POST(HOOKS, { body })).catch((err) => {
          throw plainErrors(err);
        });
        form.set(blankWebhookForm);
        onCreated(created);
      }}
    >
      <TextField
        label="Target URL"
        required
        autoComplete="off"
        hint="Where BzCtrl POSTs each event: an https:// address of the receiving system."
        {...form.field('url')}
      />
      <fieldset className={`admin-picker${form.fields.events ? ' admin-picker--invalid' : ''}`}>
        <legend>Events</legend>
        <div className="admin-picker__options">
          <label>
            <input
              type="radio"
              name="webhook-scope"
              checked={scope === 'all'}
              onChange={() => form.set({ scope: 'all' })}
            />{' '}
            All todo events <span className="admin-muted admin-key">todo.*</span>
          </label>
          <label>
            <input
              type="radio"
              name="webhook-scope"
              checked={scope === 'chosen'}
              onChange={() => form.set({ scope: 'chosen' })}
            />{' '}
            Only the types ticked below
          </label>
        </div>
        {scope === 'chosen' && (
          <div className="admin-picker__options">
            {EVENT_TYPES.map((t) => (
              <label key={t}>
                <input
                  type="checkbox"
                  checked={types.includes(t)}
                  onChange={(e) =>
                    form.set({
                      types: e.target.checked ? [...types, t] : types.filter((x) => x !== t),
                    })
                  }
                />{' '}
                {EVENT_LABEL[t]} <span className="admin-muted admin-key">{t}</span>
              </label>
            ))}
          </div>
        )}
        {form.fields.events && (
          <p className="field__error" role="alert">
            {form.fields.events}
          </p>
        )}
      </fieldset>
      <WorkspacePicker
        legend="Only these workspaces (none ticked: every workspace)"
        options={workspaces}
        {...form.field('workspaces')}
      />
      <label className="admin-check">
        <input
          type="checkbox"
          checked={includeOwn}
          onChange={(e) => form.set({ includeOwn: e.target.checked })}
        />{' '}
        Include its owner's own changes
      </label>
      <p className="field__hint webhook-hint">
        Matters for a webhook an API client owns: by default it does not hear the changes it made
        itself. A webhook created here is yours and gets every change either way.
      </p>
    </AdminForm>
  );
}
