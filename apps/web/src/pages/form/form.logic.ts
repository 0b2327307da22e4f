// The form's pure logic: its values, which fields it shows, the checks' words and the
// bodies it sends. What the contract says (fields, required, patterns, enums) is read by
// @bzctrl/form-contract, the same reading the widget uses.

import {
  type Contract,
  checkValues,
  createBody as contractCreateBody,
  type FormValue,
  type FormValues,
  type JsonSchema,
  MESSAGES,
  type Problem,
  patchBody,
  problemMessage,
  readContract,
  SEED_TABLE,
  withSeedMarks,
} from '@bzctrl/form-contract';
import type { CreateTodoBody, Todo, UpdateTodoBody } from '@bzctrl/sdk';
import type { TodoType } from '../../ui/format.ts';

export type Workspace = {
  key: string;
  name: string;
  domain: string;
  domainName: string;
  default: boolean;
};

/** A custom field's value as the form holds it (text for text and number inputs). */
export type CustomValue = FormValue;

export interface Values {
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
  subCategory: string;
  orderID: string;
  lrn: string;
  tags: string;
  reminderDate: string;
  dueDate: string;
  custom: Record<string, CustomValue>;
}
export type TextField = Exclude<keyof Values, 'custom' | 'todoType'>;

const OWN_LABELS: Record<string, string> = {
  category: 'Category',
  subCategory: 'Sub-category',
  tags: 'Tags',
  dueDate: 'Due date',
};

/** The form's labels: seed 001's UI/UX table's (@bzctrl/form-contract), then the form's own. */
export const FIELD_LABELS: Record<string, string> = Object.fromEntries([
  // The domain is chosen beside the workspace; the body carries the workspace alone.
  ...SEED_TABLE.filter((r) => r.key !== 'domain').map((r) => [r.key, r.label]),
  ...Object.entries(OWN_LABELS),
]);

/** The fields the form edits itself (type and workspace are fixed by the page). */
const BODY_FIELDS = Object.keys(FIELD_LABELS).filter(
  (f) => f !== 'todoType' && f !== 'workspace',
) as TextField[];
const INCIDENT_ONLY: TextField[] = ['financialImpact', 'impact', 'likelihood'];
const TASK_ONLY: TextField[] = ['result'];

/** Seed 001's UI/UX table, its mandatory marks: used only when the contract cannot be read. */
export const SEED_REQUIRED = SEED_TABLE.filter((r) => r.mandatory).map((r) => r.key);

/**
 * The contract the form works with: the server's, with seed 001's mandatory marks (the
 * form asks for an order ID, an assignee and a status; the API may take them empty), or while it loads (or when it cannot be
 * read) the form's own fields as plain text, lists and e-mails, so the form still works.
 */
export function contractOf(schema: JsonSchema | undefined, failed: boolean): Contract {
  if (schema) return withSeedMarks(readContract(schema));
  const text = { type: 'string' };
  const list = { type: 'array', items: text };
  const properties: Record<string, JsonSchema> = {};
  for (const f of BODY_FIELDS) properties[f] = text;
  properties.category = list;
  properties.subCategory = list;
  properties.tags = list;
  properties.assignee = { ...text, format: 'email' };
  properties.reporter = { ...text, format: 'email' };
  return readContract({ properties, required: failed ? SEED_REQUIRED : [] });
}

/** The form's values for an existing todo. orderID and LRN are tags too; shown apart. */
export function valuesOf(todo: Todo): Values {
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
    subCategory: todo.subCategory.join(', '),
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

export function blankValues(workspace: string, type: TodoType, email: string): Values {
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
    subCategory: '',
    orderID: '',
    lrn: '',
    tags: '',
    reminderDate: '',
    dueDate: '',
    custom: {},
  };
}

/** The workspace a new todo starts in: the one asked for, else the default, else the first. */
export function startWorkspace(items: Workspace[], wanted: string | null): Workspace | undefined {
  const key = wanted?.toUpperCase();
  return items.find((w) => w.key === key) ?? items.find((w) => w.default) ?? items[0];
}

/** The type a new todo starts as: a task when asked for, an incident otherwise. */
export function startType(wanted: string | null): TodoType {
  return wanted?.toUpperCase() === 'TASK' ? 'TASK' : 'INCIDENT';
}

/**
 * Whether a field is shown for this type (hidden ones are neither checked nor sent): the
 * seed's table gives the result to tasks and the assessment to incidents, but a value the
 * todo already holds (`stored`, e.g. add-task's impact on a task) is always shown, so no
 * form hides what is stored. The details page offers its edits by the same rule.
 */
export function shown(field: TextField, type: TodoType, stored?: Values): boolean {
  if (stored && stored[field] !== '') return true;
  if (type === 'TASK') return !INCIDENT_ONLY.includes(field);
  return !TASK_ONLY.includes(field);
}

/** The form's values by contract key (`title`, `customFields.<name>`). */
export function formValues(values: Values): FormValues {
  const out: FormValues = {};
  for (const f of BODY_FIELDS) out[f] = values[f];
  for (const [name, v] of Object.entries(values.custom)) out[`customFields.${name}`] = v;
  return out;
}

/**
 * The keys the form shows for its type (and the todo's `stored` values): its body fields,
 * then the contract's custom fields.
 */
export function shownKeys(contract: Contract, type: TodoType, stored?: Values): string[] {
  return [
    ...BODY_FIELDS.filter((f) => shown(f, type, stored)),
    ...contract.fields.filter((f) => f.custom).map((f) => f.key),
  ];
}

/** A problem in the form's words: the form contract's, which are the server's too. */
export function message(key: string, problem: Problem, value: unknown): string {
  if (key !== 'financialImpact' || problem.code !== 'pattern')
    return problemMessage(problem, value);
  return typeof value === 'string' && value.includes(',')
    ? 'Use a dot for cents and no thousands separators, e.g. 1250.50.'
    : MESSAGES.amount;
}

/**
 * Checks at the field before sending, by the contract: required, e-mail, the EUR amount's
 * pattern, numbers, options, lengths. Editing, only what changed is checked (and sent).
 * What only the server knows (is this a user of the workspace?) comes back from it.
 */
export function check(contract: Contract, values: Values, before?: Values): Record<string, string> {
  const now = formValues(values);
  let keys = shownKeys(contract, values.todoType, before);
  if (before) {
    const was = formValues(before);
    keys = keys.filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k]));
  }
  const problems = checkValues(contract, now, { keys });
  return Object.fromEntries(Object.entries(problems).map(([k, p]) => [k, message(k, p, now[k])]));
}

/** The create body: the fields shown for the type, empty ones left out. */
export function createBody(contract: Contract, values: Values): CreateTodoBody {
  const body = contractCreateBody(contract, formValues(values), {
    keys: shownKeys(contract, values.todoType),
  });
  return { workspace: values.workspace, todoType: values.todoType, ...body } as CreateTodoBody;
}

/** Only what the user changed; a cleared optional field is sent as null. */
export function changes(contract: Contract, before: Values, after: Values): UpdateTodoBody {
  const patch = patchBody(contract, formValues(before), formValues(after), {
    keys: shownKeys(contract, after.todoType, before),
  });
  return (
    before.todoType === after.todoType ? patch : { todoType: after.todoType, ...patch }
  ) as UpdateTodoBody;
}

/** Whether every server field error can be shown at a field of the form. */
export function allPlaced(byField: Record<string, string>): boolean {
  const fields = Object.keys(byField);
  return (
    fields.length > 0 && fields.every((f) => f in FIELD_LABELS || f.startsWith('customFields.'))
  );
}
