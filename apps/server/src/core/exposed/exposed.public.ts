import type { Actor } from '../../platform/context.ts';
import type { Db } from '../../platform/db/database.ts';
import { tokenDigest } from '../../platform/values/secrets.ts';
import type { TodoInput } from '../todos/todo-fields.ts';
import { type ExposedEndpointRow, findLiveEndpointByHash } from './exposed.repository.ts';
import { DEFAULT_FIELDS, type EndpointDefaults } from './exposed.settings.ts';

/**
 * An exposed endpoint at work for whoever holds its UUID, without a token: which
 * endpoint a UUID opens, who the create acts as, which origins may call, the defaults
 * merged into the body and the form contract it publishes.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The enabled endpoint a UUID opens, if any: malformed, unknown, disabled all give none. */
export async function admitEndpoint(db: Db, uuid: string): Promise<ExposedEndpointRow | undefined> {
  if (!UUID.test(uuid)) return undefined;
  return findLiveEndpointByHash(db.kysely, tokenDigest(uuid.toLowerCase()));
}

/** The caller a create through an endpoint acts as: the endpoint, in its one workspace. */
export function endpointActor(row: ExposedEndpointRow): Actor {
  const workspaceId = Number(row.workspaceId);
  return {
    kind: 'endpoint',
    endpointId: Number(row.id),
    endpointName: row.name,
    userId: null,
    userEmail: null,
    apiClientId: null,
    clientId: null,
    isAdmin: false,
    workspaceIds: new Set([workspaceId]),
    defaultWorkspaceId: workspaceId,
    scopes: new Set(['todo:write']),
    tokenId: '',
  };
}

export function allowedOriginsOf(row: ExposedEndpointRow): string[] {
  return JSON.parse(row.allowedOrigins) as string[];
}

/**
 * The body's fields over the endpoint's defaults: a field the body sends wins; tags are the
 * union of the endpoint's and the body's, so an endpoint's tags always mark its todos.
 */
export function withDefaults(row: ExposedEndpointRow, input: TodoInput): TodoInput {
  const defaults = JSON.parse(row.defaults) as EndpointDefaults;
  const merged: TodoInput = { ...input };
  for (const key of DEFAULT_FIELDS) {
    if (key === 'tags') continue;
    if (merged[key] === undefined || merged[key] === null) merged[key] = defaults[key];
  }
  if (defaults.tags) {
    const body = input.tags;
    merged.tags =
      body === undefined || body === null
        ? defaults.tags
        : [...defaults.tags, ...(Array.isArray(body) ? body : [body])];
  }
  return merged;
}

/** Body fields the public create does not take: the endpoint decides or has no use for them. */
const NOT_EXPOSED = ['workspace', 'watchers', 'dueDate'] as const;

/**
 * The workspace form contract (forms/form.service.ts) as the public create takes it: the
 * fields it ignores are gone, its defaults are the form's defaults, and what a default
 * fills in is no longer required. Whoever holds the UUID reads this, so it names no
 * person: the member lists and the default reporter and assignee stay on the server.
 */
export function exposedForm(
  row: ExposedEndpointRow,
  form: Record<string, unknown>,
): Record<string, unknown> {
  const defaults = JSON.parse(row.defaults) as EndpointDefaults;
  const properties = { ...(form.properties as Record<string, Record<string, unknown>>) };
  for (const name of NOT_EXPOSED) delete properties[name];
  for (const name of ['reporter', 'assignee'] as const) {
    const {
      'x-users': _users,
      examples: _examples,
      default: _default,
      ...rest
    } = properties[name] ?? {};
    properties[name] = {
      ...rest,
      ...(defaults[name] ? { description: `${rest.description}; the endpoint has a default` } : {}),
    };
  }
  for (const name of ['status', 'priority', 'impact', 'likelihood'] as const) {
    const value = defaults[name];
    if (value && properties[name]) properties[name] = { ...properties[name], default: value };
  }
  const required = (form.required as string[]).filter(
    (name) =>
      !(NOT_EXPOSED as readonly string[]).includes(name) &&
      !(name === 'reporter' && defaults.reporter),
  );
  return {
    ...form,
    description:
      'What to send to this exposed endpoint (POST, no token) to create a todo in its workspace. ' +
      'Enum values are canonical; the API also accepts them in any case and with spaces or underscores. ' +
      'Fields left out take the endpoint defaults.',
    required,
    properties,
  };
}
