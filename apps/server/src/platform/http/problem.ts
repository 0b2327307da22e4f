import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';
import {
  AppError,
  type ErrorCode,
  errorCodes,
  type FieldError,
  validationError,
} from '../errors.ts';
import { fieldPath } from '../values/field-path.ts';
import { combineMessages, type SchemaIssue } from './schema-messages.ts';

/** RFC 9457 problem details, as every native and BzCtrl-dialect error is sent. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const problemResponses = {
  '4xx': Type.Ref('Problem'),
  '5xx': Type.Ref('Problem'),
} as const;

/**
 * A `$ref` to a schema the app added by its `$id`, typed as that schema, so the TypeBox
 * type provider types the handler while the OpenAPI document keeps naming the schema.
 */
export function refTo<T extends TSchema>(
  schema: T & { $id?: string },
  /** Request examples the OpenAPI document shows beside the reference ("Try it out"). */
  options: { examples?: Static<T>[] } = {},
): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('refTo needs a schema with an $id');
  const ref = Type.Ref(schema.$id);
  // The document generator drops a reference's siblings: examples go beside an allOf.
  if (options.examples) return Type.Unsafe<Static<T>>({ allOf: [ref], ...options });
  return Type.Unsafe<Static<T>>(ref);
}

/**
 * What a route says about a field its schema does not take (`additionalProperties:
 * false`); `field` is the full name, `externalRef.version` for a nested one.
 */
export type UnknownFieldMessage = (field: string) => string;

const notAField: UnknownFieldMessage = () => 'is not a field this request takes';

/** Whether an issue sits in a branch of a union (`…/anyOf/1/type`). */
const inUnion = (i: SchemaIssue) => /\/(anyOf|oneOf)\/\d+\//.test(i.schemaPath ?? '');

/**
 * Turns Fastify validation issues into field errors in plain words, the one place every
 * route's schema errors are worded: `/tags/0` becomes `tags[0]`, a missing property
 * `is required`, an unknown one `unknownField`'s message, and a schema keyword a sentence
 * ("Use at least 8 characters."; see schema-messages.ts). A field gets one entry: a
 * union's branches are said together, and a branch that failed is left out when a field
 * inside names what is wrong (`externalRef.id`, not also "externalRef: enter null").
 */
export function fieldErrorsOf(
  issues: SchemaIssue[],
  context: string | undefined,
  unknownField: UnknownFieldMessage = notAField,
): FieldError[] {
  const named = new Map<string, string[]>();
  const byField = new Map<string, SchemaIssue[]>();
  const add = (map: Map<string, unknown[]>, field: string, item: unknown) =>
    map.set(field, [...(map.get(field) ?? []), item]);
  for (const i of issues) {
    if (i.keyword === 'anyOf' || i.keyword === 'oneOf') continue;
    let path = fieldPath(i.instancePath ?? '');
    const missing = i.params?.missingProperty;
    const extra = i.params?.additionalProperty;
    if (i.keyword === 'required' && typeof missing === 'string') {
      path = path ? `${path}.${missing}` : missing;
      add(named, path || context || 'body', 'is required');
    } else if (i.keyword === 'additionalProperties' && typeof extra === 'string') {
      path = path ? `${path}.${extra}` : extra;
      add(named, path, unknownField(path));
    } else {
      add(byField as Map<string, unknown[]>, path || context || 'body', i);
    }
  }
  const fields = [...new Set([...named.keys(), ...byField.keys()])];
  const inside = (field: string) =>
    fields.some((f) => f.startsWith(`${field}.`) || f.startsWith(`${field}[`));
  const out: FieldError[] = [];
  for (const field of fields) {
    const own = byField.get(field) ?? [];
    // A union that failed only because a field inside is wrong: that field says it.
    if (own.length > 0 && own.every(inUnion) && inside(field) && !named.has(field)) continue;
    const messages = [...new Set(named.get(field) ?? [])];
    if (own.length > 0) messages.push(combineMessages(own));
    for (const message of messages) out.push({ field, message });
  }
  return out;
}

