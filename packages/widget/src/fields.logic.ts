// The form's pure logic: which fields it shows from the form contract, the checks in the
// form's words, the body it sends, and what a failed call says. The contract itself
// (fields, required, patterns, enums, the server's checks) is read by
// @bzctrl/form-contract, the same reading the web app uses.
import {
  atField,
  type Contract,
  checkValue,
  createBody,
  type FieldRule,
  type FormValue,
  type FormValues,
  lacksDomainEnding,
  type Problem,
  withSeedMarks,
} from '@bzctrl/form-contract';
import type { Answer, ErrorDetail } from './api.ts';
import { fill, type Words } from './i18n.ts';

export type TodoType = 'INCIDENT' | 'TASK';
export type Kind =
  | 'text'
  | 'textarea'
  | 'email'
  | 'amount'
  | 'select'
  | 'radio'
  | 'date'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'multi'
  | 'list'
  /** Shown, not edited: the domain and workspace the embedding system chose. */
  | 'fixed';
export type Value = FormValue;

export interface Field {
  /** The body field, or `customFields.<name>`: also the name server errors use. */
  key: string;
  kind: Kind;
  label: string;
  required: boolean;
  rule: FieldRule;
  wide?: boolean;
  options?: { value: string; label: string }[];
  hint?: string;
  users?: string[];
  initial?: Value;
}

const LEVEL_ORDER = ['HIGH', 'MEDIUM', 'LOW'];
/** The seed's form offers In Progress (the default) with Done as the option. */
const OFFERED_STATUSES = ['INPROGRESS', 'DONE'];
/** Attributes that prefill a field, by field. */
export const PREFILL: Record<string, string> = {
  title: 'todo-title',
  description: 'todo-description',
  reporter: 'reporter',
  assignee: 'assignee',
  orderID: 'order-id',
  lrn: 'lrn',
};

/** "1.250,50", "1,250.50" and "1250,50" all mean 1250.50: the last separator is the decimal one. */
export function normalizeAmount(raw: string): string {
  const s = raw.replace(/[\s€]/g, '');
  const comma = s.lastIndexOf(',');
  const dot = s.lastIndexOf('.');
  if (comma > dot) return s.replaceAll('.', '').replace(',', '.');
  return s.replaceAll(',', '');
}

export const isEmpty = (v: Value | undefined) =>
  v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

const word = (w: Words, key: string) => (w as unknown as Record<string, string>)[key];

/**
 * The fields to show, from the form contract, in the seed's order and type rules;
 * `prefill` gives an attribute's value for a field.
 */
