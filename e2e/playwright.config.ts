import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumCpuArgs, chromiumPath, firefoxLaunch, freePort, lanes, type Lane } from '../tools/browsers.js';

/** A port free now, chosen once in the main process; workers inherit it through the environment. */
process.env.E2E_PORT ??= String(await freePort());
const PREVIEW_PORT = Number(process.env.E2E_PORT);

/** A project per lane; specs read the lane's capabilities from `testInfo.project.metadata`. */
const project = (lane: Lane, use: object) => ({ name: lane.name, metadata: lane, use });

/**
 * End-to-end specs against the built demo under `vite preview` (csp.spec.ts serves its own app):
 * - chromium: WebGPU on SwiftShader; chromium-cpu: WebGPU off, the same flows on the CPU backend.
 * - firefox: Debian's Firefox ESR over WebDriver BiDi, WebGPU on lavapipe's fallback adapter
 *   (Playwright pinned to 1.64.1: see tools/browsers.ts).
 * WebKit runs the same flows through e2e/webkit/run.ts (webdriverio): Playwright cannot drive
 * Debian's WebKit.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: 'artifacts/results',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}/`,
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
    project(lanes.chromium, { browserName: 'chromium', launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
    project(lanes.chromiumCpu, { browserName: 'chromium', launchOptions: { executablePath: chromiumPath, args: chromiumCpuArgs } }),
    project(lanes.firefox, { browserName: 'firefox', launchOptions: firefoxLaunch(true) }),
  ],
});
