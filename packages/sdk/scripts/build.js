// Builds the SDK for consumers: JavaScript, declarations and source maps in dist/.
// It compiles with the repository's TypeScript (the root's `typescript`), not the TypeScript 5
// in this package's node_modules, which is there only as openapi-typescript's peer.
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = join(pkg, '../..');
const tsc = join(
  dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')),
  'bin/tsc',
);

rmSync(join(pkg, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
// tsc emits no .d.ts for a .d.ts source: the generated API types are copied as they are.
copyFileSync(join(pkg, 'src/schema.d.ts'), join(pkg, 'dist/schema.d.ts'));
