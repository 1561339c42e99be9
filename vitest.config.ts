import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { webdriverio } from '@vitest/browser-webdriverio';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import {
  asMiniBrowser, chromiumArgs, chromiumCpuArgs, chromiumPath, chromiumTestArgs, firefoxLaunch, freePort, lanes,
  webkitCapabilities, type Lane,
} from './tools/browsers.js';

/**
 * Test projects (`npx vitest run --project NAME`, globs allowed: `--project 'browser-*'`):
 * - `unit`: Node, no browser, no build needed.
 * - `package`: the built package in Node; runs after `npm run build`.
 * - `browser-chromium`, `browser-firefox`: browser tests with WebGPU (SwiftShader, lavapipe).
 * - `browser-chromium-cpu`, `browser-firefox-cpu`, `browser-webkit`: the same tests with no
 *   WebGPU adapter, so every engine runs the CPU path.
 * Versions are pinned for these engines; tools/browsers.ts says why.
 */

// WebKitWebDriver's port is chosen here and the driver started by the project's global setup.
process.env.WEBKIT_WEBDRIVER_PORT ??= String(await freePort());

type ProjectTest = NonNullable<TestProjectInlineConfiguration['test']>;

function browserProject(lane: Lane, browser: ProjectTest['browser'], more: ProjectTest = {}): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      ...more,
      name: `browser-${lane.name}`,
      include: ['sdk/**/*.browser.test.ts'],
      testTimeout: 120_000,
      provide: { lane },
      browser: { enabled: true, headless: true, screenshotFailures: false, ...browser },
    },
  };
}

const chromium = (args: string[]) => ({
  instances: [{ browser: 'chromium' as const }],
  provider: playwright({ launchOptions: { executablePath: chromiumPath, args: [...args, ...chromiumTestArgs] } }),
});

const firefox = (webgpu: boolean) => ({
  instances: [{ browser: 'firefox' as const }],
  provider: playwright({ launchOptions: firefoxLaunch(webgpu) }),
});

export default defineConfig({
  // As the package build: a blob-URL worker cannot load sibling chunks.
  worker: { format: 'es', rolldownOptions: { output: { codeSplitting: false } } },
  test: {
    projects: [
      {
        extends: true,
        // Node tests run before any build: the package's own name resolves to its source, as in tsconfig.json.
        resolve: { alias: [{ find: /^swiperank$/, replacement: fileURLToPath(new URL('./sdk/index.ts', import.meta.url)) }] },
        test: {
          name: 'unit',
          environment: 'node',
          include: ['sdk/**/*.test.ts', 'bench/**/*.test.ts', 'sim/**/*.test.ts', 'demo/**/*.test.ts', 'docs/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', 'sdk/package.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'package', environment: 'node', include: ['sdk/package.test.ts'], testTimeout: 120_000 },
      },
      browserProject(lanes.chromium, chromium(chromiumArgs)),
      browserProject(lanes.chromiumCpu, chromium(chromiumCpuArgs)),
      browserProject(lanes.firefox, firefox(true)),
      browserProject(lanes.firefoxCpu, firefox(false)),
      browserProject(lanes.webkit, {
        // MiniBrowser has no headless mode: it draws on the virtual display the setup starts.
        headless: false,
        instances: [{ browser: 'safari' }],
        provider: webdriverio({
          hostname: '127.0.0.1',
          port: Number(process.env.WEBKIT_WEBDRIVER_PORT),
          capabilities: webkitCapabilities,
          transformRequest: asMiniBrowser,
        }),
      }, { globalSetup: ['tools/webkit-setup.ts'] }),
    ],
  },
});
