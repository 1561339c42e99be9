import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../vite.config.js';

/** A port free now, chosen once in the main process; workers inherit it through the environment. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
process.env.E2E_PORT ??= String(await freePort());
const PREVIEW_PORT = Number(process.env.E2E_PORT);

/**
 * Chromium 156 on Linux has WebGPU only with `--enable-unsafe-webgpu`; without it
 * `navigator.gpu` is still there but `requestAdapter()` resolves null, in the page and in
 * workers. (`--disable-webgpu` is no such switch: with the enable flag it changes nothing.)
 * The cpu project's specs assert the missing adapter, so a Chromium that turns WebGPU on by
 * default fails them instead of silently testing WebGPU twice.
 */
const withoutWebGpu = chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu');

/**
 * End-to-end specs in Debian's Chromium (Playwright cannot download its own here), twice:
 * with WebGPU on SwiftShader, and with WebGPU turned off so the same flows run on the CPU backend.
 * The demo specs run against the built demo under `vite preview`; csp.spec.ts serves its own app.
 */
export default defineConfig({
  testDir: '.',
  outputDir: 'artifacts/results',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}/`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npm run build --silent && npx vite build --config demo/vite.config.ts --logLevel warn && npx vite preview --config demo/vite.config.ts --host 127.0.0.1 --port ${PREVIEW_PORT} --strictPort`,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    url: `http://127.0.0.1:${PREVIEW_PORT}/`,
    // Never another engineer's preview left on this port (a shared machine): always the demo built now.
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  projects: [
    { name: 'webgpu', use: { browserName: 'chromium' } },
    {
      name: 'cpu',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: chromiumPath, args: withoutWebGpu },
      },
    },
  ],
});
