/**
 * Who may import what: the package ships no test helper, the simulator stands on its own,
 * and the demo and bench use the SDK only as a team would, by its name and public exports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.parentPath.includes('node_modules') && !/(^|\/)dist(\/|$)/.test(relative(root, e.parentPath)))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const isTest = (file: string) => /\.(browser\.)?test\.ts$/.test(file) || file.startsWith('sdk/testing/');

describe('module boundaries', () => {
  it('finds the files it checks', () => {
    expect(sources('sdk').length).toBeGreaterThan(20);
    expect(sources('sim')).toContain('sim/user.ts');
    expect(sources('demo')).toContain('demo/src/main.ts');
  });

  it('nothing under sdk/ but tests imports sdk/testing/', () => {
    const offenders = sources('sdk').filter((f) => !isTest(f) && imports(f).some((s) => s.includes('testing/')));
    expect(offenders).toEqual([]);
  });

  it('sim/ imports only itself and the package\'s public types', () => {
    for (const file of sources('sim')) {
      for (const spec of imports(file)) {
        expect(spec === 'vitest' || spec === 'swiperank' || spec.startsWith('./'), `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it('demo/ and the bench page import the SDK by name only, and nothing from bench/', () => {
    const files = [...sources('demo'), ...sources('bench/src'), ...sources('bench/peers')];
    for (const file of files) {
      for (const spec of imports(file)) {
        expect(spec.includes('sdk/'), `${file} imports ${spec}`).toBe(false);
        if (file.startsWith('demo/')) expect(spec.includes('bench/'), `${file} imports ${spec}`).toBe(false);
      }
    }
  });
});
