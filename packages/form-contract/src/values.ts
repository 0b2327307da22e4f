import type { Contract, FieldRule } from './contract.ts';

/** A value as a form holds it: text (numbers too), a yes/no, or the chosen options. */
export type FormValue = string | boolean | string[];
/** Form values by field key (`title`, `customFields.Size`). */
export type FormValues = Record<string, FormValue | undefined>;

/** "a, b,, c" → ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number as typed: a decimal comma is read as a dot ("1,5" is 1.5). */
const toNumber = (text: string) =>
  text.trim() === '' ? Number.NaN : Number(text.replace(',', '.'));

/**
 * A form value as the API takes it, typed as the contract says: trimmed text, a number,
 * a list (a comma-separated text for a list without options), a yes/no. `undefined` when
 * the field is empty.
 */
export function toApiValue(rule: FieldRule, value: FormValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (rule.type === 'array' || Array.isArray(value)) {
    const list = Array.isArray(value)
      ? value.map((s) => s.trim()).filter(Boolean)
      : splitList(value);
    if (list.length === 0) return undefined;
    return rule.itemType === 'integer' || rule.itemType === 'number' ? list.map(toNumber) : list;
  }
  const text = value.trim();
  if (text === '') return undefined;
  if (rule.type === 'integer' || rule.type === 'number') return toNumber(text);
  if (rule.type === 'boolean') return text === 'true';
  return text;
}

export interface BodyOptions {
  /** Only these fields (the ones the form shows); all of the contract's by default. */
  keys?: Iterable<string>;
}

function chosen(contract: Contract, options: BodyOptions): FieldRule[] {
  const keys = options.keys ? new Set(options.keys) : undefined;
  return contract.fields.filter((f) => !keys || keys.has(f.key));
}

/**
 * The create body from the form's values: filled-in fields typed as the contract asks,
 * empty ones left out, custom fields under `customFields`. The caller adds what the form
 * fixes itself (`todoType`, `workspace`).
 */
export function createBody(
  contract: Contract,
  values: FormValues,
  options: BodyOptions = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const f of chosen(contract, options)) {
    const v = toApiValue(f, values[f.key]);
    if (v === undefined) continue;
    if (f.custom) custom[f.name] = v;
    else body[f.name] = v;
  }
  // Sent, even empty, when the contract requires it: the server then names what is missing.
  if (Object.keys(custom).length > 0 || contract.requiresCustomFields) body.customFields = custom;
  return body;
}

/**
 * The patch body: only the fields whose value changed. A cleared field is sent as null
 * when the contract does not require it (a list as []), a cleared custom field as null.
 */
export function patchBody(
  contract: Contract,
  before: FormValues,
  after: FormValues,
  options: BodyOptions = {},
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const f of chosen(contract, options)) {
    const was = toApiValue(f, before[f.key]);
    const now = toApiValue(f, after[f.key]);
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    if (f.custom) custom[f.name] = now ?? null;
    else if (now !== undefined) patch[f.name] = now;
    else if (f.type === 'array') patch[f.name] = [];
    else patch[f.name] = f.required ? '' : null;
  }
  if (Object.keys(custom).length > 0) patch.customFields = custom;
  return patch;
}
