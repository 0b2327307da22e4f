import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import {
  createAdminClient,
  createAdminUser,
  deleteAdminClient,
  disableAdminUser,
  getAdminClient,
  getAdminUser,
  listAdminClients,
  listAdminUsers,
  patchAdminClient,
  patchAdminUser,
  rotateAdminClientSecret,
  setAdminMembership,
} from '../../core/access/identities.service.ts';
import {
  createAdminCustomField,
  createAdminLocation,
  deleteAdminCustomField,
  deleteAdminLocation,
  getAdminCustomField,
  listAdminCustomFields,
  listAdminLocations,
  patchAdminCustomField,
  patchAdminLocation,
} from '../../core/catalog/catalog.service.ts';
import {
  createAdminDomain,
  createAdminWorkspace,
  deleteAdminDomain,
  deleteAdminWorkspace,
  getAdminDomain,
  getAdminWorkspace,
  listAdminDomains,
  listAdminWorkspaces,
  patchAdminDomain,
  patchAdminWorkspace,
} from '../../core/tenancy/tenancy.service.ts';
import { type AppDeps, ctxOf } from '../../platform/http/context.ts';
import { problemResponses } from '../../platform/http/problem.ts';
import { requireScope } from '../auth.plugin.ts';
import { requireAdministrator, useAdminProblemDetails } from './admin.common.ts';
import {
  adminSchemas,
  CreateClientBody,
  CreateCustomFieldBody,
  CreateDomainBody,
  CreateUserBody,
  CreateWorkspaceBody,
  LocationBody,
  listOf,
  PatchClientBody,
  PatchCustomFieldBody,
  PatchDomainBody,
  PatchUserBody,
  PatchWorkspaceBody,
} from './admin.schemas.ts';

const BASE = '/bzctrl-core-api/api/v1/admin';

/** What a handler receives for a part of the request its schema describes (or not). */
type Typed<S extends TSchema | undefined> = S extends TSchema ? Static<S> : unknown;

const NoContent = Type.Null({ description: 'Done; no body' });
const CodeParams = Type.Object({ code: Type.String({ description: 'Domain code' }) });
const KeyParams = Type.Object({ key: Type.String({ description: 'Workspace key' }) });
const EmailParams = Type.Object({ email: Type.String({ description: 'The user’s e-mail' }) });
const ClientParams = Type.Object({ clientId: Type.String() });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const MembershipParams = Type.Object({ email: Type.String(), key: Type.String() });

/**
 * The admin API under `/bzctrl-core-api/api/v1/admin`: everything the provisioning file
 * can do, one object at a time, with the same rules (provisioning/entities.ts). Every
 * route needs the `admin` scope and an administrator signed in as itself.
 */
