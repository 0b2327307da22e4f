import type { Contract, FieldRule } from './contract.ts';
import { type FormValue, type FormValues, toApiValue } from './values.ts';

export type ProblemCode =
  | 'required'
  | 'email'
  | 'date'
  | 'pattern'
  | 'enum'
  | 'integer'
  | 'number'
  | 'tooLong'
  | 'tooMany';

/** What is wrong with a value; each client words it (and may say more, e.g. for an amount). */
export interface Problem {
  code: ProblemCode;
  /** For tooLong and tooMany: the limit. */
  limit?: number;
}

// `format: email` as the server reads it (apps/server/src/todos/todo-fields.ts, isEmail):
// no spaces, one @, a dot in the domain and no empty label.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** `format: date`: YYYY-MM-DD and a real day of the calendar (no time zone involved). */
export function isDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

const patterns = new Map<string, RegExp>();
function matches(pattern: string, text: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    patterns.set(pattern, re);
  }
  return re.test(text);
}

function checkItem(rule: FieldRule, item: unknown): Problem | undefined {
  if (typeof item === 'number') {
    const integer = rule.type === 'integer' || rule.itemType === 'integer';
    if (integer && !Number.isInteger(item)) return { code: 'integer' };
    if (!Number.isFinite(item)) return { code: 'number' };
  } else if (typeof item === 'string') {
    if (rule.format === 'email' && !EMAIL.test(item)) return { code: 'email' };
    if (rule.format === 'date' && !isDate(item)) return { code: 'date' };
    if (rule.pattern !== undefined && !matches(rule.pattern, item)) return { code: 'pattern' };
    if (rule.maxLength !== undefined && [...item].length > rule.maxLength)
      return { code: 'tooLong', limit: rule.maxLength };
  }
  if (rule.enum && !rule.enum.includes(String(item))) return { code: 'enum' };
  return undefined;
}

/**
 * Checks one value by its field's rule, as the server would: required, e-mail, date, the
 * published pattern (the amount's among them), options, numbers, length. An empty yes/no
 * is never missing (it means no).
 */
export function checkValue(rule: FieldRule, value: FormValue | undefined): Problem | undefined {
  const api = toApiValue(rule, value);
  if (api === undefined)
    return rule.required && rule.type !== 'boolean' ? { code: 'required' } : undefined;
  if (typeof api === 'boolean') return undefined;
  if (Array.isArray(api)) {
    if (rule.maxItems !== undefined && api.length > rule.maxItems)
      return { code: 'tooMany', limit: rule.maxItems };
    for (const item of api) {
      const problem = checkItem(rule, item);
      if (problem) return problem;
    }
    return undefined;
  }
  return checkItem(rule, api);
}

/** Checks the form's values; the problems by field key, none when all is well. */
export function checkValues(
  contract: Contract,
  values: FormValues,
  options: { keys?: Iterable<string> } = {},
): Record<string, Problem> {
  const keys = options.keys ? new Set(options.keys) : undefined;
  const problems: Record<string, Problem> = {};
  for (const f of contract.fields) {
    if (keys && !keys.has(f.key)) continue;
    const problem = checkValue(f, values[f.key]);
    if (problem) problems[f.key] = problem;
  }
  return problems;
}
