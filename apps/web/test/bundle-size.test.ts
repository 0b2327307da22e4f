import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WEB_DIST, WIDGET_DIST } from '../../server/src/platform/http/web.plugin.ts';

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

const manifestPath = join(WEB_DIST, '.vite', 'manifest.json');

/** A chunk and every chunk it imports statically: what the browser loads before it runs. */
function closure(manifest: Record<string, ManifestChunk>, id: string, seen = new Set<string>()) {
  if (seen.has(id)) return seen;
  seen.add(id);
  for (const dep of manifest[id]?.imports ?? []) closure(manifest, dep, seen);
  return seen;
}

// Issue 5: opening a taskLink loads at most 200 KB of JavaScript (gzip). Measured on the
// build `npm test` makes first; the figure is printed for the notes.
describe('bundle sizes', () => {
  it('the details page loads ≤ 200 KB of JavaScript, gzip', () => {
    expect(existsSync(manifestPath), `no build at ${WEB_DIST}: run npm run build`).toBe(true);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<
      string,
      ManifestChunk
    >;
    const entry = Object.keys(manifest).find((id) => manifest[id]?.isEntry);
    const details = Object.keys(manifest).find((id) => id.endsWith('pages/todo/TodoDetails.tsx'));
    expect(entry).toBeDefined();
    expect(details).toBeDefined();
    const chunks = new Set([
      ...closure(manifest, entry as string),
      ...closure(manifest, details as string),
    ]);
    let raw = 0;
    let gzip = 0;
    for (const id of chunks) {
      const file = join(WEB_DIST, manifest[id]?.file as string);
      raw += statSync(file).size;
      gzip += gzipSync(readFileSync(file), { level: 9 }).length;
    }
    console.log(
      `details page JavaScript: ${chunks.size} chunks, ${(raw / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(1)} KB gzip`,
    );
    expect(gzip).toBeLessThanOrEqual(200 * 1024);
  });

  // Issue 6: the embeddable form stays small for the host pages that load it.
  it('the widget script is ≤ 25 KB gzip', () => {
    const file = join(WIDGET_DIST, 'widget.js');
    expect(existsSync(file), `no build at ${WIDGET_DIST}: run npm run build`).toBe(true);
    const bytes = readFileSync(file);
    const gzip = gzipSync(bytes, { level: 9 }).length;
    console.log(
      `widget.js: ${(bytes.length / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(1)} KB gzip`,
    );
    expect(gzip).toBeLessThanOrEqual(25 * 1024);
  });
});
