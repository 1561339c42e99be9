/** Vitest global setup of `browser-webkit`: WebKitWebDriver on a virtual display, on the port the config chose. */
import { execFileSync } from 'node:child_process';
import { startWebKitDriver } from './browsers.js';

export default async function setup(): Promise<() => void> {
  // MiniBrowser's user agent carries no real version: the package's is the engine's.
  let version = 'version unknown';
  try {
    version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'webkit2gtk-driver'], { encoding: 'utf8' });
  } catch {
    // Not a Debian system: the WebKit build is whatever WebKitWebDriver launches.
  }
  console.log(`browser-webkit: WebKitGTK ${version} (MiniBrowser), adapter: no WebGPU`);
  const driver = await startWebKitDriver(Number(process.env.WEBKIT_WEBDRIVER_PORT));
  // Vitest tears global setups down before its browser provider ends the WebDriver session.
  return () => driver.stopAtExit();
}
