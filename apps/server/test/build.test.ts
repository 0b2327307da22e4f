import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceDigest } from '../bin/source-digest.js';
import { spawnServe } from './support/serve-process.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const run = promisify(execFile);
const ADD = '/bzctrl-core-api/api/v1/task/add-task';

/** `node <file> <args>` with `env` added; its stdout. */
async function node(file: string, args: string[], env: Record<string, string> = {}) {
  const { stdout } = await run(process.execPath, [file, ...args], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout.trim();
}

describe('bin/bzctrl.js chooses between the build and the sources', () => {
  // A tree of the repository's shape with a stand-in build and source, so only the choice
  // is under test: the real bin file, tsx from the real node_modules.
  const tree = mkdtempSync(join(tmpdir(), 'bzctrl-bin-'));
  const at = (path: string) => join(tree, path);
  mkdirSync(at('apps/server/bin'), { recursive: true });
  mkdirSync(at('apps/server/dist'));
  mkdirSync(at('apps/server/src'));
  for (const file of ['bzctrl.js', 'source-digest.js']) {
    copyFileSync(join(ROOT, 'apps/server/bin', file), at(`apps/server/bin/${file}`));
  }
  symlinkSync(join(ROOT, 'node_modules'), at('node_modules'));
  writeFileSync(at('apps/server/package.json'), '{"type":"module"}');
  writeFileSync(at('apps/server/dist/bzctrl.mjs'), "console.log('build');\n");
  writeFileSync(
    at('apps/server/src/cli.ts'),
    "const from: string = 'sources';\nconsole.log(from);\n",
  );
  writeFileSync(at('apps/server/src/other.ts'), 'export {};\n');
  const digests = () =>
    Object.fromEntries(
      ['apps/server/src/cli.ts', 'apps/server/src/other.ts'].map((f) => [
        f,
        sourceDigest(readFileSync(at(f))),
      ]),
    );
  writeFileSync(at('apps/server/dist/inputs.json'), JSON.stringify(digests()));
  const bin = at('apps/server/bin/bzctrl.js');
  const age = (path: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(at(path), when, when);
  };
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('runs the build while every source it was built from is unchanged', async () => {
    age('apps/server/src/cli.ts', 120);
    age('apps/server/src/other.ts', 120);
    age('apps/server/dist/bzctrl.mjs', 60);
    expect(await node(bin, [])).toBe('build');
    expect(await node(bin, [], { BZCTRL_FROM_SOURCE: '1' })).toBe('sources');
  });

  it('runs the sources once any of them changed after the build, or one is gone', async () => {
    // Rewritten with the same text after the build (npm run check rebuilds the SDK so): still the build.
    writeFileSync(at('apps/server/src/other.ts'), 'export {};\n');
    age('apps/server/src/other.ts', 30);
    expect(await node(bin, [])).toBe('build');
    // Edited after the build: the sources.
    writeFileSync(at('apps/server/src/other.ts'), 'export const edited = 1;\n');
    age('apps/server/src/other.ts', 30);
    expect(await node(bin, [])).toBe('sources');
    // Edited back, or gone.
    writeFileSync(at('apps/server/src/other.ts'), 'export {};\n');
    expect(await node(bin, [])).toBe('build');
    rmSync(at('apps/server/src/other.ts'));
    expect(await node(bin, [])).toBe('sources');
  });

  it('runs the sources when there is no build', async () => {
    rmSync(at('apps/server/dist'), { recursive: true });
    expect(await node(bin, [])).toBe('sources');
  });
});

describe('the server build (npm run build)', () => {
  // Built into a directory of its own inside apps/server (as dist/ is), so the build the
  // other suites' servers run is never rewritten under them.
  const out = join(ROOT, 'apps/server/.tmp', `build-test-${process.pid}`);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds, lists its sources, and serves the demo with its files found', async () => {
    const said = await node(join(ROOT, 'node_modules/tsx/dist/cli.mjs'), [
      join(ROOT, 'apps/server/scripts/build.ts'),
      out,
    ]);
    expect(said).toMatch(/^server built: .*bzctrl\.mjs and \d+ chunks from \d+ files/);
    const digests: Record<string, string> = JSON.parse(
      readFileSync(join(out, 'inputs.json'), 'utf8'),
    );
    const inputs = Object.keys(digests);
    expect(digests['apps/server/src/cli.ts']).toBe(
      sourceDigest(readFileSync(join(ROOT, 'apps/server/src/cli.ts'))),
    );
    expect(inputs).toContain('apps/server/src/cli.ts');
    expect(inputs).toContain('apps/server/src/server.ts');
    expect(inputs.some((file) => file.startsWith('apps/cli/src/'))).toBe(true);
    expect(inputs.every((file) => existsSync(join(ROOT, file)))).toBe(true);
    expect(inputs.some((file) => file.includes('node_modules'))).toBe(false);

    const help = await node(join(out, 'bzctrl.mjs'), ['--help']);
    expect(help).toMatch(/^Usage: bzctrl <command>/);

    // --demo reads examples/demo.provision.json: found from the build's location too.
    const dir = mkdtempSync(join(tmpdir(), 'bzctrl-built-'));
    const server = spawnServe(
      { BZCTRL_DATABASE_URL: `sqlite:${join(dir, 'b.db')}`, BZCTRL_DATA_DIR: dir },
      ['--demo'],
      join(out, 'bzctrl.mjs'),
    );
    try {
      const url = await server.listening;
      const token = await fetch(`${url}/bzctrl-core-api/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'example@example.com',
          password: 'Ex@mpl3!',
        }),
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${access_token}` };
      // The served OpenAPI document's add-task example creates a todo the list then shows.
      const doc = (await (await fetch(`${url}/docs/json`)).json()) as {
        paths: Record<
          string,
          { post: { requestBody: { content: Record<string, { example: unknown }> } } }
        >;
      };
      const example = doc.paths[ADD]?.post.requestBody.content['application/json']?.example;
      const created = await fetch(`${url}${ADD}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(example),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const list = await fetch(`${url}/bzctrl-core-api/api/v1/todos?limit=5`, { headers: auth });
      expect(list.status).toBe(200);
      expect(
        ((await list.json()) as { items: { key: string }[] }).items.map((t) => t.key),
      ).toContain(key);
      // The web app and the widget are found where npm run build puts them.
      for (const [built, path] of [
        ['apps/web/dist/index.html', '/app/'],
        ['packages/widget/dist/widget.js', '/widget.js'],
      ] as const) {
        if (existsSync(join(ROOT, built))) expect((await fetch(`${url}${path}`)).status).toBe(200);
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(server.output()).not.toMatch(/Error/);
  });
});
