import { expect, test } from '@playwright/test';
import type { Lane } from '../tools/browsers.js';
import type { StaticServer } from '../tools/static-server.js';
import { STRICT_CSP, startCspHost, type CspOutcome } from './csp-host.js';

let server: StaticServer;
let origin = '';

test.beforeAll(async () => {
  server = await startCspHost();
  origin = server.origin;
});

test.afterAll(() => server.close());

async function result(page: import('@playwright/test').Page) {
  const out = page.locator('#result');
  await expect(out).toHaveAttribute('data-state', /done|failed/, { timeout: 60_000 });
  return { state: await out.getAttribute('data-state'), text: (await out.textContent()) ?? '' };
}

test('a page with a strict CSP plans in a self-hosted worker, on WebGPU where the browser has it', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // WebGPU is forced where the browser has it: 'auto' would plan these first plans on the CPU.
  const webgpu = (info.project.metadata as Lane).hasWebGpu;
  await page.goto(`${origin}/?worker=url${webgpu ? '&backend=webgpu' : ''}`);
  const { state, text } = await result(page);
  expect(state, text).toBe('done');
  const outcome = JSON.parse(text) as CspOutcome;
  console.log(`strict CSP (${STRICT_CSP}): backend ${outcome.backend}, adapter ${outcome.adapter}`);
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