export function fieldsOf(
  contract: Contract,
  type: TodoType,
  w: Words,
  prefill: (key: string) => string | undefined = () => undefined,
): Field[] {
  // Seed 001's mandatory marks on top of the server's rules (orderID, assignee, status).
  const rules = new Map(withSeedMarks(contract).fields.map((f) => [f.key, f]));
  const out: Field[] = [];
  const add = (key: string, kind: Kind, extra: Partial<Field> = {}) => {
    const rule = rules.get(key);
    if (!rule) return;
    const fallback = typeof rule.default === 'string' ? rule.default : undefined;
    out.push({
      key,
      kind,
      label: word(w, key) ?? key,
      required: rule.required,
      rule,
      initial: prefill(key) ?? fallback,
      ...extra,
    });
  };
  const options = (key: string, order: string[], offered?: string[]) => {
    let values = rules.get(key)?.enum ?? [];
    if (offered && values.some((v) => offered.includes(v)))
      values = values.filter((v) => offered.includes(v));
    const rank = (v: string) => order.indexOf(v) + 1 || 99;
    return [...values]
      .sort((a, b) => rank(a) - rank(b))
      .map((v) => ({ value: v, label: word(w, v) ?? v }));
  };
  // Domain and workspace as the seed's table shows them: set by the embedding system.
  const ws = contract.workspace;
  const fixed = (key: string, value: string | undefined) => {
    if (!value) return;
    const rule: FieldRule = { key, name: key, custom: false, type: 'string', required: true };
    out.push({
      key,
      kind: 'fixed',
      label: word(w, key) ?? key,
      required: true,
      rule,
      initial: value,
    });
  };
  if (ws?.domain) fixed('domain', ws.domainName ? `${ws.domain} · ${ws.domainName}` : ws.domain);
  if (ws?.key) fixed('workspace', ws.name ? `${ws.code ?? ws.key} · ${ws.name}` : ws.key);
  add('title', 'text', { wide: true });
  add('description', 'textarea', { wide: true });
  if (type === 'TASK') add('result', 'textarea', { wide: true });
  if (type === 'INCIDENT') {
    add('financialImpact', 'amount', { hint: w.financialImpactHint });
    add('impact', 'select', { options: options('impact', LEVEL_ORDER) });
    add('likelihood', 'select', { options: options('likelihood', LEVEL_ORDER) });
  }
  add('priority', 'select', { options: options('priority', LEVEL_ORDER) });
  add('status', 'radio', { options: options('status', OFFERED_STATUSES, OFFERED_STATUSES) });
  add('reminderDate', 'date');
  add('reporter', 'email', { users: rules.get('reporter')?.users });
  // The seed: the assignee is the reporter unless the user changes it.
  const reporter = out.find((f) => f.key === 'reporter')?.initial;
  add('assignee', 'email', {
    users: rules.get('assignee')?.users,
    hint: w.assigneeHint,
    ...(prefill('assignee') === undefined && typeof reporter === 'string'
      ? { initial: reporter }
      : {}),
  });
  add('orderID', 'text');
  add('lrn', 'text');

  for (const rule of contract.fields.filter((f) => f.custom)) {
    const choices = rule.enum?.map((v) => ({ value: v, label: v }));
    const field: Field = {
      key: rule.key,
      kind: 'text',
      label: rule.title ?? rule.name,
      required: rule.required,
      rule,
    };
    if (rule.type === 'integer' || rule.type === 'number' || rule.type === 'boolean')
      field.kind = rule.type;
    else if (rule.type === 'array') {
      field.kind = choices ? 'multi' : 'list';
      if (choices) field.options = choices;
      else field.hint = w.listHint;
    } else if (choices) {
      field.kind = 'select';
      field.options = choices;
    }
    out.push(field);
  }
  return out;
}

/** A value as the contract checks and the API takes it: an amount in the API's notation. */
function input(f: Field, v: Value | undefined): Value | undefined {
  return f.kind === 'amount' && typeof v === 'string' ? normalizeAmount(v) : v;
}

function say(problem: Problem, w: Words, value: Value | undefined): string {
  switch (problem.code) {
    case 'required':
      return w.errRequired;
    case 'email':
      return lacksDomainEnding(value) ? w.errEmailNoEnding : w.errEmail;
    case 'date':
      return w.errDate;
    case 'integer':
      return w.errInteger;
    case 'number':
      return w.errNumber;
    case 'enum':
      return w.errChoice;
    case 'tooLong':
      return fill(w.errTooLong, { n: problem.limit ?? 0 });
    case 'tooMany':
      return fill(w.errItems, { n: problem.limit ?? 0 });
    case 'pattern':
      return w.errInvalid;
  }
}

/** The problems by field key, in the form's words; empty when all is well. */
export function check(
  fields: Field[],
  read: (f: Field) => Value | undefined,
  w: Words,
): Map<string, string> {
  const errors = new Map<string, string>();
  for (const f of fields) {
    if (f.kind === 'fixed') continue;
    const value = input(f, read(f));
    const problem = checkValue(f.rule, value);
    if (!problem) continue;
    // The amount's pattern is the contract's; what breaks it is said as an amount.
    errors.set(
      f.key,
      f.kind === 'amount' && problem.code === 'pattern' ? w.errAmount : say(problem, w, value),
    );
  }
  return errors;
}

/** The request body: the type (and workspace in token mode), then what was filled in. */
export function bodyOf(
  contract: Contract,
  fields: Field[],
  read: (f: Field) => Value | undefined,
  type: TodoType,
  workspace?: string,
): Record<string, unknown> {
  const values: FormValues = {};
  const sent = fields.filter((f) => f.kind !== 'fixed');
  for (const f of sent) values[f.key] = input(f, read(f));
  const body = createBody(contract, values, { keys: sent.map((f) => f.key) });
  return { todoType: type, ...(workspace ? { workspace } : {}), ...body };
}

