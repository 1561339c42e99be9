import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import type { UserConfig } from 'vite';
import { defineConfig } from 'vitest/config';

/** Debian's Chromium where it is installed (Playwright cannot download its own here). */
export const chromiumPath = process.env.CHROMIUM_PATH
  ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

/** Flags that give headless Chromium WebGPU on SwiftShader (Debian's /usr/bin/chromium, as root). */
export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Test-only: exact heap figures and a callable gc() for memory checks. */
const testArgs = ['--enable-precise-memory-info', '--js-flags=--expose-gc'];

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
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['sdk/**/*.test.ts', 'bench/**/*.test.ts', 'sim/**/*.test.ts', 'demo/**/*.test.ts', 'docs/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['sdk/**/*.browser.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs, ...testArgs] },
            }),
          },
        },
      },
    ],
  },
}));
