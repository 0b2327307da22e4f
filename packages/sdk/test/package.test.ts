import { execFile, execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `@bzctrl/sdk` as a consumer outside this repository gets it: the package's `exports` lead to
 * dist/ (JavaScript and declarations, built by `npm run build -w @bzctrl/sdk`), which runs in
 * plain Node and type-checks without the SDK's TypeScript sources.
 */

const SDK = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const ROOT = join(SDK, '../..');
const DIST = join(SDK, 'dist');
const TSC = join(
  dirname(createRequire(join(ROOT, 'package.json')).resolve('typescript/package.json')),
  'bin/tsc',
);
const STALE = 'packages/sdk/dist is stale: run npm run build -w @bzctrl/sdk';

/** A loopback stand-in for a server: every request is a problem-details 404. */
const server = { url: '', seen: [] as { method?: string; url?: string; auth?: string }[] };
const stub = http.createServer((req, res) => {
  server.seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
  res.writeHead(404, { 'content-type': 'application/problem+json' });
  res.end(
    JSON.stringify({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 'not_found',
      detail: 'No todo IMP-NLD-EXA-SWA-99',
      requestId: 'req-7',
    }),
  );
});

let app: string;
beforeAll(async () => {
  await new Promise<void>((done) => stub.listen(0, '127.0.0.1', done));
  const address = stub.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  server.url = `http://127.0.0.1:${address.port}`;
  // A project with the SDK installed the way npm links it, and nothing else of this repository.
  app = mkdtempSync(join(tmpdir(), 'bzctrl-sdk-consumer-'));
  mkdirSync(join(app, 'node_modules/@bzctrl'), { recursive: true });
  symlinkSync(SDK, join(app, 'node_modules/@bzctrl/sdk'), 'dir');
  for (const dep of [
    'openapi-fetch',
    'openapi-typescript-helpers',
    // verifyWebhook's, and what it depends on.
    'standardwebhooks',
    '@stablelib/base64',
    'fast-sha256',
  ]) {
    mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
});
afterAll(async () => {
  rmSync(app, { recursive: true, force: true });
  await new Promise((done) => stub.close(done));
});

describe('the built SDK', () => {
  it('is built from the current sources', () => {
    const sources = readdirSync(join(SDK, 'src')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
    );
    expect(sources).toContain('index.ts');
    for (const file of sources) {
      const base = file.replace(/\.ts$/, '');
      for (const out of [`${base}.js`, `${base}.d.ts`]) {
        const built = statSync(join(DIST, out), { throwIfNoEntry: false });
        if (!built || built.mtimeMs < statSync(join(SDK, 'src', file)).mtimeMs) {
          throw new Error(`${STALE} (${out})`);
        }
      }
    }
    const schema = (dir: string) => readFileSync(join(dir, 'schema.d.ts'), 'utf8');
    if (schema(DIST) !== schema(join(SDK, 'src'))) throw new Error(`${STALE} (schema.d.ts)`);
  });

  it('runs in plain Node: JavaScript only, imports ending in .js', async () => {
    const js = readdirSync(DIST).filter((f) => f.endsWith('.js'));
    for (const file of js) {
      expect(readFileSync(join(DIST, file), 'utf8')).not.toMatch(/from '\.\/[^']+\.ts'/);
    }
    const script = [
      "import { BzCtrlClient, BzCtrlError, newIdempotencyKey } from '@bzctrl/sdk';",
      'const bz = new BzCtrlClient({ baseUrl: process.env.URL, accessToken: "t", retries: 0 });',
      'const err = await bz.todos.get("IMP-NLD-EXA-SWA-99").catch((e) => e);',
      'console.log(JSON.stringify({ key: newIdempotencyKey(), sdkError: err instanceof BzCtrlError,',
      '  status: err.status, code: err.code, detail: err.detail, requestId: err.requestId,',
      '  url: import.meta.resolve("@bzctrl/sdk") }));',
    ].join('\n');
    writeFileSync(join(app, 'run.mjs'), script);
    // Asynchronously: the stub server answers from this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['run.mjs'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, URL: server.url },
    });
    const out = JSON.parse(stdout);
    expect(out).toEqual({
      key: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      sdkError: true,
      status: 404,
      code: 'not_found',
      detail: 'No todo IMP-NLD-EXA-SWA-99',
      requestId: 'req-7',
      url: pathToFileURL(join(DIST, 'index.js')).href,
    });
    expect(server.seen).toEqual([
      { method: 'GET', url: '/bzctrl-core-api/api/v1/todos/IMP-NLD-EXA-SWA-99', auth: 'Bearer t' },
    ]);
  });

  for (const [module, moduleResolution] of [
    ['NodeNext', 'NodeNext'],
    ['ESNext', 'Bundler'],
  ] as const) {
    it(`type-checks a consumer from the declarations alone (${moduleResolution})`, () => {
      const consumer = [
        "import { BzCtrlClient, BzCtrlError, type Todo, type TokenSet } from '@bzctrl/sdk';",
        "const bz = new BzCtrlClient({ baseUrl: 'http://x', clientId: 'erp', clientSecret: 's' });",
        "const todo: Todo = await bz.todos.get('IMP-NLD-EXA-SWA-01');",
        'const title: string = todo.title;',
        '// @ts-expect-error the title is a string: the types are real, not any',
        'const wrong: number = todo.title;',
        "const { data } = await bz.raw.GET('/bzctrl-core-api/api/v1/workspaces');",
        'export const seen: unknown[] = [title, wrong, data, BzCtrlError, {} as TokenSet];',
      ].join('\n');
      writeFileSync(join(app, 'consumer.ts'), consumer);
      const tsconfig = {
        compilerOptions: {
          target: 'ES2023',
          module,
          moduleResolution,
          lib: ['ES2023', 'DOM'],
          types: [],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
      const run = () => execFileSync(process.execPath, [TSC, '-p', app], { encoding: 'utf8' });
      expect(run).not.toThrow();
    });
  }
});
