import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ProvisionDoc,
  readProvisionFile,
} from '../src/core/provisioning/provision.service.ts';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * /docs works first time: every request example in the OpenAPI document the server
 * serves, sent as "Try it out" sends it to a server set up like `bzctrl serve --demo`,
 * signed in as the demo's member, succeeds.
 */

const DEMO = fileURLToPath(new URL('../../../examples/demo.provision.json', import.meta.url));
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

interface Media {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; example?: unknown }[];
  requestBody?: { content?: Record<string, Media> };
  security?: Record<string, string[]>[];
}
interface Example {
  name: string;
  method: string;
  /** The path with each path parameter's example filled in (a `{name}` left means none). */
  path: string;
  body: unknown;
  security: string[];
}

/** Every request-body example of the document, one entry each. */
function requestExamples(doc: { paths: Record<string, Record<string, Operation>> }): Example[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .flatMap(([method, op]) =>
        Object.entries(op.requestBody?.content ?? {}).flatMap(([type, media]) => {
          const values = [
            ...(media.example === undefined ? [] : [media.example]),
            ...Object.values(media.examples ?? {}).map((e) => e.value),
          ];
          const filled = (op.parameters ?? [])
            .filter((p) => p.in === 'path' && p.example !== undefined)
            .reduce(
              (at, p) => at.replace(`{${p.name}}`, encodeURIComponent(String(p.example))),
              path,
            );
          return values.map((body, i) => ({
            name: `${method.toUpperCase()} ${path} (${type} #${i + 1})`,
            method: method.toUpperCase(),
            path: filled,
            body,
            security: (op.security ?? []).flatMap((s) => Object.keys(s)),
          }));
        }),
      ),
  );
}

type OAuthScheme = { flows: Record<string, { scopes: Record<string, string> }> };

describe.each(dialects)('the /docs request examples on a demo server (%s)', (dialect) => {
  let t: TestServer;
  let demo: ProvisionDoc;
  let examples: Example[];
  let schemes: Record<string, OAuthScheme>;
  /** A token per sign-in scheme, from the demo's member, administrator and API client. */
  let tokens: Record<string, { token: string; scope: string }>;

  const grant = async (form: Record<string, string>) => {
    const res = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams(form),
    });
    expect(res.status, res.text).toBe(200);
    return { token: res.body.access_token as string, scope: res.body.scope as string };
  };

  beforeAll(async () => {
    demo = await readProvisionFile(DEMO);
    t = await startTestServer(dialect, { provision: demo });
    const served = await t.request('GET', '/docs/json');
    expect(served.status).toBe(200);
    examples = requestExamples(served.body);
    schemes = served.body.components.securitySchemes;
    const password = (email: string) =>
      grant({
        grant_type: 'password',
        username: email,
        password: demo.users?.find((u) => u.email === email)?.password ?? '',
      });
    const client = demo.clients?.[0];
    tokens = {
      userSignIn: await password('example@example.com'),
      adminSignIn: await password('admin@example.com'),
      apiClient: await grant({
        grant_type: 'client_credentials',
        client_id: client?.clientId ?? '',
        client_secret: client?.clientSecret ?? '',
      }),
    };
  });
  afterAll(async () => t?.close());

  it('has the add-task example: seed 001 with the demo workspace and users', () => {
    const addTask = examples.filter((e) => e.path === '/bzctrl-core-api/api/v1/task/add-task');
    expect(addTask.map((e) => e.method).sort()).toEqual(['POST', 'PUT']);
    const users = new Set((demo.users ?? []).map((u) => u.email));
    for (const e of addTask) {
      const body = e.body as Record<string, unknown>;
      expect(body.domainWorkSpace).toBe('VTT-NLD-TML-FIN');
      expect(users.has(String(body.assignee))).toBe(true);
      expect(users.has(String(body.reporter))).toBe(true);
    }
  });

  it("wears BzCtrl's name, not the default header", async () => {
    const page = await t.request('GET', '/docs/static/index.html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>BzCtrl API docs</title>');
    const init = await t.request('GET', '/docs/static/swagger-initializer.js');
    const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(init.text)?.[1] ?? '';
    expect(Buffer.from(logo, 'base64').toString('utf8')).toContain('BzCtrl');
  });

  it('offers each sign-in exactly the scopes the token endpoint grants that way', () => {
    expect(Object.keys(tokens).sort()).toEqual(
      Object.keys(schemes)
        .filter((name) => name !== 'bearer')
        .sort(),
    );
    for (const [name, { scope }] of Object.entries(tokens)) {
      const offered = Object.values(schemes[name]?.flows ?? {}).flatMap((f) =>
        Object.keys(f.scopes),
      );
      expect(offered.sort(), name).toEqual(scope.split(' ').sort());
    }
  });

  it('offers administration only through the administrator sign-in', async () => {
    const doc = (await t.request('GET', '/docs/json')).body as {
      paths: Record<string, Record<string, Operation & { tags?: string[] }>>;
    };
    const admin = Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .filter((op) => op.tags?.includes('admin') && op.security);
    expect(admin.length).toBeGreaterThan(0);
    for (const op of admin) {
      expect(op.security?.flatMap((s) => Object.keys(s))).toEqual(['bearer', 'adminSignIn']);
    }
  });

  it('every request example succeeds as sent, signed in as the scheme says', async () => {
    expect(examples.length).toBeGreaterThan(0);
    const failed: string[] = [];
    // As a first visit would: the creating examples first, then those about the todo they
    // made (a path parameter's example names the first todo POST /todos makes on a fresh demo).
    const ordered = [...examples].sort(
      (a, b) => Number(a.name.includes('{')) - Number(b.name.includes('{')),
    );
    expect(ordered.filter((e) => e.name.includes('{')).length).toBeGreaterThan(0);
    for (const e of ordered) {
      expect(e.path, `${e.name}: a path parameter has no example`).not.toMatch(/\{/);
      // The first sign-in the operation lists (the member's, as seed 001 signs in).
      const way = e.security.find((name) => name in tokens);
      const res = await t.request(e.method, e.path, {
        body: e.body,
        ...(way ? { token: tokens[way]?.token } : {}),
      });
      if (res.status < 200 || res.status > 299) failed.push(`${e.name}: ${res.status} ${res.text}`);
    }
    expect(failed).toEqual([]);
  });
});
