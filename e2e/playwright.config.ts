import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../vite.config.js';

/**
 * End-to-end specs in Debian's Chromium (Playwright cannot download its own here), twice:
 * with WebGPU on SwiftShader, and with WebGPU turned off so the same flows run on the CPU backend.
 */
export default defineConfig({
  testDir: '.',
  outputDir: 'artifacts/results',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'webgpu', use: { browserName: 'chromium' } },
    {
      name: 'cpu',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-webgpu'] },
      },
    },
  ],
});
