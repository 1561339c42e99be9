import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The benchmark page: the SDK from source, its worker and the peers, bundled into bench/dist. */
export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Readable stacks when a peer fails in the page; size does not matter here.
    minify: false,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
  },
  // As the SDK's own config: its worker is inlined as a blob-URL module, which cannot load sibling chunks.
  worker: { format: 'es', rolldownOptions: { output: { codeSplitting: false } } },
});