/** What the form says over itself for a failed call. */
export function failureText(
  status: number,
  placed: number,
  unplaced: number,
  detail: unknown,
  w: Words,
): string {
  if (status === 0) return w.errNetwork;
  if (status === 401) return w.errAuth;
  if (status === 403) return w.errForbidden;
  if (status === 404) return w.errNotFound;
  if (status === 429) return w.errTooMany;
  if (status >= 500) return w.errServer;
  if (placed > 0 && unplaced === 0)
    return fill(placed === 1 ? w.errSummary1 : w.errSummaryN, { n: placed });
  return String(detail ?? w.errServer);
}

/** Where the form contract comes from and where todos go, by mode. */
export function sourceOf(
  attrs: { endpoint?: string | null; server?: string | null; workspace?: string | null },
  hasProvider: boolean,
  type: TodoType,
): { form: string; submit: string; workspace?: string } | null {
  const API = '/bzctrl-core-api/api/v1';
  const t = encodeURIComponent(type);
  const endpoint = attrs.endpoint?.trim().replace(/\/+$/, '');
  if (endpoint) return { form: `${endpoint}/form?type=${t}`, submit: endpoint };
  const server = attrs.server?.trim().replace(/\/+$/, '');
  const workspace = attrs.workspace?.trim();
  if (!server || !workspace || !hasProvider) return null;
  return {
    form: `${server}${API}/workspaces/${encodeURIComponent(workspace)}/form?type=${t}`,
    // The native create: it takes everything the contract lists, custom fields included.
    submit: `${server}${API}/todos`,
    workspace,
  };
}

/** A problem's `errors` split into those a field of the form shows and the rest. */
export function placeErrors(
  list: { field: string; message: string }[],
  fields: Field[] | null,
): { placed: Map<string, string>; unplaced: string[] } {
  const placed = new Map<string, string>();
  const unplaced: string[] = [];
  for (const e of list) {
    const key = e.field === 'LRN' ? 'lrn' : e.field;
    if (fields?.some((f) => f.key === key)) placed.set(key, atField(e.message));
    else unplaced.push(`${e.field}: ${e.message}`);
  }
  return { placed, unplaced };
}

/** What the alert region says after a failed check: the count, then each field's problem. */
export function errorAnnouncement(fields: Field[], errors: Map<string, string>, w: Words): string {
  const n = errors.size;
  const summary = fill(n === 1 ? w.errSummary1 : w.errSummaryN, { n });
  const byField = fields
    .filter((f) => errors.has(f.key))
    .map((f) => `${f.label}: ${errors.get(f.key)}`);
  return [summary, ...byField].join(' ');
}

/**
 * What a failed call means for the form: the errors shown at fields (none while the form
 * loads), the message over the form with the rest, and the `bzctrl:error` detail.
 */
export function readFailure(
  res: Answer,
  fields: Field[] | null,
  w: Words,
  message?: string,
): {
  errors: Map<string, string>;
  failure: { message: string; list: string[] };
  detail: ErrorDetail;
} {
  const problem = res.data && typeof res.data === 'object' ? res.data : {};
  const list: { field: string; message: string }[] = Array.isArray(problem.errors)
    ? problem.errors
    : [];
  const { placed, unplaced } = placeErrors(list, fields);
  const s = res.status;
  const text = message ?? failureText(s, placed.size, unplaced.length, problem.detail, w);
  const code =
    typeof problem.code === 'string' ? problem.code : s === 0 ? 'network_error' : 'error';
  return {
    errors: placed,
    failure: { message: text, list: unplaced },
    detail: {
      status: s,
      code,
      message: typeof problem.detail === 'string' ? problem.detail : text,
      errors: list,
    },
  };
}

/** The type the `todo-type` attribute asks for, and whether the user may switch it. */
export function typeRuleOf(
  given: string | null,
  allowChange: boolean,
): { type: TodoType; fixed: boolean } {
  const asked = (given ?? '').trim().toUpperCase();
  return { type: asked === 'TASK' ? 'TASK' : 'INCIDENT', fixed: asked !== '' && !allowChange };
}
