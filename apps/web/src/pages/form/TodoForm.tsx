import type { CreateTodoBody, Todo, UpdateTodoBody } from '@bzctrl/sdk';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { call, fieldErrors, raw } from '../../api.ts';
import { href, navigate, todoHref } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { ErrorNote, Field, Loading, PageHeader } from '../../ui/components.tsx';
import {
  LEVEL_LABEL,
  LEVELS,
  SETTABLE_STATUSES,
  STATUS_LABEL,
  type TodoType,
} from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import { loadTodo, patchTodo } from '../todo/todo-api.ts';
import './form.css';

type Workspace = { key: string; name: string; domainName: string; default: boolean };

/** The part of JSON Schema the form contract uses (GET /workspaces/{key}/form). */
interface JsonSchema {
  type?: string | string[];
  enum?: (string | number)[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  title?: string;
  'x-users'?: string[];
  'x-field-type'?: number;
}

/** A custom field's value as the form holds it (text for text and number inputs). */
type CustomValue = string | boolean | string[];

interface Values {
  workspace: string;
  todoType: TodoType;
  title: string;
  description: string;
  result: string;
  financialImpact: string;
  impact: string;
  likelihood: string;
  status: string;
  priority: string;
  assignee: string;
  reporter: string;
  category: string;
  orderID: string;
  lrn: string;
  tags: string;
  reminderDate: string;
  dueDate: string;
  custom: Record<string, CustomValue>;
}
type TextField = Exclude<keyof Values, 'custom' | 'todoType'>;

/** Seed 001's UI/UX table, its mandatory marks: used only when the contract cannot be read. */
const SEED_REQUIRED = [
  'todoType',
  'workspace',
  'title',
  'description',
  'status',
  'assignee',
  'reporter',
  'orderID',
];
const INCIDENT_ONLY: TextField[] = ['financialImpact', 'impact', 'likelihood'];
const TASK_ONLY: TextField[] = ['result'];
/** Optional fields a PATCH clears with null. */
const CLEARABLE: TextField[] = [
  'result',
  'financialImpact',
  'impact',
  'likelihood',
  'priority',
  'assignee',
  'orderID',
  'lrn',
  'reminderDate',
  'dueDate',
];

// The server's checks (todo-fields.ts), repeated so most mistakes show before sending.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const AMOUNT = /^\+?\d{1,13}(\.\d{0,2})?$/;

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The form's values for an existing todo. orderID and LRN are tags too; shown apart. */
function valuesOf(todo: Todo): Values {
  const refs = [todo.orderID, todo.lrn];
  return {
    workspace: todo.workspace,
    todoType: todo.todoType,
    title: todo.title,
    description: todo.description,
    result: todo.result ?? '',
    financialImpact: todo.financialImpact ?? '',
    impact: todo.impact ?? '',
    likelihood: todo.likelihood ?? '',
    status: todo.status,
    priority: todo.priority ?? '',
    assignee: todo.assignee,
    reporter: todo.reporter,
    category: todo.category.join(', '),
    orderID: todo.orderID ?? '',
    lrn: todo.lrn ?? '',
    tags: todo.tags.filter((t) => !refs.includes(t)).join(', '),
    reminderDate: todo.reminderDate ?? '',
    dueDate: todo.dueDate ?? '',
    custom: Object.fromEntries(
      Object.entries(todo.customFields).map(([k, v]) => [
        k,
        typeof v === 'boolean' ? v : Array.isArray(v) ? v.map(String) : String(v),
      ]),
    ),
  };
}

function blankValues(workspace: string, type: TodoType, email: string): Values {
  return {
    workspace,
    todoType: type,
    title: '',
    description: '',
    result: '',
    financialImpact: '',
    impact: '',
    likelihood: '',
    status: 'INPROGRESS',
    priority: '',
    assignee: email,
    reporter: email,
    category: '',
    orderID: '',
    lrn: '',
    tags: '',
    reminderDate: '',
    dueDate: '',
    custom: {},
  };
}

/** Whether a field is shown for this type (hidden ones are neither checked nor sent). */
function shown(field: TextField, type: TodoType): boolean {
  if (type === 'TASK') return !INCIDENT_ONLY.includes(field);
  return !TASK_ONLY.includes(field);
}

/** A custom field's value as the API takes it; undefined when empty. */
function customToApi(schema: JsonSchema, value: CustomValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  const numeric = (t: string | string[] | undefined) => t === 'integer' || t === 'number';
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return numeric(schema.items?.type) ? value.map(Number) : value;
  }
  if (value.trim() === '') return undefined;
  if (schema.type === 'array') {
    const items = splitList(value);
    return numeric(schema.items?.type) ? items.map(Number) : items;
  }
  return numeric(schema.type) ? Number(value) : value.trim();
}