/**
 * A `schemaErrorFormatter` (route option or `setSchemaErrorFormatter`) for routes that
 * name an unknown field in their own words.
 */
export function namingUnknownFields(unknownField: UnknownFieldMessage) {
  return (issues: SchemaIssue[], context: string): Error =>
    validationError(fieldErrorsOf(issues, context, unknownField));
}

/** Maps any error to a domain error; unknown ones become a 500 that says nothing internal. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { validation?: SchemaIssue[]; validationContext?: string };
  if (e.validation) {
    return validationError(fieldErrorsOf(e.validation, e.validationContext));
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'payload_too_large',
        'The request body is larger than this server accepts',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'Content-Length does not match the body');
  }
  if (
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    (e.statusCode === 400 && e instanceof SyntaxError)
  ) {
    return new AppError('bad_request', `The body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode === 429) return new AppError('too_many_requests', e.message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = (Object.entries(errorCodes).find(
      ([k, v]) => v.status === e.statusCode && k !== 'validation_failed',
    )?.[0] ?? 'bad_request') as ErrorCode;
    return new AppError(code, e.message);
  }
  return new AppError(
    'internal',
    'Something went wrong on our side; the request id identifies it in the log',
  );
}

export function problemBody(err: AppError, requestId: string) {
  return {
    type: `urn:bzctrl:problem:${err.code.replaceAll('_', '-')}`,
    title: err.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
    requestId,
    ...(err.errors.length > 0 ? { errors: err.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, err: AppError) {
  return reply
    .code(err.status)
    .headers(err.headers)
    .type('application/problem+json')
    .send(problemBody(err, String(reply.request.id)));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A wrong method on this route's path answers exactly like an unknown path (404), not
     * 405: for paths that hold a credential, such as an exposed endpoint's UUID.
     */
    wrongMethodIsNotFound?: boolean;
  }
}

type ErrorRenderer = (error: AppError, request: FastifyRequest, reply: FastifyReply) => unknown;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A route's path up to its first parameter, and how a wrong method on it is answered. */
interface PathPolicy {
  prefix: string;
  exact: boolean;
  hidden: boolean;
  tags: readonly string[];
}

/**
 * Installs problem-details error and not-found handlers on the app. A path that exists
 * with other methods answers 405 with `Allow` (RFC 9110 §15.5.6) instead of 404, in the
 * envelope of `renderByTag` when the route carries that OpenAPI tag (the ITSM dialect's).
 */
export function useProblemDetails(
  app: FastifyInstance,
  opts: { renderByTag?: Record<string, ErrorRenderer> } = {},
): void {
  const policies: PathPolicy[] = [];
  app.addHook('onRoute', (route) => {
    const cut = route.url.search(/[:*]/);
    policies.push({
      prefix: cut === -1 ? route.url : route.url.slice(0, cut),
      exact: cut === -1,
      hidden: route.config?.wrongMethodIsNotFound === true,
      tags: (route.schema as { tags?: string[] } | undefined)?.tags ?? [],
    });
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const err = toAppError(error);
    if (err.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const notFound = new AppError('not_found', `No route ${request.method} ${path}`);
    // Methods a route answers on this very path; a wildcard (static files, CORS
    // preflight) claims every path and so proves nothing.
    const allowed = METHODS.filter((method) => {
      const found = app.findRoute({ method, url: path });
      return found !== null && !('*' in (found.params as object));
    });
    if (allowed.length === 0) return sendProblem(reply, notFound);
    const matching = policies.filter((p) =>
      p.exact ? p.prefix === path : path.startsWith(p.prefix),
    );
    if (matching.some((p) => p.hidden)) return sendProblem(reply, notFound);
    const err = new AppError(
      'method_not_allowed',
      `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
      [],
      { Allow: allowed.join(', ') },
    );
    const tag = Object.keys(opts.renderByTag ?? {}).find((t) =>
      matching.some((p) => p.tags.includes(t)),
    );
    const render = tag ? opts.renderByTag?.[tag] : undefined;
    return render ? render(err, request, reply) : sendProblem(reply, err);
  });
}
