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
          oauth2: {
            type: 'oauth2',
            description: 'Sign in with a user (password) or an API client (client credentials)',
            flows: {
              password: { tokenUrl: TOKEN_URL, scopes: SCOPE_DOCS },
              clientCredentials: { tokenUrl: TOKEN_URL, scopes: SCOPE_DOCS },
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
    // A route that takes a bearer token can get one through the OAuth flows as well.
    transform: ({ schema, url }) => {
      const security = (schema as { security?: Record<string, string[]>[] } | undefined)?.security;
      if (!security?.some((s) => 'bearer' in s)) return { schema, url };
      return { schema: { ...schema, security: [...security, { oauth2: [] }] }, url };
    },
  };
}

const SCOPE_DOCS = {
  'todo:read': 'Read todos',
  'todo:write': 'Create and change todos',
  admin: 'Administration',
};

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
