#!/usr/bin/env node
// The one `bzctrl` command: the server's serve, migrate and provision, and the client commands
// (login, todo) that src/cli.ts hands to @bzctrl/cli. It runs the build `npm run build` makes
// (dist/bzctrl.mjs) when that is newer than every source file it was built from, and the
// TypeScript sources through tsx otherwise (or with BZCTRL_FROM_SOURCE=1), so an edit is
// never run from a stale build.
import { readFileSync, statSync } from 'node:fs';

const here = new URL('../', import.meta.url);
const repository = new URL('../../', here);
const bundle = new URL('dist/bzctrl.mjs', here);

function buildIsCurrent() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('dist/inputs.json', here), 'utf8'));
    return inputs.every((file) => statSync(new URL(file, repository)).mtimeMs <= built);
  } catch {
    return false; // not built, or a source file is gone
  }
}

if (process.env.BZCTRL_FROM_SOURCE !== '1' && buildIsCurrent()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
