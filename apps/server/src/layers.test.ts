import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The server's arrows point one way: api → core → platform. The core knows no Fastify
 * and no wire format; the platform knows neither the core nor the API. Read from the
 * source, so an import the wrong way fails here, named, before it becomes a circle.
 */

const SRC = dirname(fileURLToPath(import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module a file names: static and type imports, re-exports, dynamic imports. */
function specifiersOf(source: string): string[] {
  const found = source.matchAll(
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm,
  );
  return [...found].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

interface Import {
  /** The importing file, relative to src/. */
  file: string;
  specifier: string;
  /** Where a relative specifier lands, relative to src/; null for a package. */
  target: string | null;
}

const imports: Import[] = tsFiles(SRC).flatMap((path) => {
  const file = relative(SRC, path);
  return specifiersOf(readFileSync(path, 'utf8')).map((specifier) => ({
    file,
    specifier,
    target: specifier.startsWith('.') ? relative(SRC, resolve(dirname(path), specifier)) : null,
  }));
});

const under = (layer: string) => (path: string | null) => path?.startsWith(`${layer}/`) ?? false;
const inCore = under('core');
const inApi = under('api');
const inPlatform = under('platform');
const isFastify = (specifier: string) =>
  /^(fastify|fastify-plugin)(\/|$)/.test(specifier) || specifier.startsWith('@fastify/');

const listed = (found: Import[]) => found.map((i) => `${i.file} imports ${i.specifier}`);

describe('layers', () => {
  it('reads the imports it judges', () => {
    // Guards the reader itself: a regex that matched nothing would pass every rule.
    expect(imports.length).toBeGreaterThan(300);
    expect(imports.some((i) => inApi(i.file) && inCore(i.target))).toBe(true);
    expect(imports.some((i) => inCore(i.file) && inPlatform(i.target))).toBe(true);
    expect(specifiersOf("import type { A } from './a.ts';\nexport { b } from '../b.ts';")).toEqual([
      './a.ts',
      '../b.ts',
    ]);
    expect(specifiersOf("const m = await import('./m.ts');\nimport 'side-effect';")).toEqual([
      './m.ts',
      'side-effect',
    ]);
  });

  it('core imports neither Fastify nor anything under api/', () => {
    const offenders = imports.filter(
      (i) => inCore(i.file) && (isFastify(i.specifier) || inApi(i.target)),
    );
    expect(listed(offenders)).toEqual([]);
  });

  it('ops (backup, restore, export) imports neither Fastify nor anything under api/', () => {
    const offenders = imports.filter(
      (i) => under('ops')(i.file) && (isFastify(i.specifier) || inApi(i.target)),
    );
    expect(listed(offenders)).toEqual([]);
  });

  it('platform imports nothing under core/ or api/', () => {
    const offenders = imports.filter(
      (i) => inPlatform(i.file) && (inCore(i.target) || inApi(i.target)),
    );
    expect(listed(offenders)).toEqual([]);
  });
});
