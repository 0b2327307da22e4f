import type { Executor } from '../../platform/db/executor.ts';
import type { FieldErrors } from '../../platform/errors.ts';
import { parseOrigin } from '../../platform/http/origins.ts';
import { emailProblem } from '../../platform/values/rules.ts';
import { checkPeopleAccess } from '../access/people-with-access.ts';
import {
  LEVELS,
  type Level,
  LIMITS,
  normalizeEnum,
  SETTABLE_STATUSES,
  TODO_TYPES,
  type TodoType,
} from '../todos/todo-fields.ts';

/**
 * What an administrator may set on an exposed endpoint, checked: its name, the origins
 * that may embed it and the defaults it fills in. Each check adds its problems to
 * `errors` under the field's own name, so every problem is reported at once.
 */

/** Fields an endpoint fills in when the body leaves them out; stored canonical. */
export interface EndpointDefaults {
  todoType?: TodoType;
  reporter?: string;
  assignee?: string;
  status?: (typeof SETTABLE_STATUSES)[number];
  priority?: Level;
  impact?: Level;
  likelihood?: Level;
  tags?: string[];
  category?: string[];
}

export const DEFAULT_FIELDS = [
  'todoType',
  'reporter',
  'assignee',
  'status',
  'priority',
  'impact',
  'likelihood',
  'tags',
  'category',
] as const;

const MAX_ORIGINS = 20;

export function checkName(name: string | undefined, errors: FieldErrors): string | undefined {
  if (name === undefined) return undefined;
  const s = name.trim();
  if (s === '') errors.add('name', 'must not be empty');
  else if (s.length > LIMITS.shortText)
    errors.add('name', `must be at most ${LIMITS.shortText} characters`);
  return s;
}

/**
 * Origins as a browser sends them in `Origin`: scheme, host and an optional port, nothing
 * else. `*` is refused: an endpoint names every site that may embed it.
 */
export function checkOrigins(list: string[], errors: FieldErrors): string[] {
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    const field = `allowedOrigins[${i}]`;
    const s = raw.trim().replace(/\/$/, '');
    if (s === '*') {
      errors.add(field, '"*" is not allowed: list each origin, e.g. https://erp.example.com');
      continue;
    }
    const origin = parseOrigin(s);
    if (!origin) {
      errors.add(
        field,
        `"${raw}" is not an origin: give scheme, host and optional port, without path, e.g. https://erp.example.com`,
      );
      continue;
    }
    if (!out.includes(origin)) out.push(origin);
  }
  if (out.length > MAX_ORIGINS) errors.add('allowedOrigins', `must have at most ${MAX_ORIGINS}`);
  return out;
}

function checkList(
  errors: FieldErrors,
  field: string,
  value: unknown,
  maxItems: number,
): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    const name = Array.isArray(value) ? `${field}[${i}]` : field;
    if (typeof item !== 'string') {
      errors.add(name, 'must be a string');
      continue;
    }
    const s = item.trim();
    if (s === '') continue;
    if (s.length > LIMITS.tag) errors.add(name, `must be at most ${LIMITS.tag} characters`);
    else if (!out.includes(s)) out.push(s);
  }
  if (out.length > maxItems) errors.add(field, `must have at most ${maxItems} items`);
  return out.length > 0 ? out : undefined;
}

/**
 * Checks defaults with the rules of a create (forgiving enums stored canonical; people
 * must be active users with access to the workspace), so a create through the endpoint
 * cannot fail on a default that was already wrong when it was set.
 */
export async function checkDefaults(
  db: Executor,
  input: Record<string, unknown>,
  workspaceId: number | null,
  workspaceKey: string,
  errors: FieldErrors,
): Promise<EndpointDefaults> {
  const out: EndpointDefaults = {};
  const field = (name: string) => `defaults.${name}`;
  for (const key of Object.keys(input)) {
    if (!(DEFAULT_FIELDS as readonly string[]).includes(key))
      errors.add(field(key), `is not a default an endpoint carries (${DEFAULT_FIELDS.join(', ')})`);
  }
  const text = (name: string): string | undefined => {
    const v = input[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      errors.add(field(name), 'must be a string');
      return undefined;
    }
    return v.trim() === '' ? undefined : v.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const s = text(name);
    if (s === undefined) return undefined;
    const hit = normalizeEnum(s, allowed);
    if (!hit) errors.add(field(name), `"${s}" is not one of ${allowed.join(', ')}`);
    return hit;
  };
  const todoType = oneOf('todoType', TODO_TYPES);
  if (todoType) out.todoType = todoType;
  const status = oneOf('status', SETTABLE_STATUSES);
  if (status) out.status = status;
  for (const name of ['priority', 'impact', 'likelihood'] as const) {
    const level = oneOf(name, LEVELS);
    if (level) out[name] = level;
  }
  for (const name of ['tags', 'category'] as const) {
    if (input[name] === undefined || input[name] === null) continue;
    const max = name === 'tags' ? LIMITS.tags : LIMITS.categories;
    const list = checkList(errors, field(name), input[name], max);
    if (list) out[name] = list;
  }
  const people: ['reporter' | 'assignee', string][] = [];
  for (const name of ['reporter', 'assignee'] as const) {
    const s = text(name);
    if (s === undefined) continue;
    const problem = emailProblem(s);
    if (problem) errors.add(field(name), problem);
    else people.push([name, s.toLowerCase()]);
  }
  if (people.length > 0 && workspaceId !== null) {
    const access = await checkPeopleAccess(
      db,
      people.map(([, e]) => e),
      workspaceId,
    );
    for (const [name, email] of people) {
      const refusal = access.has(email) ? access.get(email)?.refusal : 'unknown';
      if (refusal === 'unknown' || refusal === 'disabled')
        errors.add(field(name), `no active user with e-mail ${email}`);
      else if (refusal === 'no-access')
        errors.add(field(name), `${email} has no access to workspace ${workspaceKey}`);
      else out[name] = email;
    }
  }
  return out;
}
