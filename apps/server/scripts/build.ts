/**
 * Builds the server for running: `apps/server/src/cli.ts` and the TypeScript it imports
 * (the client commands of apps/cli included) into ES modules, `dist/bzctrl.mjs` and the
 * chunks it loads lazily, with every npm package left to `node_modules`. `bin/bzctrl.js`
 * runs it while every source file it was built from (`dist/inputs.json`) is unchanged,
 * and the sources through tsx otherwise, so an edit is never served from a stale build.
 * Running built JavaScript instead of compiling TypeScript at start keeps tsx's loader
 * thread, its transformed sources and Node's source-map support out of the server (an idle
 * server: ~157 MB instead of ~190–210 MB), and a command starts in a third of the time.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { sourceDigest } from '../bin/source-digest.js';
import { REPOSITORY_ROOT, SERVER_ROOT } from '../src/platform/paths.ts';

/** `dist/` unless another directory inside apps/server is named (a test builds into its own). */
const OUT_DIR = resolve(process.argv[2] ?? join(SERVER_ROOT, 'dist'));

/**
 * npm packages stay imports, resolved from node_modules at run time; BzCtrl's own workspace
 * packages are bundled. A package that would resolve to another copy from `dist/` than from
 * the file importing it (a nested node_modules) fails the build instead of running another
 * version.
 */
const packagesStayExternal: Plugin = {
  name: 'packages-stay-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@bzctrl/') || args.pluginData === 'probe') return undefined;
      const probe = { kind: args.kind, pluginData: 'probe' };
      const [fromSource, fromBuild] = await Promise.all([
        b.resolve(args.path, { ...probe, resolveDir: args.resolveDir }),
        // dist/ has no node_modules of its own: it resolves as the package's directory does
        b.resolve(args.path, { ...probe, resolveDir: SERVER_ROOT }),
      ]);
      if (fromSource.path !== fromBuild.path) {
        return {
          errors: [
            {
              text: `${args.path} resolves to ${fromSource.path} from ${args.importer} but to ${fromBuild.path || 'nothing'} from dist/`,
            },
          ],
        };
      }
      return { path: args.path, external: true };
    });
  },
};

const started = performance.now();
rmSync(OUT_DIR, { recursive: true, force: true }); // no chunks left from an earlier build
const result = await build({
  absWorkingDir: REPOSITORY_ROOT,
  entryPoints: [join(SERVER_ROOT, 'src/cli.ts')],
  outdir: OUT_DIR,
  entryNames: 'bzctrl',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // Commands import what they need lazily (the client commands never load Fastify or
  // the database drivers); splitting keeps those dynamic imports lazy in the build.
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  keepNames: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [packagesStayExternal],
});
// Each source's path relative to the repository (a moved checkout keeps its build) and a
// digest of its content, which tells an edit from a rewrite of the same text (npm run
// check rebuilds the SDK's dist/ with new times and the same bytes).
const inputs = Object.fromEntries(
  Object.keys(result.metafile.inputs).map((file) => {
    const path = relative(REPOSITORY_ROOT, join(REPOSITORY_ROOT, file));
    return [path, sourceDigest(readFileSync(join(REPOSITORY_ROOT, path)))];
  }),
);
writeFileSync(join(OUT_DIR, 'inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
const chunks = Object.keys(result.metafile.outputs).filter(
  (file) => file.includes('/chunks/') && file.endsWith('.mjs'),
).length;
console.log(
  `server built: ${relative(SERVER_ROOT, join(OUT_DIR, 'bzctrl.mjs'))} and ${chunks} chunks from ${Object.keys(inputs).length} files in ${Math.round(performance.now() - started)} ms`,
);
