import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from './support/harness.ts';

/**
 * The committed OpenAPI document is what every server serves, and the SDK's types are
 * what openapi-typescript makes of it: neither may go stale. `npm run openapi` rewrites both.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const DOC_FILE = join(ROOT, 'apps/server/openapi.json');
const SCHEMA_FILE = join(ROOT, 'packages/sdk/src/schema.d.ts');
const GENERATOR = join(ROOT, 'packages/sdk/node_modules/.bin/openapi-typescript');

interface Operation {
  tags?: string[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const committed = (): Doc => JSON.parse(readFileSync(DOC_FILE, 'utf8'));

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
function operations(doc: Doc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.has(m))
      .map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]),
  );
}

describe('the committed OpenAPI document and SDK types', () => {
  it('packages/sdk/src/schema.d.ts is what openapi-typescript generates from it', () => {
    const run = spawnSync(GENERATOR, [DOC_FILE], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const fresh = run.stdout;
    if (readFileSync(SCHEMA_FILE, 'utf8') !== fresh) {
      throw new Error('packages/sdk/src/schema.d.ts is stale: run npm run openapi');
    }
  });

  it('is OpenAPI 3.1 and every operation declares its success and error answers', () => {
    const doc = committed();
    expect(doc.openapi).toMatch(/^3\.1\./);
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const [name, op] of ops) {
      const responses = op.responses ?? {};
      const success = Object.entries(responses).filter(([s]) => /^2(\d\d|XX)$/.test(s));
      // A 204 has no body; any other success must say what it returns.
      const described = success.some(
        ([s, r]) => s === '204' || Object.values(r.content ?? {}).some((c) => c.schema),
      );
      if (!described) problems.push(`${name}: no 2xx response schema`);
      // Health probes answer 200/503 with their own small body, for load balancers.
      if (op.tags?.includes('ops')) continue;
      for (const range of ['4XX', '5XX']) {
        const schema = Object.values(responses[range]?.content ?? {})[0]?.schema;
        // The token endpoint answers RFC 6749 errors, the ITSM dialect its own envelope;
        // everything else problem details.
        const expected = op.tags?.includes('auth')
          ? (s: unknown) => JSON.stringify(s).includes('error_description')
          : op.tags?.includes('itsm')
            ? (s: unknown) => isDeepStrictEqual(s, { $ref: '#/components/schemas/ItsmFailure' })
            : (s: unknown) => isDeepStrictEqual(s, { $ref: '#/components/schemas/Problem' });
        if (!expected(schema)) problems.push(`${name}: no ${range} error schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refers to the shared todo schemas instead of copying them into each operation', () => {
    const doc = committed() as Doc & { components: { schemas: Record<string, unknown> } };
    for (const id of ['Todo', 'TodoPreview', 'ExposedTaskCreated', 'ExposedTaskPreview']) {
      expect(doc.components.schemas, id).toHaveProperty(id);
    }
    // `financialImpactCurrency` is a Todo field: an operation that holds it inlines a Todo.
    const inlined = operations(doc)
      .filter(([, op]) => JSON.stringify(op).includes('financialImpactCurrency'))
      .map(([name]) => name);
    expect(inlined).toEqual([]);
  });

  it('answers the public exposed create without people, money or workspace details', () => {
    const doc = committed() as Doc & {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    for (const id of ['ExposedTaskCreated', 'ExposedTaskPreview']) {
      expect(Object.keys(doc.components.schemas[id]?.properties ?? {}).sort(), id).toEqual([
        'createdAt',
        'description',
        'id',
        'key',
        'status',
        'tags',
        'taskLink',
        'taskType',
        'title',
        'todoType',
      ]);
    }
  });
});

describe.each(dialects)('the served OpenAPI document (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s?.close());

  it('equals the committed apps/server/openapi.json', async () => {
    const res = await s.request('GET', '/bzctrl-core-api/openapi.json');
    expect(res.status).toBe(200);
    if (!isDeepStrictEqual(res.body, committed())) {
      throw new Error('apps/server/openapi.json is stale: run npm run openapi');
    }
  });

  it('serves the interactive documentation at /docs', async () => {
    const res = await fetch(`${s.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/swagger-ui/i);
    // The page is wired to this server's document.
    const init = await fetch(`${s.url}/docs/static/swagger-initializer.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toMatch(/json/);
  });
});
