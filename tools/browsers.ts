/**
 * How every test and the bench launch a browser, in one place: Vitest's browser projects,
 * the Playwright e2e, the WebKit e2e runner and `npm run bench` all read it.
 *
 * Every engine comes from Debian (Playwright cannot download its own builds here):
 * - Chromium: WebGPU on SwiftShader, driven by Playwright over CDP.
 * - Firefox ESR: WebGPU on lavapipe (a fallback adapter), driven by Playwright over WebDriver
 *   BiDi. Playwright is pinned to 1.64.1 in package.json because 1.65.0 and 1.65.1 fail at
 *   `newContext` on this Firefox with `Protocol error (emulation.setMediaFeaturesOverride):
 *   unknown command`, and no context option avoids it.
 * - WebKitGTK's MiniBrowser: no WebGPU, driven by webdriverio over classic WebDriver through
 *   WebKitWebDriver, under a virtual X display (WebDriver BiDi fails with `session not created`).
 *   Vitest's webdriverio provider exists at 4.1.11 but not 4.1.12, so the Vitest family
 *   (vitest, @vitest/browser-playwright, @vitest/browser-webdriverio) is pinned to 4.1.11.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export type Engine = 'chromium' | 'firefox' | 'webkit';

/**
 * One engine in one configuration, and what it can do. Specs branch on these capabilities,
 * never on the engine's name.
 */
export interface Lane {
  /** Test project name, e.g. `browser-chromium` or `firefox-cpu`. */
  name: string;
  engine: Engine;
  /** The engine is launched so that `requestAdapter()` returns an adapter. */
  hasWebGpu: boolean;
  /** Words `info().adapter` must contain on this lane's adapter (case-insensitive). */
  adapterName?: string;
  /** The driver can send real touch sequences (Chromium's DevTools `Input.dispatchTouchEvent`). */
  supportsTouch: boolean;
  /** `performance.memory` and `gc()` are there, so heap growth can be measured. */
  measuresHeap: boolean;
  /** Every GPU readback waits on a poll timer (Firefox's lavapipe: ~100 ms), so long GPU runs are cut short. */
  slowReadback: boolean;
}

const found = (path: string) => (existsSync(path) ? path : undefined);

/** Debian's Chromium where it is installed. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? found('/usr/bin/chromium');

/** Flags that give headless Chromium WebGPU on SwiftShader (Debian's /usr/bin/chromium, as root). */
export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Chromium 156 on Linux has WebGPU only with `--enable-unsafe-webgpu`; without it
 * `navigator.gpu` is still there but `requestAdapter()` resolves null, in the page and in
 * workers. The CPU lanes assert the missing adapter, so a Chromium that turns WebGPU on by
 * default fails them instead of silently testing WebGPU twice.
 */
export const chromiumCpuArgs = chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu');

/** Test-only: exact heap figures and a callable gc() for memory checks. */
export const chromiumTestArgs = ['--enable-precise-memory-info', '--js-flags=--expose-gc'];

export const firefoxPath = process.env.FIREFOX_PATH ?? found('/usr/bin/firefox-esr');

/**
 * Playwright launch options for Debian's Firefox ESR. `moz-firefox` selects WebDriver BiDi:
 * without it Playwright speaks its own Juggler protocol, which stock Firefox does not have.
 * With both prefs WebGPU runs on lavapipe; with only `dom.webgpu.enabled`, `navigator.gpu`
 * is there but `requestAdapter()` resolves null, the CPU lane.
 */
export function firefoxLaunch(webgpu: boolean) {
  return {
    channel: 'moz-firefox',
    executablePath: firefoxPath,
    firefoxUserPrefs: {
      'dom.webgpu.enabled': true,
      'gfx.webgpu.ignore-blocklist': webgpu,
    },
  };
}

export const miniBrowserPath = process.env.MINIBROWSER_PATH
  ?? found('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser')
  ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser';

/** webdriverio capabilities for MiniBrowser under WebKitWebDriver, over classic WebDriver. */
export const webkitCapabilities = {
  browserName: 'MiniBrowser',
  'wdio:enforceWebDriverClassic': true,
  'webkitgtk:browserOptions': { binary: miniBrowserPath, args: ['--automation'] },
};

/**
 * Vitest's webdriverio provider only knows the browser names of the big vendors and asks
 * for `safari`; WebKitWebDriver wants the browser it launches, MiniBrowser.
 */
export function asMiniBrowser<T extends { body?: unknown }>(request: T): T {
  if (typeof request.body === 'string') {
    request.body = request.body.replace('"browserName":"safari"', '"browserName":"MiniBrowser"');
  }
  return request;
}

export const lanes = {
  chromium: { name: 'chromium', engine: 'chromium', hasWebGpu: true, adapterName: 'swiftshader', supportsTouch: true, measuresHeap: true, slowReadback: false },
  chromiumCpu: { name: 'chromium-cpu', engine: 'chromium', hasWebGpu: false, supportsTouch: true, measuresHeap: true, slowReadback: false },
  // lavapipe reaches Firefox's WebGPU as a fallback adapter with empty vendor and architecture.
  firefox: { name: 'firefox', engine: 'firefox', hasWebGpu: true, adapterName: 'fallback adapter', supportsTouch: false, measuresHeap: false, slowReadback: true },
  firefoxCpu: { name: 'firefox-cpu', engine: 'firefox', hasWebGpu: false, supportsTouch: false, measuresHeap: false, slowReadback: false },
  webkit: { name: 'webkit', engine: 'webkit', hasWebGpu: false, supportsTouch: false, measuresHeap: false, slowReadback: false },
} satisfies Record<string, Lane>;

/** A TCP port free now on 127.0.0.1 (a shared machine: never a fixed one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A virtual X display (Xvfb picks a free number); reuses `$DISPLAY` where one is set. */
async function startDisplay(): Promise<{ display: string; process?: ChildProcess; stop(): Promise<void> }> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, stop: async () => {} };
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.on('error', (e) => reject(new Error(`Xvfb did not start (apt-get install xvfb): ${e.message}`)));
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code} before naming a display`)));
    xvfb.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
  });
  return { display, process: xvfb, stop: () => stop(xvfb) };
}

export interface WebKitDriver {
  port: number;
  stop(): Promise<void>;
  /** Leaves the driver and display up until this process exits (for sessions closed after a teardown). */
  stopAtExit(): void;
}

/**
 * WebKitWebDriver on a free port, on a virtual display. `port` may be given (Vitest's config
 * chooses it before its global setup starts the driver).
 */
export async function startWebKitDriver(port?: number): Promise<WebKitDriver> {
  const chosen = port ?? await freePort();
  const display = await startDisplay();
  const driver = spawn('WebKitWebDriver', [`--port=${chosen}`], {
    stdio: 'ignore',
    env: { ...process.env, DISPLAY: display.display },
  });
  const failed = new Promise<never>((_, reject) => {
    driver.on('error', (e) => reject(new Error(`WebKitWebDriver did not start (apt-get install webkit2gtk-driver): ${e.message}`)));
  });
  const stopAll = async () => {
    await stop(driver);
    await display.stop();
  };
  try {
    await Promise.race([failed, waitForStatus(chosen)]);
  } catch (e) {
    await stopAll();
    throw e;
  }
  const stopAtExit = () => {
    for (const child of [driver, display.process]) {
      child?.unref();
      process.once('exit', () => child?.kill('SIGTERM'));
    }
  };
  return { port: chosen, stop: stopAll, stopAtExit };
}

async function waitForStatus(port: number): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`WebKitWebDriver did not answer on port ${port} in 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