/**
 * Checks at the field before sending: required (from the contract), e-mail shape, EUR
 * amount, numbers. What only the server knows (is this a user of the workspace?) comes
 * back as a field error from it.
 */
function check(values: Values, required: Set<string>, custom: JsonSchema | undefined) {
  const errors: Record<string, string> = {};
  for (const field of Object.keys(values) as (keyof Values)[]) {
    if (field === 'custom' || field === 'todoType' || !shown(field, values.todoType)) continue;
    if (required.has(field) && values[field].trim() === '') errors[field] = 'Fill this in';
  }
  for (const field of ['assignee', 'reporter'] as const) {
    const v = values[field].trim();
    if (v && !EMAIL.test(v)) errors[field] = 'Enter an e-mail address, like name@example.com';
  }
  const amount = values.financialImpact.trim();
  if (values.todoType === 'INCIDENT' && amount) {
    if (/,/.test(amount))
      errors.financialImpact = 'Use a dot for cents and no thousands separators, e.g. 1250.50';
    else if (!AMOUNT.test(amount))
      errors.financialImpact = 'Enter an amount in euro, e.g. 1250.50 (at most 2 decimals)';
  }
  for (const [name, schema] of Object.entries(custom?.properties ?? {})) {
    const value = values.custom[name];
    const api = customToApi(schema, value);
    const key = `customFields.${name}`;
    if (api === undefined || (schema.type === 'boolean' && api === false)) {
      if (custom?.required?.includes(name) && schema.type !== 'boolean')
        errors[key] = 'Fill this in';
      continue;
    }
    const numbers = Array.isArray(api) ? api : [api];
    const wantsInteger = schema.type === 'integer' || schema.items?.type === 'integer';
    const wantsNumber = wantsInteger || schema.type === 'number';
    if (wantsNumber && numbers.some((n) => !Number.isFinite(n))) errors[key] = 'Enter a number';
    else if (wantsInteger && numbers.some((n) => !Number.isInteger(n)))
      errors[key] = 'Enter a whole number';
  }
  return errors;
}

const FIELD_LABELS: Record<string, string> = {
  todoType: 'Type',
  workspace: 'Workspace',
  title: 'Title',
  description: 'Description',
  result: 'Result',
  financialImpact: 'Potential financial impact',
  impact: 'Impact',
  likelihood: 'Likelihood',
  status: 'Status',
  priority: 'Priority',
  assignee: 'Assignee',
  reporter: 'Reporter',
  category: 'Category',
  orderID: 'Order ID',
  lrn: 'LRN',
  tags: 'Tags',
  reminderDate: 'Reminder date',
  dueDate: 'Due date',
};

