import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { candidateServer } from './server/candidates.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const swiperank = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(swiperank)) throw new Error('dist/ is missing: run `npm run build` first (the demo uses the built package)');

/**
 * The demo feed, plus the candidate server. It imports the package by name, resolved to the
 * built `dist/` as a team's install would be, so it needs none of the SDK's worker settings.
 */
export default defineConfig({
  root: here,
  base: './',
  plugins: [candidateServer()],
  resolve: { alias: { swiperank } },
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
