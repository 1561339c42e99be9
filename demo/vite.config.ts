import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { candidateServer } from './server/candidates.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The demo feed: the SDK from source (so its worker is bundled), plus the candidate server. */
export default defineConfig({
  root: here,
  base: './',
  plugins: [candidateServer()],
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  // As the SDK's own config: its worker is inlined as a blob-URL module, which cannot load sibling chunks.
  worker: { format: 'es', rolldownOptions: { output: { codeSplitting: false } } },
});