export default function TodoForm({ todoKey, query }: { todoKey?: string; query: URLSearchParams }) {
  const { session } = useSession();
  const workspaces = useAsync(
    () => raw<{ items: Workspace[] }>((r) => r.GET('/bzctrl-core-api/api/v1/workspaces')),
    [],
  );
  const existing = useAsync(
    // With its ETag: saving sends If-Match, so a change made meanwhile is not overwritten.
    () => (todoKey ? loadTodo(todoKey) : Promise.resolve(undefined)),
    [todoKey],
  );

  const error =
    workspaces.status === 'error'
      ? workspaces.error
      : existing.status === 'error'
        ? existing.error
        : undefined;
  if (error !== undefined) {
    return (
      <>
        <PageHeader title={todoKey ? `Edit ${todoKey}` : 'New todo'} />
        <ErrorNote
          error={error}
          onRetry={() => {
            workspaces.reload();
            existing.reload();
          }}
        />
      </>
    );
  }
  if (workspaces.status !== 'ready' || existing.status !== 'ready') return <Loading />;

  let initial: Values;
  if (existing.data) {
    initial = valuesOf(existing.data.todo);
  } else {
    const items = workspaces.data.items;
    const wanted = query.get('workspace')?.toUpperCase();
    const ws = items.find((w) => w.key === wanted) ?? items.find((w) => w.default) ?? items[0];
    if (!ws) {
      return (
        <>
          <PageHeader title="New todo" />
          <ErrorNote
            error={
              new Error(
                'You have no workspace to create todos in. Ask an administrator to add you to one.',
              )
            }
          />
        </>
      );
    }
    const type = query.get('type')?.toUpperCase() === 'TASK' ? 'TASK' : 'INCIDENT';
    initial = blankValues(ws.key, type, session.user.email);
  }
  return (
    <Editor
      key={todoKey ?? 'new'}
      todo={existing.data?.todo}
      etag={existing.data?.etag}
      initial={initial}
      workspaces={workspaces.data.items}
    />
  );
}

