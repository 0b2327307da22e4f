import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `@bzctrl/server` package's directory (apps/server), found by walking up from this
 * module: the same answer from the TypeScript sources (src/platform/) and from the built
 * bundle (dist/), so files outside the code (the web app, the widget, the demo data) are
 * found relative to it in both.
 */
export const SERVER_ROOT = findServerRoot(dirname(fileURLToPath(import.meta.url)));

/** The repository's root, where the web app, the widget and the examples live beside the server. */
export const REPOSITORY_ROOT = join(SERVER_ROOT, '../..');

function findServerRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === '@bzctrl/server') return dir;
    } catch {
      // no package.json here: look one level up
    }
    if (dirname(dir) === dir)
      throw new Error(`@bzctrl/server's package.json not found above ${start}`);
  }
}
