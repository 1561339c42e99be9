/**
 * Checks of the built package (`npm run build` first; `npm test` does): it imports in
 * Node without touching a browser global, plans a feed there, passes publint and
 * are-the-types-wrong, and its page-side entry stays small.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (file: string) => `${root}dist/${file}`;

beforeAll(() => {
  if (!existsSync(dist('index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
});

describe('the built package', () => {
  it('imports in Node without touching window, navigator, indexedDB, document or self, and plans a feed', () => {
    const script = `
      const touched = [];
      for (const name of ['window', 'navigator', 'indexedDB', 'document', 'self', 'Worker', 'localStorage']) {
        Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return undefined; } });
      }
      const sdk = await import(${JSON.stringify(dist('index.js'))});
      if (touched.length) { console.error('import touched ' + touched.join(', ')); process.exit(1); }
      for (const name of ['window', 'navigator', 'indexedDB', 'document', 'self', 'Worker', 'localStorage']) delete globalThis[name];
      const ranker = await sdk.createReranker({ embeddingDim: 2 });
      await ranker.ingest([
        { id: 'a', pCvr: 0.02, pVtr: 0.4, pSdr: 0.9, embedding: [1, 0] },
        { id: 'b', pCvr: 0.10, pVtr: 0.5, pSdr: 0.5, embedding: [0, 1], value: 3 },
      ]);
      const plan = await ranker.plan();
      const info = await ranker.info();
      console.log(JSON.stringify({ ids: plan.items.map((i) => i.id), backend: plan.backend, worker: info.worker }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    // Look-ahead shows 'a' first: it keeps the user swiping (index rule r/(1-q): 1.15 against 0.55).
    expect(JSON.parse(out)).toEqual({ ids: ['a', 'b'], backend: 'cpu', worker: false });
  });

  it('passes publint', () => {
    const out = execFileSync(process.execPath, [`${root}node_modules/publint/src/cli.js`, 'run', '--strict', '--pack', 'false'],
      { cwd: root, encoding: 'utf8' });
    console.log(out.trim());
    expect(out).toMatch(/All good!/);
  });

  it('has types that resolve for every entry point (are-the-types-wrong, esm-only)', () => {
    const out = execFileSync(process.execPath,
      [`${root}node_modules/@arethetypeswrong/cli/dist/index.js`, '--pack', '.', '--profile', 'esm-only', '--format', 'ascii', '--no-color'],
      { cwd: root, encoding: 'utf8' });
    // attw exits non-zero on any problem, which throws above; the report names every entry point.
    console.log(out.trim());
    expect(out).toMatch(/"swiperank"[\s\S]*node16 \(from ESM\): 🟢[\s\S]*"swiperank\/worker"[\s\S]*node16 \(from ESM\): 🟢/);
  });

  it('keeps the page-side entry small (gzip size printed)', () => {
    // The page loads index.js and what it imports statically; the worker, engine and shaders load apart.
    const entry = readFileSync(dist('index.js'), 'utf8');
    const statics = [...entry.matchAll(/^import .* from "\.\/([^"]+)";$/gm)].map((m) => m[1]!);
    const files = ['index.js', ...statics];
    const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(dist(f))).length, 0);
    console.log(`page-side entry (${files.join(' + ')}): ${(bytes / 1024).toFixed(2)} KiB gzip`);
    expect(bytes).toBeLessThan(12 * 1024);
  });

  it('ships no test oracle: no exhaustive search in dist/', () => {
    const files = readdirSync(dist(''), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(1);
    // Property names survive minification, so `planExhaustive` / `exhaustiveSearch` would show.
    expect(files.filter((f) => /exhaustive/i.test(readFileSync(dist(f), 'utf8')))).toEqual([]);
  });

  it('packs no source maps, with the LICENSE, the model document and every entry (tarball size printed)', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as
      { size: number; unpackedSize: number; files: { path: string }[] }[];
    const paths = pack!.files.map((f) => f.path);
    console.log(`tarball ${(pack!.size / 1024).toFixed(1)} KiB, unpacked ${(pack!.unpackedSize / 1024).toFixed(1)} KiB, ${paths.length} files`);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'docs/MODEL.md', 'dist/index.js', 'dist/self-hosted.js', 'dist/worker.js']));
    expect(paths.filter((p) => /\.test\.|testing\//.test(p))).toEqual([]);
  });

  it('both workers are minified (sizes printed)', () => {
    const inline = readdirSync(dist('')).find((f) => /^worker-.*\.js$/.test(f))!;
    for (const file of ['worker.js', inline]) {
      const text = readFileSync(dist(file), 'utf8');
      console.log(`${file}: ${(text.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(text).length / 1024).toFixed(1)} KiB gzip`);
      // Unminified output keeps one statement per line and its comments.
      expect(text.split('\n').length, file).toBeLessThan(text.length / 80);
    }
  });

  describe('a host app built with Vite, importing the installed package', () => {
    /** Builds a one-file app against the package as installed (node_modules/swiperank links here); returns its emitted JS. */
    async function buildApp(entryImport: string): Promise<Map<string, string>> {
      const app = mkdtempSync(join(tmpdir(), 'swiperank-app-'));
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(root, join(app, 'node_modules', 'swiperank'), 'dir');
      writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
      writeFileSync(join(app, 'main.js'), `${entryImport}\nimport workerUrl from 'swiperank/worker?url';\n`
        + 'createReranker({ workerUrl }).then((r) => r.plan());\n');
      const { build } = await import('vite');
      await build({ root: app, configFile: false, logLevel: 'silent', build: { outDir: join(app, 'out') } });
      const out = join(app, 'out', 'assets');
      return new Map(readdirSync(out).filter((f) => f.endsWith('.js')).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    }
    const inlined = (js: string) => js.includes('createObjectURL');

    it('from swiperank/self-hosted with workerUrl: no inlined worker is emitted, the worker is one file of the app', async () => {
      const files = await buildApp("import { createReranker } from 'swiperank/self-hosted';");
      console.log(`self-hosted app emits: ${[...files.keys()].join(', ')}`);
      expect([...files.values()].filter(inlined)).toEqual([]);
      expect([...files.values()].filter((js) => js.includes('Comlink.thrown')).length).toBeGreaterThanOrEqual(1);
      expect([...files.keys()].some((f) => f.startsWith('worker'))).toBe(true);
    }, 60_000);

    it('from swiperank with workerUrl: the inlined worker is a lazy chunk apart from the app\'s entry', async () => {
      const files = await buildApp("import { createReranker } from 'swiperank';");
      console.log(`default app emits: ${[...files.keys()].join(', ')}`);
      const entry = [...files].find(([, js]) => js.includes('createReranker') || js.includes('workerUrl'));
      const lazy = [...files].filter(([, js]) => inlined(js));
      expect(lazy).toHaveLength(1);
      expect(entry).toBeDefined();
      expect(inlined(entry![1])).toBe(false);
    }, 60_000);
  });
});