function Editor({
  todo,
  etag,
  initial,
  workspaces,
}: {
  todo: Todo | undefined;
  etag: string | undefined;
  initial: Values;
  workspaces: Workspace[];
}) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [sending, setSending] = useState(false);
  // A second click before React re-renders the disabled button must not send again.
  const inFlight = useRef(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusNonce, setFocusNonce] = useState(0);
  const usersId = useId();

  const contract = useAsync(
    () =>
      raw<JsonSchema>((r) =>
        r.GET('/bzctrl-core-api/api/v1/workspaces/{key}/form', {
          params: { path: { key: values.workspace }, query: { type: values.todoType } },
        }),
      ),
    [values.workspace, values.todoType],
  );
  const schema = contract.data;
  const required = new Set(schema?.required ?? (contract.status === 'error' ? SEED_REQUIRED : []));
  const props = schema?.properties ?? {};
  const customSchema = props.customFields;
  const users = props.reporter?.['x-users'] ?? [];

  // The new-todo URL follows the workspace and type, so a reload or a shared link keeps them.
  useEffect(() => {
    if (!todo) {
      navigate(href('/new', { workspace: values.workspace, type: values.todoType }), {
        replace: true,
      });
    }
  }, [todo, values.workspace, values.todoType]);

  // After a failed check or answer, take the keyboard to the first field in error.
  useEffect(() => {
    if (focusNonce === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusNonce]);

  const set = (field: keyof Omit<Values, 'custom'>, value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors(({ [field]: _, ...rest }) => rest);
  };
  const setCustom = (name: string, value: CustomValue) => {
    setValues((v) => ({ ...v, custom: { ...v.custom, [name]: value } }));
    setErrors(({ [`customFields.${name}`]: _, ...rest }) => rest);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (inFlight.current) return;
    const found = check(values, required, customSchema);
    if (Object.keys(found).length > 0) {
      setErrors(found);
      setFailure(undefined);
      setFocusNonce((n) => n + 1);
      return;
    }
    inFlight.current = true;
    setSending(true);
    setFailure(undefined);
    try {
      let saved: Todo;
      if (todo) {
        const patch = changes(initial, values, customSchema);
        saved =
          Object.keys(patch).length === 0 ? todo : (await patchTodo(todo.key, etag, patch)).todo;
      } else {
        saved = await call((c) => c.todos.create(createBody(values, customSchema)));
      }
      navigate(todoHref(saved.key));
    } catch (err) {
      const byField = fieldErrors(err);
      setErrors(byField);
      // What cannot be shown at a field (or no field at all) is said above the buttons.
      const placed = Object.keys(byField).every(
        (f) => f in FIELD_LABELS || f.startsWith('customFields.'),
      );
      setFailure(Object.keys(byField).length > 0 && placed ? undefined : err);
      setFocusNonce((n) => n + 1);
      inFlight.current = false;
      setSending(false);
    }
  }

  const isIncident = values.todoType === 'INCIDENT';
  const typeWord = isIncident ? 'incident' : 'task';
  const req = (f: string) => required.has(f);
  const max = (f: string) => props[f]?.maxLength;
  const errorCount = Object.keys(errors).length;

  const text = (
    field: TextField,
    options: { type?: string; hint?: string; placeholder?: string; list?: string } = {},
  ) => (
    <Field
      label={FIELD_LABELS[field] ?? field}
      required={req(field)}
      error={errors[field]}
      hint={options.hint}
    >
      {(p) => (
        <input
          {...p}
          name={field}
          type={options.type ?? 'text'}
          value={values[field]}
          maxLength={max(field)}
          placeholder={options.placeholder}
          list={options.list}
          autoComplete="off"
          onChange={(e) => set(field, e.target.value)}
        />
      )}
    </Field>
  );
  const level = (field: 'impact' | 'likelihood' | 'priority') => (
    <Field label={FIELD_LABELS[field] ?? field} required={req(field)} error={errors[field]}>
      {(p) => (
        <select
          {...p}
          name={field}
          value={values[field]}
          onChange={(e) => set(field, e.target.value)}
        >
          <option value="">Not set</option>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {LEVEL_LABEL[l]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <form ref={formRef} className="todo-form" onSubmit={submit} noValidate aria-busy={sending}>
      <PageHeader title={todo ? `Edit ${todo.key}` : `New ${typeWord}`} />
      <p className="todo-form__legend">
        Fields marked <span className="mandatory">*</span> are required.
      </p>

      <div className="todo-form__layout">
        <div className="todo-form__main">
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
                    onChange={() => setValues((v) => ({ ...v, todoType: t }))}
                  />
                  {t === 'INCIDENT' ? 'Incident' : 'Task'}
                </label>
              ))}
            </fieldset>
            <Field
              label="Workspace"
              required={!todo && req('workspace')}
              error={errors.workspace}
              hint={todo ? 'A todo stays in the workspace it was created in.' : undefined}
            >
              {(p) =>
                todo ? (
                  <input {...p} readOnly value={`${todo.workspace} · ${todo.workspaceName}`} />
                ) : (
                  <select
                    {...p}
                    name="workspace"
                    value={values.workspace}
                    onChange={(e) => set('workspace', e.target.value)}
                  >
                    {workspaces.map((w) => (
                      <option key={w.key} value={w.key}>
                        {w.key} · {w.name} ({w.domainName})
                      </option>
                    ))}
                  </select>
                )
              }
            </Field>
            {text('title', {
              placeholder: isIncident
                ? 'e.g. Potential customs claim'
                : 'e.g. Check container seal',
            })}
            <Field label="Description" required={req('description')} error={errors.description}>
              {(p) => (
                <textarea
                  {...p}
                  name="description"
                  rows={5}
                  value={values.description}
                  maxLength={max('description')}
                  onChange={(e) => set('description', e.target.value)}
                />
              )}
            </Field>
            {!isIncident && (
              <Field
                label="Result"
                required={req('result')}
                error={errors.result}
                hint="The outcome of the task, when there is one."
              >
                {(p) => (
                  <textarea
                    {...p}
                    name="result"
                    rows={3}
                    value={values.result}
                    onChange={(e) => set('result', e.target.value)}
                  />
                )}
              </Field>
            )}
          </section>

          {isIncident && (
            <section className="card" aria-labelledby="todo-form-assessment">
              <h2 id="todo-form-assessment">Assessment</h2>
              <div className="todo-form__row">
                <Field
                  label="Potential financial impact"
                  required={req('financialImpact')}
                  error={errors.financialImpact}
                  hint="In euro (EUR). Numbers only, a dot for cents: 1250.50"
                >
                  {(p) => (
                    <div className="input-affix">
                      <span aria-hidden="true">€</span>
                      <input
                        {...p}
                        name="financialImpact"
                        inputMode="decimal"
                        value={values.financialImpact}
                        placeholder="0.00"
                        autoComplete="off"
                        onChange={(e) => set('financialImpact', e.target.value)}
                      />
                    </div>
                  )}
                </Field>
                {level('impact')}
                {level('likelihood')}
              </div>
            </section>
          )}

          <section className="card" aria-labelledby="todo-form-refs">
            <h2 id="todo-form-refs">References</h2>
            <div className="todo-form__row todo-form__row--2">
              {text('orderID', { hint: 'Service order number; also added as a tag.' })}
              {text('lrn', { hint: 'Local reference number; also added as a tag.' })}
              {text('category', { hint: 'Separate several with commas.' })}
              {text('tags', { hint: 'Separate several with commas.' })}
            </div>
          </section>

          {customSchema && Object.keys(customSchema.properties ?? {}).length > 0 && (
            <section className="card" aria-labelledby="todo-form-custom">
              <h2 id="todo-form-custom">More details</h2>
              <div className="todo-form__row todo-form__row--2">
                {Object.entries(customSchema.properties ?? {}).map(([name, s]) => (
                  <CustomField
                    key={name}
                    name={name}
                    schema={s}
                    required={customSchema.required?.includes(name) ?? false}
                    value={values.custom[name]}
                    error={errors[`customFields.${name}`]}
                    onChange={(v) => setCustom(name, v)}
                  />
                ))}
              </div>
            </section>
          )}
        </div>

        <aside className="todo-form__side">
          <section className="card" aria-labelledby="todo-form-follow">
            <h2 id="todo-form-follow">Follow-up</h2>
            <Field
              label="Status"
              required={req('status')}
              error={errors.status}
              hint={values.status === 'DONE' ? 'Done sets the due date to today.' : undefined}
            >
              {(p) => (
                <select
                  {...p}
                  name="status"
                  value={values.status}
                  onChange={(e) => set('status', e.target.value)}
                >
                  {(values.status === 'EXPIRED' || initial.status === 'EXPIRED') && (
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
            {level('priority')}
            {text('assignee', {
              type: 'email',
              list: usersId,
              hint: req('assignee') ? undefined : 'Left empty, the reporter follows it up.',
            })}
            {text('reporter', { type: 'email', list: usersId })}
            {text('reminderDate', { type: 'date', hint: 'The assignee is reminded on this day.' })}
            {text('dueDate', { type: 'date' })}
            <datalist id={usersId}>
              {users.map((u) => (
                <option key={u} value={u} />
              ))}
            </datalist>
          </section>
        </aside>
      </div>

      <div className="todo-form__actions">
        {failure !== undefined && <ErrorNote error={failure} />}
        {failure === undefined && errorCount > 0 && (
          <p className="todo-form__summary" role="status">
            {errorCount === 1 ? 'One field needs' : `${errorCount} fields need`} your attention.
          </p>
        )}
        <div className="todo-form__buttons">
          <button type="submit" className="button" disabled={sending}>
            {sending ? 'Saving…' : todo ? 'Save changes' : `Create ${typeWord}`}
          </button>
          <a className="button button--secondary" href={todo ? todoHref(todo.key) : '#/todos'}>
            Cancel
          </a>
        </div>
      </div>
    </form>
  );
}

/** A custom field by its contract schema: choice, number, yes/no, list or text. */
function CustomField({
  name,
  schema,
  required,
  value,
  error,
  onChange,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: CustomValue | undefined;
  error: string | undefined;
  onChange: (value: CustomValue) => void;
}) {
  const label = schema.title ?? name;
  if (schema.type === 'boolean') {
    return (
      <div className="field todo-form__check">
        <label>
          <input
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
        </label>
        {error && (
          <p className="field__error" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  }
  if (schema.type === 'array' && schema.items?.enum) {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <fieldset className="field todo-form__choices" aria-invalid={Boolean(error)}>
        <legend>
          {label}
          {required && (
            <span className="mandatory" aria-hidden="true">
              {' '}
              *
            </span>
          )}
        </legend>
        {schema.items.enum.map((o) => {
          const v = String(o);
          return (
            <label key={v}>
              <input
                type="checkbox"
                checked={chosen.includes(v)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...chosen, v] : chosen.filter((c) => c !== v))
                }
              />
              {v}
            </label>
          );
        })}
        {error && (
          <p className="field__error" role="alert">
            {error}
          </p>
        )}
      </fieldset>
    );
  }
  const current = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : '';
  const numeric = schema.type === 'integer' || schema.type === 'number';
  return (
    <Field
      label={label}
      required={required}
      error={error}
      hint={schema.type === 'array' ? 'Separate several with commas.' : undefined}
    >
      {(p) =>
        schema.enum ? (
          <select {...p} value={current} onChange={(e) => onChange(e.target.value)}>
            <option value="">Not set</option>
            {schema.enum.map((o) => (
              <option key={String(o)} value={String(o)}>
                {String(o)}
              </option>
            ))}
          </select>
        ) : schema['x-field-type'] === 10 ? (
          <textarea {...p} rows={3} value={current} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...p}
            type={numeric ? 'number' : 'text'}
            step={schema.type === 'integer' ? 1 : 'any'}
            value={current}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** The create body: the fields shown for the type, empty ones left out. */
function createBody(values: Values, customSchema: JsonSchema | undefined): CreateTodoBody {
  const body: Record<string, unknown> = {
    workspace: values.workspace,
    todoType: values.todoType,
  };
  for (const field of Object.keys(FIELD_LABELS) as TextField[]) {
    if (field === ('todoType' as string) || field === 'workspace') continue;
    if (!shown(field, values.todoType)) continue;
    const v = values[field].trim();
    if (v === '') continue;
    body[field] = field === 'category' || field === 'tags' ? splitList(v) : v;
  }
  const custom: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(customSchema?.properties ?? {})) {
    const api = customToApi(schema, values.custom[name]);
    if (api !== undefined) custom[name] = api;
  }
  if (Object.keys(custom).length > 0) body.customFields = custom;
  return body as CreateTodoBody;
}

/** Only what the user changed; a cleared optional field is sent as null. */
function changes(
  before: Values,
  after: Values,
  customSchema: JsonSchema | undefined,
): UpdateTodoBody {
  const patch: Record<string, unknown> = {};
  if (before.todoType !== after.todoType) patch.todoType = after.todoType;
  for (const field of Object.keys(FIELD_LABELS) as TextField[]) {
    if (field === ('todoType' as string) || field === 'workspace') continue;
    if (!shown(field, after.todoType)) continue;
    const was = before[field].trim();
    const now = after[field].trim();
    if (was === now) continue;
    if (field === 'category' || field === 'tags') {
      const list = splitList(now);
      if (list.join() !== splitList(was).join()) patch[field] = list;
    } else {
      patch[field] = now === '' && CLEARABLE.includes(field) ? null : now;
    }
  }
  const custom: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(customSchema?.properties ?? {})) {
    const was = customToApi(schema, before.custom[name]);
    const now = customToApi(schema, after.custom[name]);
    if (JSON.stringify(was) !== JSON.stringify(now)) custom[name] = now ?? null;
  }
  if (Object.keys(custom).length > 0) patch.customFields = custom;
  return patch as UpdateTodoBody;
}
