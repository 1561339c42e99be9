/**
 * The demo and strict-CSP flows on WebKit (WebKitGTK's MiniBrowser), which Playwright cannot
 * drive here: webdriverio over classic WebDriver through WebKitWebDriver, on a virtual display.
 * Run with `npm run test:e2e:webkit` (node's test runner under tsx), after `npm run build`.
 *
 * MiniBrowser has no WebGPU, so every flow runs on the CPU engine in a worker. Covered here:
 * the demo loads and plans, the review panel replans on a weight, swipes by keys advance
 * without repeats, a reload keeps the shown ids, the autopilot completes, and the strict-CSP
 * host plans in its own worker and names the policy when the inlined worker is refused. Not here, for want of the driver capability:
 * the misbehaving-server spec (classic WebDriver cannot intercept requests), touch and wheel
 * swipes (WebKitWebDriver's input actions have no touch or wheel source), console-error checks
 * (classic WebDriver has no console log on WebKit).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { preview, type PreviewServer } from 'vite';
import { remote } from 'webdriverio';
import { lanes, startWebKitDriver, webkitCapabilities, type WebKitDriver } from '../../tools/browsers.js';
import type { StaticServer } from '../../tools/static-server.js';
import { startCspHost, type CspOutcome } from '../csp-host.js';
import { storedShownCount } from '../demo-storage.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lane = lanes.webkit;
const testId = (id: string) => `[data-testid="${id}"]`;

let driver: WebKitDriver;
let demo: PreviewServer;
let demoOrigin = '';
let browser: WebdriverIO.Browser;

before(async () => {
  execFileSync('npx', ['vite', 'build', '--config', 'demo/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  demo = await preview({ configFile: `${root}demo/vite.config.ts`, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  demoOrigin = demo.resolvedUrls!.local[0]!.replace(/\/$/, '');
  driver = await startWebKitDriver();
  browser = await remote({ hostname: '127.0.0.1', port: driver.port, logLevel: 'error', capabilities: webkitCapabilities });
  const caps = browser.capabilities as { browserName?: string; browserVersion?: string };
  console.log(`[${lane.name}] ${caps.browserName} ${caps.browserVersion} (WebKitGTK), adapter: no WebGPU`);
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  await driver?.stop();
  await new Promise<void>((resolve) => (demo ? demo.httpServer.close(() => resolve()) : resolve()));
});

/** Text content, as Playwright's text assertions read it (WebDriver's getText is '' off screen). */
async function text(id: string): Promise<string> {
  return browser.execute((sel) => document.querySelector(sel)?.textContent ?? '', testId(id));
}

async function attr(id: string, name: string): Promise<string | null> {
  return browser.execute((sel, n) => document.querySelector(sel)?.getAttribute(n) ?? null, testId(id), name);
}

/**
 * The demo in a new session, as Playwright's fresh context per test gives: one WebDriver
 * session serves every test here, so the demo's stored session and the SDK's IndexedDB go first.
 */
async function openDemo(): Promise<void> {
  await browser.url(`${demoOrigin}/`);
  await browser.execute(async () => {
    localStorage.clear();
    sessionStorage.clear();
    for (const db of await indexedDB.databases()) if (db.name) indexedDB.deleteDatabase(db.name);
  });
  await browser.url(`${demoOrigin}/`);
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.ready)) === 'true',
    { timeout: 45_000, interval: 100, timeoutMsg: 'the demo never got ready' });
}

async function setPanel(open: boolean): Promise<void> {
  if ((await attr('panel-toggle', 'aria-expanded') === 'true') !== open) await (await browser.$(testId('panel-toggle'))).click();
  await (await browser.$(testId('panel'))).waitForDisplayed({ reverse: !open, timeout: 5_000 });
}

async function currentId(): Promise<string> {
  const id = await attr('feed', 'data-current-id');
  assert.ok(id, 'an item is on screen');
  return id;
}

async function planCount(): Promise<number> {
  return Number(await browser.execute((sel) => document.querySelector(sel)?.textContent, testId('plan-count')));
}

/** One swipe by the down arrow key; resolves once the feed shows the next item and its plan is counted. */
async function swipeByKeys(): Promise<string> {
  const before = await currentId();
  const plans = await planCount();
  const swipes = Number(await attr('feed', 'data-swipes') ?? '0');
  await browser.execute((sel) => document.querySelector<HTMLElement>(sel)?.focus(), testId('feed'));
  await browser.keys('ArrowDown');
  await browser.waitUntil(async () => Number(await attr('feed', 'data-swipes') ?? '0') === swipes + 1,
    { timeout: 10_000, interval: 30, timeoutMsg: 'the key did not advance the feed' });
  const after = await currentId();
  assert.notEqual(after, before, 'the swipe advanced the feed');
  await browser.waitUntil(async () => (await planCount()) === plans + 1,
    { timeout: 10_000, interval: 30, timeoutMsg: `the swipe did not plan once (plans ${plans} -> ${await planCount()})` });
  return after;
}

