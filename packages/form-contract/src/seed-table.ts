import type { Contract } from './contract.ts';

/**
 * Seed 001's UI/UX table of the add-task form, row by row: the one place the web app's
 * form and <bzctrl-todo-form> take their labels, mandatory marks, defaults and kinds of
 * control from. The API stays as lenient as the SPEC says (assignee, status and orderID
 * may be left out of a request); the forms ask for what the seed marks mandatory.
 */
export type SeedControl =
  /** One of a few options: radio buttons or a select. */
  | 'choice'
  | 'text'
  | 'long-text'
  /** A number in EUR. */
  | 'amount'
  | 'email'
  /** A calendar. */
  | 'date';

export interface SeedRow {
  /** The body field (`domain` and `workspace` together make the body's `workspace`). */
  key: string;
  /** The todo types the row is for. */
  types: readonly ('INCIDENT' | 'TASK')[];
  label: string;
  mandatory: boolean;
  control: SeedControl;
  /**
   * The value a new form starts with: a value, `reporter` (the same as the reporter), or
   * `customer` (the embedding system's, e.g. the workspace the form is for).
   */
  initial?: string;
  /** A hint under the field, as the seed's comment asks ("clear that it concerns EUR"). */
  hint?: string;
}

const BOTH = ['INCIDENT', 'TASK'] as const;

export const SEED_TABLE: readonly SeedRow[] = [
  {
    key: 'todoType',
    types: BOTH,
    label: 'Type',
    mandatory: true,
    control: 'choice',
    initial: 'INCIDENT',
  },
  {
    key: 'domain',
    types: BOTH,
    label: 'Domain',
    mandatory: true,
    control: 'choice',
    initial: 'customer',
  },
  {
    key: 'workspace',
    types: BOTH,
    label: 'Workspace',
    mandatory: true,
    control: 'choice',
    initial: 'customer',
  },
  { key: 'title', types: BOTH, label: 'Title', mandatory: true, control: 'text' },
  { key: 'description', types: BOTH, label: 'Description', mandatory: true, control: 'long-text' },
  { key: 'result', types: ['TASK'], label: 'Result', mandatory: false, control: 'long-text' },
  {
    key: 'financialImpact',
    types: ['INCIDENT'],
    label: 'Potential financial impact of the incident',
    mandatory: false,
    control: 'amount',
    hint: 'An amount in euro (EUR), numbers only, e.g. 1250.50',
  },
  { key: 'impact', types: ['INCIDENT'], label: 'Impact', mandatory: false, control: 'choice' },
  {
    key: 'likelihood',
    types: ['INCIDENT'],
    label: 'Likelihood',
    mandatory: false,
    control: 'choice',
  },
  {
    key: 'status',
    types: BOTH,
    label: 'Status',
    mandatory: true,
    control: 'choice',
    initial: 'INPROGRESS',
  },
  { key: 'priority', types: BOTH, label: 'Priority', mandatory: false, control: 'choice' },
  {
    key: 'assignee',
    types: BOTH,
    label: 'Assignee',
    mandatory: true,
    control: 'email',
    initial: 'reporter',
  },
  { key: 'reporter', types: BOTH, label: 'Reporter', mandatory: true, control: 'email' },
  { key: 'orderID', types: BOTH, label: 'Order ID', mandatory: true, control: 'text' },
  { key: 'lrn', types: BOTH, label: 'LRN', mandatory: false, control: 'text' },
  { key: 'reminderDate', types: BOTH, label: 'Reminder date', mandatory: false, control: 'date' },
];

/** The table's row of a field, if it has one. */
export function seedRow(key: string): SeedRow | undefined {
  return SEED_TABLE.find((r) => r.key === key);
}

/** The table's label of a field, or `fallback`. */
export function seedLabel(key: string, fallback = key): string {
  return seedRow(key)?.label ?? fallback;
}

/**
 * The contract as a form asks for it: the server's rules, and mandatory where the seed's
 * table marks a field so (the server may take it empty; the form asks for it).
 */
export function withSeedMarks(contract: Contract): Contract {
  return {
    ...contract,
    fields: contract.fields.map((f) =>
      !f.custom && seedRow(f.key)?.mandatory && !f.required ? { ...f, required: true } : f,
    ),
  };
}
