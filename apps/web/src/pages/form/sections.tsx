import { seedLabel, seedRow } from '@bzctrl/form-contract';
import type { Todo } from '@bzctrl/sdk';
import { useId } from 'react';
import { ErrorNote, Field } from '../../ui/components.tsx';
import { SETTABLE_STATUSES, STATUS_LABEL, type TodoType } from '../../ui/format.ts';
import { CustomField } from './CustomField.tsx';
import { isRequired, type Kit, LevelSelect, TextInput } from './fields.tsx';
import {
  type CustomValue,
  FIELD_LABELS,
  shown,
  type Values,
  type Workspace,
} from './form.logic.ts';

export function WhatSection({
  kit,
  todo,
  workspaces,
  setType,
  stored,
}: {
  kit: Kit;
  todo: Todo | undefined;
  workspaces: Workspace[];
  setType: (type: TodoType) => void;
  /** The todo's values as stored, when editing one. */
  stored?: Values | undefined;
}) {
  const { values } = kit;
  const isIncident = values.todoType === 'INCIDENT';
  return (
    <section className="card" aria-labelledby="todo-form-what">
      <h2 id="todo-form-what">What</h2>
      <fieldset className="todo-form__types">
        <legend>
          Type{' '}
          <span className="mandatory" aria-hidden="true">
            *
          </span>
        </legend>
        {(['INCIDENT', 'TASK'] as const).map((t) => (
          <label
            key={t}
            className={`todo-form__type${values.todoType === t ? ' todo-form__type--on' : ''}`}
          >
            <input
              type="radio"
              name="todoType"
              value={t}
              checked={values.todoType === t}
              onChange={() => setType(t)}
            />
            {t === 'INCIDENT' ? 'Incident' : 'Task'}
          </label>
        ))}
      </fieldset>
      {todo ? (
        <Field
          label={FIELD_LABELS.workspace ?? 'Workspace'}
          hint="A todo stays in the workspace it was created in."
        >
          {(p) => <input {...p} readOnly value={`${todo.workspace} · ${todo.workspaceName}`} />}
        </Field>
      ) : (
        <WorkspaceChoice kit={kit} workspaces={workspaces} />
      )}
      <TextInput
        kit={kit}
        field="title"
        placeholder={isIncident ? 'e.g. Potential customs claim' : 'e.g. Check container seal'}
      />
      <TextInput kit={kit} field="description" rows={5} />
      {shown('result', values.todoType, stored) && (
        <TextInput
          kit={kit}
          field="result"
          rows={3}
          hint="The outcome of the task, when there is one."
        />
      )}
    </section>
  );
}

/**
 * Domain and workspace as seed 001's table has them: two mandatory choices, the
 * workspace's among the chosen domain's. The body carries the workspace key alone.
 */
