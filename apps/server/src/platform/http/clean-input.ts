import type { FastifyRequest } from 'fastify';
import { AppError, type FieldError, validationError } from '../errors.ts';

/**
 * Every request's input is checked here once, before any schema or route sees it:
 *
 * - numbers must be finite: JSON's `1e309` parses to Infinity, which a string field would
 *   otherwise store as `"Infinity"` (and a query's `?limit=1e309` coerces to it);
 * - text carries no control characters. Tab, line feed and carriage return are allowed in
 *   multi-line text (descriptions, results, comment bodies, custom field values) and in
 *   secrets; names, codes, keys, titles, e-mails and every other field are single-line.
 *
 * A problem is a 400 naming the field (`tags[0]`, `externalRef.id`, `query.q`).
 */

/** Unicode's control characters (C0, DEL, C1), tab, line feed and carriage return aside. */
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

/** Fields whose text may span lines. Secrets are compared, never shown, so they too. */
const MULTI_LINE_FIELDS = new Set([
  'description',
  'result',
  'body',
  'stringValue',
  'password',
  'client_secret',
  'clientSecret',
]);
/** Everything below these holds custom field values, which their definitions check. */
const MULTI_LINE_TREES = new Set(['customFields', 'customFieldValueDetails']);

/** More than this and the caller has heard enough. */
const MAX_REPORTED = 20;

function codePoint(s: string): string {
  const hit = CONTROL.exec(s)?.[0] ?? LINE_BREAK_OR_TAB.exec(s)?.[0] ?? '';
  return `U+${hit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function textProblem(s: string, multiLine: boolean): string | undefined {
  if (CONTROL.test(s)) return `must not contain control characters (found ${codePoint(s)})`;
  if (!multiLine && LINE_BREAK_OR_TAB.test(s)) {
    return `must be a single line: no tab, line feed or carriage return (found ${codePoint(s)})`;
  }
  return undefined;
}

/** A parsed object: Object's or a null prototype (the router and query parser use one). */
const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
};

/**
 * The problems of one parsed value (a JSON body, a form, a query), walked without
 * recursion so that no nesting depth can overflow the stack. Objects other than plain
 * ones and arrays (a file part, a Buffer) are not looked into.
 */
export function inputProblems(
  value: unknown,
  opts: { root?: string; text: boolean },
): FieldError[] {
  const out: FieldError[] = [];
  const stack: { v: unknown; path: string; multiLine: boolean }[] = [
    { v: value, path: opts.root ?? '', multiLine: false },
  ];
  while (stack.length > 0 && out.length < MAX_REPORTED) {
    const { v, path, multiLine } = stack.pop() as (typeof stack)[number];
    const field = path || 'body';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) out.push({ field, message: 'must be a finite number' });
    } else if (typeof v === 'string') {
      const problem = opts.text ? textProblem(v, multiLine) : undefined;
      if (problem) out.push({ field, message: problem });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i], path: `${path}[${i}]`, multiLine });
      }
    } else if (v !== null && typeof v === 'object' && isPlainObject(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        if (opts.text && textProblem(key, false)) {
          out.push({ field, message: 'has a property name with control characters' });
          continue;
        }
        stack.push({
          v: child,
          path: path ? `${path}.${key}` : key,
          multiLine: multiLine || MULTI_LINE_FIELDS.has(key) || MULTI_LINE_TREES.has(key),
        });
      }
    }
  }
  return out;
}

function throwIfAny(problems: FieldError[]): void {
  if (problems.length > 0) throw validationError(problems);
}

/**
 * preValidation, on every route: the body as sent (before schema coercion could turn
 * Infinity into "Infinity") and the text of the query and path parameters.
 */
export async function rejectUncleanInput(request: FastifyRequest): Promise<void> {
  refuseTwoBearerTokens(request);
  throwIfAny([
    ...inputProblems(request.body, { text: true }),
    ...inputProblems(request.query, { root: 'query', text: true }),
    ...inputProblems(request.params, { root: 'path', text: true }),
  ]);
}

/**
 * preHandler, on every route: after schema coercion, a query or path parameter such as
 * `?limit=1e309` or `Infinity` has become a number, and must still be finite.
 */
export async function rejectNonFiniteParameters(request: FastifyRequest): Promise<void> {
  throwIfAny([
    ...inputProblems(request.body, { text: false }),
    ...inputProblems(request.query, { root: 'query', text: false }),
    ...inputProblems(request.params, { root: 'path', text: false }),
  ]);
}

/**
 * RFC 6750 §2: a client uses one way to send its access token. A Bearer header together
 * with an `access_token` in the query or the body is refused, not resolved either way.
 */
function refuseTwoBearerTokens(request: FastifyRequest): void {
  if (!/^bearer\s/i.test(request.headers.authorization ?? '')) return;
  const has = (v: unknown) =>
    v !== null && typeof v === 'object' && Object.hasOwn(v as object, 'access_token');
  if (!has(request.query) && !has(request.body)) return;
  const detail = 'Send the access token one way only: in the Authorization header';
  throw new AppError('bad_request', detail, [], {
    'WWW-Authenticate': `Bearer realm="bzctrl", error="invalid_request", error_description="${detail}"`,
  });
}