describe(`the demo on ${lane.name} (no WebGPU: the CPU engine in a worker)`, () => {
  it('loads and plans on the CPU; the panel names the backend, and a changed weight replans', async () => {
    await openDemo();
    await setPanel(true);
    await browser.waitUntil(async () => (await text('backend')) !== '…', { timeout: 10_000 });
    // 'auto' rules WebGPU out in the background, after the first plan: wait for the reason.
    await browser.waitUntil(async () => !['none', '…'].includes(await text('fallback-reason')),
      { timeout: 10_000, timeoutMsg: 'the panel never said why the CPU serves' });
    const shown = { backend: await text('backend'), adapter: await text('adapter'), fallback: await text('fallback-reason') };
    console.log(`[${lane.name}] panel: ${JSON.stringify(shown)}`);
    assert.equal(await browser.execute(() => typeof navigator.gpu), 'undefined', 'the engine has no WebGPU');
    assert.equal(shown.backend, 'cpu');
    assert.equal(shown.adapter, 'cpu');
    assert.notEqual(shown.fallback, 'none');
    const rows = () => browser.execute((sel) => document.querySelectorAll(`${sel} tbody tr`).length, testId('plan-table'));
    assert.equal(await rows(), 4);

    const plans = await planCount();
    const plan = () => browser.execute((sel) => document.querySelector(`${sel} tbody`)?.getAttribute('data-plan') ?? '', testId('plan-table'));
    const before = await plan();
    await (await browser.$(testId('fusion-wCvr'))).setValue('8');
    await browser.waitUntil(async () => (await planCount()) === plans + 1, { timeout: 10_000, timeoutMsg: 'a weight did not replan' });
    assert.notEqual(await plan(), before, 'the plan changed with the weight');
  });

  it('swipes ten items by keys: each advances, plans once, and none repeats', async () => {
    await openDemo();
    const seen = [await currentId()];
    for (let i = 0; i < 10; i++) seen.push(await swipeByKeys());
    assert.equal(new Set(seen).size, seen.length, `no item twice: ${seen.join(' ')}`);
  });

  it('a reload keeps the shown ids: nothing shown before it comes back', async () => {
    await openDemo();
    const swiped: string[] = [];
    for (let i = 0; i < 6; i++) {
      swiped.push(await currentId());
      await swipeByKeys();
    }
    const onScreen = await currentId();
    const session = await text('session');
    // The SDK batches its IndexedDB writes; wait until the stored session has every swiped id.
    await browser.waitUntil(async () => (await browser.execute(storedShownCount, session)) >= swiped.length,
      { timeout: 10_000, interval: 200, timeoutMsg: 'the swiped ids never reached IndexedDB' });

    await browser.refresh();
    await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.ready)) === 'true', { timeout: 45_000 });
    await setPanel(true);
    await browser.waitUntil(async () => (await text('pool')).includes(`${swiped.length} shown`),
      { timeout: 10_000, timeoutMsg: `the pool does not say ${swiped.length} shown` });
    assert.equal(await currentId(), onScreen, 'the item on screen at the reload is put back');
    const after = [onScreen];
    for (let i = 0; i < 6; i++) after.push(await swipeByKeys());
    assert.deepEqual(after.filter((id) => swiped.includes(id)), [], 'ids shown before the reload');
    assert.equal(new Set(after).size, after.length);
  });

  it('the autopilot runs sessions for every strategy to completion', async () => {
    await openDemo();
    await setPanel(true);
    const fast = await browser.$(testId('autopilot-fast'));
    if (!(await fast.isSelected())) await fast.click();
    await (await browser.$(testId('autopilot-sessions'))).setValue('2');
    await (await browser.$(testId('autopilot-run'))).click();
    await browser.waitUntil(async () => /done|failed|stopped/.test(await attr('autopilot-status', 'data-state') ?? ''),
      { timeout: 90_000, interval: 250, timeoutMsg: 'the autopilot never finished' });
    console.log(`[${lane.name}] autopilot ${await text('autopilot-status')}`);
    assert.equal(await attr('autopilot-status', 'data-state'), 'done');
    for (const strategy of ['server', 'greedy', 'lookahead']) {
      assert.match(await text(`lane-${strategy}`), /session 2/);
    }
  });
});

describe(`a strict-CSP host on ${lane.name}`, () => {
  let host: StaticServer;
  before(async () => { host = await startCspHost(); });
  after(() => host?.close());

  async function outcome(path: string): Promise<{ state: string | null; text: string }> {
    await browser.url(`${host.origin}${path}`);
    await browser.waitUntil(async () => /done|failed/.test(await browser.execute(() => document.getElementById('result')?.dataset.state ?? '')),
      { timeout: 60_000, interval: 100, timeoutMsg: 'the host page never finished' });
    return browser.execute(() => {
      const out = document.getElementById('result')!;
      return { state: out.dataset.state ?? null, text: out.textContent ?? '' };
    });
  }

  it('plans in the worker the app emitted (swiperank/worker?url), on the CPU', async () => {
    const { state, text: body } = await outcome('/?worker=url');
    assert.equal(state, 'done', body);
    const result = JSON.parse(body) as CspOutcome;
    console.log(`[${lane.name}] strict CSP: backend ${result.backend}, adapter ${result.adapter}`);
    assert.equal(result.worker, true);
    assert.equal(result.ids.length, 4);
    assert.equal(result.backend, 'cpu');
  });

  it('the same worker served by hand from this origin plans too', async () => {
    const { state, text: body } = await outcome('/?worker=self');
    assert.equal(state, 'done', body);
    assert.equal((JSON.parse(body) as CspOutcome).worker, true);
  });

  it('the inlined worker is refused, and WORKER_FAILED says the policy blocked it', async () => {
    const { state, text: body } = await outcome('/');
    console.log(`[${lane.name}] inlined worker under a strict CSP: ${body}`);
    assert.equal(state, 'failed', body);
    assert.match(body, /^SwiperankError: the reranker worker was blocked by the page's Content Security Policy \(worker-src/);
  });

  it('the default bundled worker works with no CSP', async () => {
    const { state, text: body } = await outcome('/?csp=off');
    assert.equal(state, 'done', body);
    assert.equal((JSON.parse(body) as CspOutcome).worker, true);
  });
});