function WorkspaceChoice({ kit, workspaces }: { kit: Kit; workspaces: Workspace[] }) {
  const chosen = workspaces.find((w) => w.key === kit.values.workspace);
  const domains = [...new Map(workspaces.map((w) => [w.domain, w.domainName]))];
  const inDomain = workspaces.filter((w) => w.domain === chosen?.domain);
  return (
    <div className="todo-form__row todo-form__row--2">
      <Field label={seedLabel('domain')} required>
        {(p) => (
          <select
            {...p}
            name="domain"
            value={chosen?.domain ?? ''}
            onChange={(e) => {
              const first = workspaces.find((w) => w.domain === e.target.value);
              if (first) kit.set('workspace', first.key);
            }}
          >
            {domains.map(([code, name]) => (
              <option key={code} value={code}>
                {code} · {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={FIELD_LABELS.workspace ?? 'Workspace'} required error={kit.errors.workspace}>
        {(p) => (
          <select
            {...p}
            name="workspace"
            value={kit.values.workspace}
            onChange={(e) => kit.set('workspace', e.target.value)}
          >
            {inDomain.map((w) => (
              <option key={w.key} value={w.key}>
                {w.key.slice(w.domain.length + 1) || w.key} · {w.name}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}

/** The incident's assessment; on a task, only what the task already holds. */
export function AssessmentSection({ kit, stored }: { kit: Kit; stored?: Values | undefined }) {
  const type = kit.values.todoType;
  const amount = shown('financialImpact', type, stored);
  const impact = shown('impact', type, stored);
  const likelihood = shown('likelihood', type, stored);
  if (!amount && !impact && !likelihood) return null;
  return (
    <section className="card" aria-labelledby="todo-form-assessment">
      <h2 id="todo-form-assessment">Assessment</h2>
      <div className="todo-form__row">
        {amount && (
          <Field
            label={FIELD_LABELS.financialImpact ?? 'financialImpact'}
            required={isRequired(kit, 'financialImpact')}
            error={kit.errors.financialImpact}
            hint={seedRow('financialImpact')?.hint}
          >
            {(p) => (
              <div className="input-affix">
                <span aria-hidden="true">€</span>
                <input
                  {...p}
                  name="financialImpact"
                  inputMode="decimal"
                  value={kit.values.financialImpact}
                  placeholder="0.00"
                  autoComplete="off"
                  onChange={(e) => kit.set('financialImpact', e.target.value)}
                />
              </div>
            )}
          </Field>
        )}
        {impact && <LevelSelect kit={kit} field="impact" />}
        {likelihood && <LevelSelect kit={kit} field="likelihood" />}
      </div>
    </section>
  );
}

export function ReferencesSection({ kit }: { kit: Kit }) {
  return (
    <section className="card" aria-labelledby="todo-form-refs">
      <h2 id="todo-form-refs">References</h2>
      <div className="todo-form__row todo-form__row--2">
        <TextInput kit={kit} field="orderID" hint="Service order number; also added as a tag." />
        <TextInput kit={kit} field="lrn" hint="Local reference number; also added as a tag." />
        <TextInput kit={kit} field="category" hint="Separate several with commas." />
        <TextInput kit={kit} field="subCategory" hint="Separate several with commas." />
        <TextInput kit={kit} field="tags" hint="Separate several with commas." />
      </div>
    </section>
  );
}

export function CustomSection({
  kit,
  setCustom,
}: {
  kit: Kit;
  setCustom: (name: string, value: CustomValue) => void;
}) {
  const rules = kit.contract.fields.filter((f) => f.custom);
  if (rules.length === 0) return null;
  return (
    <section className="card" aria-labelledby="todo-form-custom">
      <h2 id="todo-form-custom">More details</h2>
      <div className="todo-form__row todo-form__row--2">
        {rules.map((rule) => (
          <CustomField
            key={rule.name}
            rule={rule}
            value={kit.values.custom[rule.name]}
            error={kit.errors[rule.key]}
            onChange={(v) => setCustom(rule.name, v)}
          />
        ))}
      </div>
    </section>
  );
}

export function FollowUpSection({ kit, initialStatus }: { kit: Kit; initialStatus: string }) {
  const usersId = useId();
  const { values, errors } = kit;
  const users = kit.contract.fields.find((f) => f.key === 'reporter')?.users ?? [];
  return (
    <section className="card" aria-labelledby="todo-form-follow">
      <h2 id="todo-form-follow">Follow-up</h2>
      <Field
        label="Status"
        required={isRequired(kit, 'status')}
        error={errors.status}
        hint={values.status === 'DONE' ? 'Done sets the due date to today.' : undefined}
      >
        {(p) => (
          <select
            {...p}
            name="status"
            value={values.status}
            onChange={(e) => kit.set('status', e.target.value)}
          >
            {(values.status === 'EXPIRED' || initialStatus === 'EXPIRED') && (
              <option value="EXPIRED" disabled>
                {STATUS_LABEL.EXPIRED}
              </option>
            )}
            {SETTABLE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <LevelSelect kit={kit} field="priority" />
      <TextInput
        kit={kit}
        field="assignee"
        type="email"
        list={usersId}
        hint={isRequired(kit, 'assignee') ? undefined : 'Left empty, the reporter follows it up.'}
      />
      <TextInput kit={kit} field="reporter" type="email" list={usersId} />
      <TextInput
        kit={kit}
        field="reminderDate"
        type="date"
        hint="The assignee is reminded on this day."
      />
      <TextInput kit={kit} field="dueDate" type="date" />
      <datalist id={usersId}>
        {users.map((u) => (
          <option key={u} value={u} />
        ))}
      </datalist>
    </section>
  );
}

/** The errors' summary and the buttons under the form. */
export function Actions({
  failure,
  errorCount,
  sending,
  submitLabel,
  cancelHref,
  onCancel,
}: {
  failure: unknown;
  errorCount: number;
  sending: boolean;
  submitLabel: string;
  cancelHref: string;
  /** Cancelling throws the draft away: the user chose not to keep what they typed. */
  onCancel?: () => void;
}) {
  return (
    <div className="todo-form__actions">
      {failure !== undefined && <ErrorNote error={failure} />}
      {failure === undefined && errorCount > 0 && (
        <p className="todo-form__summary" role="status">
          {errorCount === 1 ? 'One field needs' : `${errorCount} fields need`} your attention.
        </p>
      )}
      <div className="todo-form__buttons">
        <button type="submit" className="button" disabled={sending}>
          {sending ? 'Saving…' : submitLabel}
        </button>
        <a className="button button--secondary" href={cancelHref} onClick={onCancel}>
          Cancel
        </a>
      </div>
    </div>
  );
}
