#!/usr/bin/env node
// The one `bzctrl` command: the server's serve, migrate and provision, and the client commands
// (login, todo) that src/cli.ts hands to @bzctrl/cli. It runs the build `npm run build` makes
// (dist/bzctrl.mjs) while every source file it was built from is unchanged, and the
// TypeScript sources through tsx otherwise (or with BZCTRL_FROM_SOURCE=1), so an edit is
// never run from a stale build.
import { readFileSync, statSync } from 'node:fs';
import { sourceDigest } from './source-digest.js';

const here = new URL('../', import.meta.url);
const repository = new URL('../../', here);
const bundle = new URL('dist/bzctrl.mjs', here);

function buildIsCurrent() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('dist/inputs.json', here), 'utf8'));
    return Object.entries(inputs).every(([file, digest]) => {
      const source = new URL(file, repository);
      // Not touched since the build; or touched, and still the same text.
      return statSync(source).mtimeMs <= built || sourceDigest(readFileSync(source)) === digest;
    });
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
