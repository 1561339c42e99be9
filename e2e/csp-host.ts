import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serveStatic, type StaticServer } from '../tools/static-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The policy a strict host sets: scripts and workers from its own origin only. */
export const STRICT_CSP = "script-src 'self'; worker-src 'self'";

/**
 * A small host app built with Vite against the built package, served with a strict CSP
 * (the worker self-hosted at `/swiperank-worker.js`), or without one under `?csp=off`.
 * Shared by the Playwright spec and the WebKit runner.
 */
export async function startCspHost(): Promise<StaticServer> {
  const worker = join(root, 'dist/worker.js');
  if (!existsSync(worker)) throw new Error('dist/worker.js is missing: run `npm run build` first');
  const outDir = mkdtempSync(join(tmpdir(), 'swiperank-csp-'));
  await build({
    root: join(root, 'e2e/csp-app'),
    configFile: false,
    logLevel: 'warn',
    // As an install resolves the package's exports: `swiperank` and `swiperank/worker` (with `?url`).
    resolve: {
      alias: [
        { find: /^swiperank$/, replacement: join(root, 'dist/index.js') },
        { find: /^swiperank\/worker(?=\?|$)/, replacement: join(root, 'dist/worker.js') },
      ],
    },
    build: { outDir, emptyOutDir: true },
  });
  return serveStatic({
    root: outDir,
    files: { '/swiperank-worker.js': worker },
    headers: (req, url): Record<string, string> => (url.searchParams.get('csp') !== 'off' && !req.headers.referer?.includes('csp=off')
      ? { 'content-security-policy': STRICT_CSP } : {}),
  });
}

/** What the host page shows once it planned (see csp-app/main.ts). */
export interface CspOutcome {
  ids: string[];
  backend: string;
  adapter: string;
  worker: boolean;
}
