import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const STRICT = "script-src 'self'; worker-src 'self'";
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

let server: Server;
let origin = '';

// A small host app built with Vite against the built package, served with and without a strict CSP.
test.beforeAll(async () => {
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
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = url.pathname === '/swiperank-worker.js' ? worker
      : join(outDir, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': types[extname(file)] ?? 'application/octet-stream' };
    if (url.searchParams.get('csp') !== 'off' && !req.headers.referer?.includes('csp=off')) {
      headers['content-security-policy'] = STRICT;
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function result(page: import('@playwright/test').Page) {
  const out = page.locator('#result');
  await expect(out).toHaveAttribute('data-state', /done|failed/, { timeout: 60_000 });
  return { state: await out.getAttribute('data-state'), text: (await out.textContent()) ?? '' };
}

test('a page with a strict CSP plans in a self-hosted worker, on WebGPU where the browser has it', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // WebGPU is forced where the browser has it: 'auto' would plan these first plans on the CPU.
  const webgpu = !info.project.name.includes('cpu');
  await page.goto(`${origin}/?worker=url${webgpu ? '&backend=webgpu' : ''}`);
  const { state, text } = await result(page);
  expect(state, text).toBe('done');
  const outcome = JSON.parse(text) as { ids: string[]; backend: string; adapter: string; worker: boolean };
  console.log(`strict CSP (${STRICT}): backend ${outcome.backend}, adapter ${outcome.adapter}`);
  expect(outcome.worker).toBe(true);
  expect(outcome.ids).toHaveLength(4);
  expect(outcome.backend).toBe(webgpu ? 'webgpu' : 'cpu');
  expect(errors).toEqual([]);
});

test('the default bundled worker works in a Vite app with no CSP', async ({ page }) => {
  await page.goto(`${origin}/?csp=off`);
  const { state, text } = await result(page);
  expect(state, text).toBe('done');
  expect(JSON.parse(text)).toMatchObject({ worker: true });
});

test('the same worker served by hand from this origin works under the strict CSP too', async ({ page }) => {
  await page.goto(`${origin}/?worker=self`);
  const { state, text } = await result(page);
  expect(state, text).toBe('done');
  expect(JSON.parse(text)).toMatchObject({ worker: true });
});

test('under the strict CSP the inlined worker is refused, and WORKER_FAILED says the policy blocked it', async ({ page }) => {
  await page.goto(`${origin}/`);
  const { state, text } = await result(page);
  console.log(`inlined worker under a strict CSP: ${text}`);
  expect(state, text).toBe('failed');
  expect(text).toMatch(/^SwiperankError: the reranker worker was blocked by the page's Content Security Policy \(worker-src/);
  expect(text).toContain('workerUrl');
});
