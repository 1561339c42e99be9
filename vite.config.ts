import type { UserConfig } from 'vite';
import { defineConfig } from 'vite';

/** The package build only; the tests are configured in vitest.config.ts. */
export default defineConfig(({ mode }) => ({
  // `vite build` makes the page-side package; `vite build --mode worker` adds dist/worker.js,
  // one self-contained file a strict-CSP host can serve from its own origin.
  // The page-side chunks stay readable (no source maps needed); both workers are minified.
  build: (mode === 'worker' ? {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2022',
    lib: { entry: { worker: 'sdk/worker/worker.ts' }, formats: ['es'] },
    // Vite's own `minify` keeps whitespace in library ES output; the bundler's minifies fully.
    rolldownOptions: { output: { codeSplitting: false, minify: true } },
  } : {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    minify: false,
    lib: { entry: { index: 'sdk/index.ts', 'self-hosted': 'sdk/self-hosted.ts' }, formats: ['es'] },
    rolldownOptions: { external: ['comlink', 'idb-keyval'] },
  }) as UserConfig['build'],
  // The bundled worker is inlined into one chunk: a blob-URL worker cannot load sibling chunks.
  worker: { format: 'es', rolldownOptions: { output: { codeSplitting: false, minify: true } } },
}));
