import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test as base, type Page, type TestInfo } from '@playwright/test';
import type { Lane } from '../tools/browsers.js';

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

export type SwipeBy = 'wheel' | 'keys' | 'touch';

/** The demo page, driven as a user would, read through its test ids. */
export class Demo {
  /** Console errors a spec provokes on purpose: a pattern and how many of them may occur. */
  readonly allowed: { pattern: RegExp; left: number }[] = [];

  constructor(readonly page: Page, private readonly info: TestInfo) {}

  /** Lets up to `count` console errors matching `pattern` through (one the spec causes itself); any other still fails it. */
  allowConsoleErrors(pattern: RegExp, count: number): void {
    this.allowed.push({ pattern, left: count });
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    // Starting compiles GPU pipelines on SwiftShader; allow the SDK's own start timeout.
    await expect(this.page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 45_000 });
  }

  async currentId(): Promise<string> {
    const id = await this.page.getByTestId('feed').getAttribute('data-current-id');
    expect(id, 'an item is on screen').toBeTruthy();
    return id!;
  }

  async planCount(): Promise<number> {
    return Number(await this.page.getByTestId('plan-count').textContent());
  }

  async plan(): Promise<[string, number, number, number][]> {
    return JSON.parse(await this.page.getByTestId('plan-table').locator('tbody').getAttribute('data-plan') ?? '[]');
  }

  /**
   * Types `value` into a field in place of what it holds. Locator.fill alone selects the old
   * text first, and on Firefox (BiDi) that selection misses number inputs, so "20" + "4" became
   * "204": the field is emptied first, without an input event, so the page sees one edit.
   */
  async fill(testId: string, value: string): Promise<void> {
    const field = this.page.getByTestId(testId);
    await field.evaluate((el: HTMLInputElement) => { el.value = ''; });
    await field.fill(value);
  }

  async setPanel(open: boolean): Promise<void> {
    const toggle = this.page.getByTestId('panel-toggle');
    if ((await toggle.getAttribute('aria-expanded') === 'true') !== open) await toggle.click();
    await expect(this.page.getByTestId('panel')).toBeVisible({ visible: open });
  }

  /**
   * One swipe to the next item; resolves once the feed shows it and its plans are counted
   * (one, or two when the pool ran dry and the swipe had to refill and plan again).
   */
  async swipe(by: SwipeBy, plansPerSwipe = 1): Promise<string> {
    const { page } = this;
    const before = await this.currentId();
    const plans = await this.planCount();
    const swipes = Number(await page.getByTestId('feed').getAttribute('data-swipes') ?? '0');
    const box = (await page.getByTestId('feed').boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height * 0.4;
    if (by === 'wheel') {
      await page.mouse.move(x, y);
      await page.mouse.wheel(0, 240);
    } else if (by === 'keys') {
      // Keys go to the feed, not to a panel field that may still have focus.
      await page.getByTestId('feed').focus();
      await page.keyboard.press('ArrowDown');
    } else {
      // Real touch input through the DevTools protocol: Chromium turns it into pointer events.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: y + 150 }] });
      for (let step = 1; step <= 6; step++) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + 150 - step * 40 }] });
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await cdp.detach();
    }
    // Polled every frame: locator assertions back off to a second between checks.
    await page.waitForFunction((n) => document.querySelector<HTMLElement>('[data-testid="feed"]')?.dataset.swipes === String(n),
      swipes + 1, { timeout: 10_000 });
    const after = await this.currentId();
    expect(after, `${by} advanced the feed`).not.toBe(before);
    expect(await this.planCount(), `${by} swipe triggered exactly ${plansPerSwipe} plan(s)`).toBe(plans + plansPerSwipe);
    return after;
  }

  /** A screenshot, attached to the report and kept in e2e/artifacts/. */
  async screenshot(name: string): Promise<void> {
    mkdirSync(artifacts, { recursive: true });
    const path = `${artifacts}${this.info.project.name}-${name}.png`;
    const body = await this.page.screenshot({ path });
    await this.info.attach(name, { body, contentType: 'image/png' });
  }
}

/**
 * Every demo spec fails on a console error or an uncaught page error. `lane` is the project's
 * engine and capabilities (playwright.config.ts), for specs and `test.skip` conditions.
 */
export const test = base.extend<{ demo: Demo }, { lane: Lane }>({
  lane: [async ({}, use, info) => use(info.project.metadata as Lane), { scope: 'worker' }],
  demo: async ({ page }, use, info) => {
    const problems: string[] = [];
    const demo = new Demo(page, info);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const allowance = demo.allowed.find((a) => a.left > 0 && a.pattern.test(`${m.text()} ${m.location().url}`));
      if (allowance) allowance.left--;
      else problems.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await use(demo);
    expect(problems, 'console and page errors').toEqual([]);
  },
});

export { expect };
