import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const swiperank = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(swiperank)) throw new Error('dist/ is missing: run `npm run build` first (the bench measures the built package)');

/** The benchmark page: the built package (imported by name, as a team would) and the peers, bundled into bench/dist. */
export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: { alias: { swiperank } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Readable stacks when a peer fails in the page; size does not matter here.
    minify: false,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
  },
});