export async function adminRoutes(app: FastifyInstance, deps: AppDeps) {
  // A scope of its own for the schemas and the error handler that names unknown fields.
  await app.register(async (admin) => {
    useAdminProblemDetails(admin);
    for (const s of adminSchemas) admin.addSchema(s);

    // The handler's params and body are typed from the very schemas the route validates.
    const route = <
      P extends TSchema | undefined = undefined,
      B extends TSchema | undefined = undefined,
    >(
      method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
      path: string,
      summary: string,
      s: { params?: P; body?: B; response: Record<number, TSchema> },
      handler: (
        request: FastifyRequest<{ Params: Typed<P>; Body: Typed<B> }>,
        reply: FastifyReply,
      ) => Promise<unknown>,
    ) =>
      admin.route<{ Params: Typed<P>; Body: Typed<B> }>({
        method,
        url: `${BASE}${path}`,
        onRequest: admin.authenticate,
        preHandler: [requireScope('admin'), requireAdministrator],
        schema: {
          summary,
          tags: ['admin'],
          security: [{ bearer: [] }],
          ...(s.params ? { params: s.params } : {}),
          ...(s.body ? { body: s.body } : {}),
          response: { ...s.response, ...problemResponses },
        },
        handler,
      });
    const ctx = (request: FastifyRequest) => ctxOf(request, deps, 'native');
    const created = (reply: FastifyReply, location: string, body: unknown) =>
      reply.code(201).header('Location', `${BASE}${location}`).send(body);
    const noContent = (reply: FastifyReply) => reply.code(204).send();
    const ref = (id: string) => Type.Ref(id);

    // Domains
    route(
      'GET',
      '/domains',
      'List domains',
      { response: { 200: listOf('AdminDomain') } },
      async (r) => ({
        items: await listAdminDomains(ctx(r)),
      }),
    );
    route(
      'POST',
      '/domains',
      'Create a domain',
      { body: CreateDomainBody, response: { 201: ref('AdminDomain') } },
      async (r, reply) => {
        const d = await createAdminDomain(ctx(r), r.body);
        return created(reply, `/domains/${d.code}`, d);
      },
    );
    route(
      'GET',
      '/domains/:code',
      'Read a domain',
      { params: CodeParams, response: { 200: ref('AdminDomain') } },
      async (r) => getAdminDomain(ctx(r), r.params.code),
    );
    route(
      'PATCH',
      '/domains/:code',
      'Rename a domain (its code cannot change)',
      { params: CodeParams, body: PatchDomainBody, response: { 200: ref('AdminDomain') } },
      async (r) => patchAdminDomain(ctx(r), r.params.code, r.body),
    );
    route(
      'DELETE',
      '/domains/:code',
      'Delete a domain that has no workspaces',
      { params: CodeParams, response: { 204: NoContent } },
      async (r, reply) => {
        await deleteAdminDomain(ctx(r), r.params.code);
        return noContent(reply);
      },
    );

    // Workspaces
    route(
      'GET',
      '/workspaces',
      'List all workspaces',
      { response: { 200: listOf('AdminWorkspace') } },
      async (r) => ({ items: await listAdminWorkspaces(ctx(r)) }),
    );
    route(
      'POST',
      '/workspaces',
      'Create a workspace in a domain',
      { body: CreateWorkspaceBody, response: { 201: ref('AdminWorkspace') } },
      async (r, reply) => {
        const w = await createAdminWorkspace(ctx(r), r.body);
        return created(reply, `/workspaces/${w.key}`, w);
      },
    );
    route(
      'GET',
      '/workspaces/:key',
      'Read a workspace',
      { params: KeyParams, response: { 200: ref('AdminWorkspace') } },
      async (r) => getAdminWorkspace(ctx(r), r.params.key),
    );
    route(
      'PATCH',
      '/workspaces/:key',
      'Rename a workspace (its code cannot change)',
      { params: KeyParams, body: PatchWorkspaceBody, response: { 200: ref('AdminWorkspace') } },
      async (r) => patchAdminWorkspace(ctx(r), r.params.key, r.body),
    );
    route(
      'DELETE',
      '/workspaces/:key',
      'Delete a workspace that never held a todo',
      { params: KeyParams, response: { 204: NoContent } },
      async (r, reply) => {
        await deleteAdminWorkspace(ctx(r), r.params.key);
        return noContent(reply);
      },
    );

    // Users and memberships
    route('GET', '/users', 'List users', { response: { 200: listOf('AdminUser') } }, async (r) => ({
      items: await listAdminUsers(ctx(r)),
    }));
    route(
      'POST',
      '/users',
      'Create a user',
      { body: CreateUserBody, response: { 201: ref('AdminUser') } },
      async (r, reply) => {
        const u = await createAdminUser(ctx(r), r.body);
        return created(reply, `/users/${encodeURIComponent(u.email)}`, u);
      },
    );
    route(
      'GET',
      '/users/:email',
      'Read a user',
      { params: EmailParams, response: { 200: ref('AdminUser') } },
      async (r) => getAdminUser(ctx(r), r.params.email),
    );
    route(
      'PATCH',
      '/users/:email',
      'Change a user (a new password or disabling ends its sessions)',
      { params: EmailParams, body: PatchUserBody, response: { 200: ref('AdminUser') } },
      async (r) => patchAdminUser(ctx(r), r.params.email, r.body),
    );
    route(
      'DELETE',
      '/users/:email',
      'Disable a user (users own todos, so they are never removed)',
      { params: EmailParams, response: { 204: NoContent } },
      async (r, reply) => {
        await disableAdminUser(ctx(r), r.params.email);
        return noContent(reply);
      },
    );
    for (const [method, member] of [
      ['PUT', true],
      ['DELETE', false],
    ] as const) {
      route(
        method,
        '/users/:email/workspaces/:key',
        member ? 'Make a user a member of a workspace' : 'End a user’s membership of a workspace',
        { params: MembershipParams, response: { 204: NoContent } },
        async (r, reply) => {
          const { email, key } = r.params;
          await setAdminMembership(ctx(r), email, key, member);
          return noContent(reply);
        },
      );
    }

    // API clients
    route(
      'GET',
      '/clients',
      'List API clients (never their secrets)',
      { response: { 200: listOf('AdminClient') } },
      async (r) => ({ items: await listAdminClients(ctx(r)) }),
    );
    route(
      'POST',
      '/clients',
      'Register an API client; its secret is in this response only',
      { body: CreateClientBody, response: { 201: ref('AdminClientWithSecret') } },
      async (r, reply) => {
        const c = await createAdminClient(ctx(r), r.body);
        // no-store: the secret must not be cached, nor kept by the idempotency store.
        reply.header('Cache-Control', 'no-store');
        return created(reply, `/clients/${encodeURIComponent(c.clientId)}`, c);
      },
    );
    route(
      'GET',
      '/clients/:clientId',
      'Read an API client',
      { params: ClientParams, response: { 200: ref('AdminClient') } },
      async (r) => getAdminClient(ctx(r), r.params.clientId),
    );
    route(
      'PATCH',
      '/clients/:clientId',
      'Change an API client (disabling revokes its tokens)',
      { params: ClientParams, body: PatchClientBody, response: { 200: ref('AdminClient') } },
      async (r) => patchAdminClient(ctx(r), r.params.clientId, r.body),
    );
    route(
      'DELETE',
      '/clients/:clientId',
      'Delete an API client that never wrote anything',
      { params: ClientParams, response: { 204: NoContent } },
      async (r, reply) => {
        await deleteAdminClient(ctx(r), r.params.clientId);
        return noContent(reply);
      },
    );
    route(
      'POST',
      '/clients/:clientId/secret',
      'Rotate an API client’s secret: the new one is in this response only',
      { params: ClientParams, response: { 200: ref('AdminClientWithSecret') } },
      async (r, reply) => {
        const c = await rotateAdminClientSecret(ctx(r), r.params.clientId);
        return reply.header('Cache-Control', 'no-store').send(c);
      },
    );

    // Locations
    route(
      'GET',
      '/locations',
      'List locations',
      { response: { 200: listOf('AdminLocation') } },
      async (r) => ({ items: await listAdminLocations(ctx(r)) }),
    );
    route(
      'POST',
      '/locations',
      'Create a location',
      { body: LocationBody, response: { 201: ref('AdminLocation') } },
      async (r, reply) => {
        const l = await createAdminLocation(ctx(r), r.body);
        return created(reply, `/locations/${l.id}`, l);
      },
    );
    route(
      'PATCH',
      '/locations/:id',
      'Rename a location',
      { params: IdParams, body: LocationBody, response: { 200: ref('AdminLocation') } },
      async (r) => patchAdminLocation(ctx(r), r.params.id, r.body),
    );
    route(
      'DELETE',
      '/locations/:id',
      'Delete a location',
      { params: IdParams, response: { 204: NoContent } },
      async (r, reply) => {
        await deleteAdminLocation(ctx(r), r.params.id);
        return noContent(reply);
      },
    );

    // Custom-field definitions
    route(
      'GET',
      '/custom-fields',
      'List custom-field definitions',
      { response: { 200: listOf('AdminCustomField') } },
      async (r) => ({ items: await listAdminCustomFields(ctx(r)) }),
    );
    route(
      'POST',
      '/custom-fields',
      'Define a custom field',
      { body: CreateCustomFieldBody, response: { 201: ref('AdminCustomField') } },
      async (r, reply) => {
        const f = await createAdminCustomField(ctx(r), r.body);
        return created(reply, `/custom-fields/${f.id}`, f);
      },
    );
    route(
      'GET',
      '/custom-fields/:id',
      'Read a custom-field definition',
      { params: IdParams, response: { 200: ref('AdminCustomField') } },
      async (r) => getAdminCustomField(ctx(r), r.params.id),
    );
    route(
      'PATCH',
      '/custom-fields/:id',
      'Change a custom-field definition',
      { params: IdParams, body: PatchCustomFieldBody, response: { 200: ref('AdminCustomField') } },
      async (r) => patchAdminCustomField(ctx(r), r.params.id, r.body),
    );
    route(
      'DELETE',
      '/custom-fields/:id',
      'Delete a custom field no todo holds a value for',
      { params: IdParams, response: { 204: NoContent } },
      async (r, reply) => {
        await deleteAdminCustomField(ctx(r), r.params.id);
        return noContent(reply);
      },
    );
  });
}
