import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

const TOKEN_URL = '/bzctrl-core-api/oauth/token';

/**
 * The OpenAPI 3.1 document, generated from the route schemas. It holds nothing that
 * depends on the deployment (no server URL, relative token URL), so the committed copy
 * in `apps/server/openapi.json` is the same document every server serves.
 */
export function openApiOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'BzCtrl API',
        version: '1',
        description:
          'Create and follow up tasks and incidents from external systems. ' +
          'Get a token at the OAuth 2.0 token endpoint, then send it as `Authorization: Bearer …`. ' +
          'Every POST, PUT and PATCH takes an `Idempotency-Key` header.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An access token from the token endpoint',
          },
          // One scheme per way of signing in, each offering the scopes that way grants
          // (apps/server/test/docs-examples.test.ts holds them to the token endpoint's
          // answers), so Authorize never offers a member a scope it cannot have.
          userSignIn: {
            type: 'oauth2',
            description: "A user's e-mail and password (the password grant, as in seed 001)",
            flows: { password: { tokenUrl: TOKEN_URL, scopes: pick('todo:read', 'todo:write') } },
          },
          adminSignIn: {
            type: 'oauth2',
            description: "An administrator's e-mail and password (the password grant)",
            flows: {
              password: { tokenUrl: TOKEN_URL, scopes: pick('todo:read', 'todo:write', 'admin') },
            },
          },
          apiClient: {
            type: 'oauth2',
            description: "An API client's id and secret (the client-credentials grant)",
            flows: {
              clientCredentials: { tokenUrl: TOKEN_URL, scopes: pick('todo:read', 'todo:write') },
            },
          },
        },
      },
      tags: [
        { name: 'auth', description: 'OAuth 2.0 token endpoint and sign-in (SPEC §2)' },
        { name: 'session', description: 'Web app sign-in with a session cookie' },
        { name: 'bzctrl', description: 'The BzCtrl dialect: add-task (SPEC §3)' },
        { name: 'short', description: 'The short form of seed 002' },
        { name: 'todos', description: 'The native todo API' },
        { name: 'admin', description: 'Administration (admin role)' },
        { name: 'exposed', description: 'Exposed task endpoints (SPEC §4)' },
        { name: 'ops', description: 'Health and readiness' },
      ],
    },
    // Shared schemas appear under components by their $id (`Todo`, `Problem`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    // A route that takes a bearer token can get one through the sign-in schemes as well:
    // administration only by an administrator's sign-in.
    transform: ({ schema, url }) => {
      const route = schema as { security?: Record<string, string[]>[]; tags?: string[] };
      if (!route?.security?.some((s) => 'bearer' in s)) return { schema, url };
      const ways: Record<string, string[]>[] = route.tags?.includes('admin')
        ? [{ adminSignIn: ['admin'] }]
        : [{ userSignIn: [] }, { adminSignIn: [] }, { apiClient: [] }];
      return { schema: { ...schema, security: [...route.security, ...ways] }, url };
    },
  };
}

const SCOPE_DOCS = {
  'todo:read': 'Read todos',
  'todo:write': 'Create and change todos',
  admin: 'Administration',
};

/** The scopes named, with what each allows. */
function pick(...scopes: (keyof typeof SCOPE_DOCS)[]): Record<string, string> {
  return Object.fromEntries(scopes.map((s) => [s, SCOPE_DOCS[s]]));
}

/** BzCtrl's name as the page's logo: a wordmark, in place of the default header's. */
const WORDMARK =
  '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40">' +
  '<text x="0" y="29" font-family="system-ui, sans-serif" font-size="28" font-weight="700" ' +
  'fill="#ffffff">BzCtrl <tspan font-weight="400" font-size="18">API</tspan></text></svg>';

export const swaggerUiOptions: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  logo: { type: 'image/svg+xml', content: Buffer.from(WORDMARK), href: '/docs', target: '_self' },
  theme: { title: 'BzCtrl API docs' },
  uiConfig: { persistAuthorization: true, tryItOutEnabled: true, deepLinking: true },
  staticCSP: false,
};
