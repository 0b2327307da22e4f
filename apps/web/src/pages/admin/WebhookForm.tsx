import { useId } from 'react';
import { BzCtrlError, call } from '../../api.ts';
import { FieldError } from '../../ui/components.tsx';
import { AdminForm, TextField, useAdminForm, WorkspacePicker } from './forms.tsx';
import {
  blankWebhookForm,
  checkWebhookForm,
  EVENT_LABEL,
  EVENT_TYPES,
  plainWebhookMessage,
  type Webhook,
  type WebhookFormValues,
  type WebhookWithSecret,
  webhookBody,
  webhookFormOf,
  webhookPatch,
} from './webhooks.logic.ts';

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

/**
 * Subscribes a new receiver (no `hook`: a card of its own; the answer's secret goes to
 * `onCreated`) or changes one (its secret stays). Checked on the page first, then by the
 * server, whose refusals are put in words at their fields.
 */
export function WebhookForm({
  hook,
  workspaces,
  onCreated,
  onSaved,
  onClose,
}: {
  hook?: Webhook;
  workspaces: { key: string; name: string }[];
  onCreated?: (created: WebhookWithSecret) => void;
  onSaved?: () => void;
  onClose?: () => void;
}) {
  const form = useAdminForm<WebhookFormValues>(hook ? webhookFormOf(hook) : blankWebhookForm, {
    scope: 'events',
  });
  const { scope, types, includeOwn } = form.values;
  const group = useId();

  return (
    <AdminForm
      form={form}
      card={!hook}
      title={hook ? `Change webhook ${hook.id}` : 'New webhook'}
      submitLabel={hook ? 'Save changes' : 'Create webhook'}
      onClose={onClose}
      onSubmit={async () => {
        const problems = checkWebhookForm(form.values);
        if (problems.length) {
          throw new BzCtrlError(400, 'validation_failed', 'Check the fields', problems);
        }
        try {
          if (hook) {
            const body = webhookPatch(form.values);
            await call((c) => c.webhooks.update(hook.id, body));
            onSaved?.();
          } else {
            const body = webhookBody(form.values);
            const created = await call((c) => c.webhooks.create(body));
            form.set(blankWebhookForm);
            onCreated?.(created);
          }
        } catch (err) {
          throw plainErrors(err);
        }
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
              name={group}
              checked={scope === 'all'}
              onChange={() => form.set({ scope: 'all' })}
            />{' '}
            All todo events <span className="admin-muted admin-key">todo.*</span>
          </label>
          <label>
            <input
              type="radio"
              name={group}
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
        <FieldError error={form.fields.events} />
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
